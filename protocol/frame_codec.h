// Encrypted, length-prefixed frames: how two devices talk once the
// handshake is done. Layout in mesh_format.md:
//   u32 length L (big-endian) || L bytes sealed with the direction's
//   SessionCipher, whose plaintext is: u8 type || payload.
// A frame that is too large, replayed, reordered, cut or altered is an error
// and ends the session. Not thread-safe; one writer and one reader per side.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "crypto/key_exchange.h"

namespace hearth {

inline constexpr size_t kMaxFramePayload = 1 << 20;

struct Frame {
  uint8_t type = 0;
  Bytes payload;
};

struct FrameError {
  std::string detail;
};

class FrameWriter {
 public:
  explicit FrameWriter(const crypto::Secret<32>& key) : cipher_(key) {}
  // `payload` must be at most kMaxFramePayload bytes.
  Bytes Encode(uint8_t type, ByteSpan payload);

 private:
  crypto::SessionCipher cipher_;
};

class FrameReader {
 public:
  explicit FrameReader(const crypto::Secret<32>& key) : cipher_(key) {}
  // Takes received bytes (any split) and returns the frames they complete.
  // After an error the reader stays failed.
  std::expected<std::vector<Frame>, FrameError> Feed(ByteSpan data);

 private:
  crypto::SessionCipher cipher_;
  Bytes pending_;
  bool failed_ = false;
};

}  // namespace hearth

// BLAKE2b-256, plain and keyed, one-shot and streaming. Every content id in
// Hearth (file ids, entry ids, household ids) is one of these digests.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>

#include "crypto/bytes.h"

namespace hearth::crypto {

using Digest = std::array<uint8_t, 32>;

// BLAKE2b with a 32-byte output over `data`.
Digest Blake2b256(ByteSpan data);

// BLAKE2b-256 keyed with `key` (16..64 bytes) over `data`.
Digest Blake2b256Keyed(ByteSpan key, ByteSpan data);

// Incremental BLAKE2b-256. Not thread-safe; one owner feeds it.
class Blake2bStream {
 public:
  Blake2bStream();
  // Keyed variant; `key` must be 16..64 bytes.
  explicit Blake2bStream(ByteSpan key);
  ~Blake2bStream();
  Blake2bStream(const Blake2bStream&) = delete;
  Blake2bStream& operator=(const Blake2bStream&) = delete;

  void Update(ByteSpan data);
  // Returns the digest. The stream must not be used afterwards.
  Digest Finish();

 private:
  crypto_generichash_state state_;
};

}  // namespace hearth::crypto

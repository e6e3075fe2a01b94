// An FFmpeg demuxer reading from a ByteSource (a blob's plaintext, chunk by
// chunk, or any buffer) through a custom AVIOContext. Shared by the
// transcoder and cover extraction. Owns its contexts; one thread.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "node/media/transcoder.h"

struct AVFormatContext;
struct AVIOContext;

namespace hearth::codec {

using media::ByteSource;

class AvInput {
 public:
  // Opens the container (probing its format); the error says why not.
  static std::expected<std::unique_ptr<AvInput>, std::string> Open(ByteSource source);
  ~AvInput();
  AvInput(const AvInput&) = delete;
  AvInput& operator=(const AvInput&) = delete;

  AVFormatContext* format() const { return fmt_; }
  // The source's own error, when a read failed (else empty).
  const std::string& read_error() const { return read_error_; }
  // `code`'s text, or the source's error when a read caused it.
  std::string Why(int code) const;

 private:
  AvInput() = default;
  static int Read(void* opaque, uint8_t* buf, int size);
  static int64_t Seek(void* opaque, int64_t offset, int whence);

  ByteSource source_;
  uint64_t pos_ = 0;
  std::string read_error_;
  AVIOContext* io_ = nullptr;
  AVFormatContext* fmt_ = nullptr;
};

std::string AvErrorText(int code);

}  // namespace hearth::codec

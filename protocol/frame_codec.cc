#include "protocol/frame_codec.h"

#include "protocol/byte_io.h"

namespace hearth {
namespace {
constexpr size_t kTag = 16;
constexpr size_t kMaxSealed = 1 + kMaxFramePayload + kTag;
}  // namespace

Bytes FrameWriter::Encode(uint8_t type, ByteSpan payload) {
  Bytes plain;
  plain.reserve(1 + payload.size());
  plain.push_back(type);
  plain.insert(plain.end(), payload.begin(), payload.end());
  Bytes sealed = cipher_.Seal(plain);
  ByteWriter w;
  w.U32(static_cast<uint32_t>(sealed.size()));
  w.Fixed(sealed);
  return w.Take();
}

std::expected<std::vector<Frame>, FrameError> FrameReader::Feed(ByteSpan data) {
  if (failed_) return std::unexpected(FrameError{"session already failed"});
  pending_.insert(pending_.end(), data.begin(), data.end());
  std::vector<Frame> frames;
  size_t at = 0;
  while (pending_.size() - at >= 4) {
    ByteReader r(ByteSpan(pending_.data() + at, 4));
    size_t length = r.U32();
    if (length > kMaxSealed || length < 1 + kTag) {
      failed_ = true;
      return std::unexpected(FrameError{"frame length " + std::to_string(length) + " is out of bounds"});
    }
    if (pending_.size() - at - 4 < length) break;
    auto plain = cipher_.Open(ByteSpan(pending_.data() + at + 4, length));
    if (!plain) {
      failed_ = true;
      return std::unexpected(FrameError{"frame does not authenticate (altered, replayed or out of order)"});
    }
    frames.push_back(Frame{(*plain)[0], Bytes(plain->begin() + 1, plain->end())});
    at += 4 + length;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(at));
  return frames;
}

}  // namespace hearth

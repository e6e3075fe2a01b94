#include "node/codec/av_input.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace hearth::codec {

namespace {
constexpr int kIoBuffer = 64 * 1024;
}  // namespace

std::string AvErrorText(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

std::string AvInput::Why(int code) const { return read_error_.empty() ? AvErrorText(code) : read_error_; }

int AvInput::Read(void* opaque, uint8_t* buf, int size) {
  auto* in = static_cast<AvInput*>(opaque);
  auto n = in->source_.read_at(in->pos_, MutableByteSpan(buf, static_cast<size_t>(size)));
  if (!n) {
    in->read_error_ = n.error();
    return AVERROR(EIO);
  }
  if (*n == 0) return AVERROR_EOF;
  in->pos_ += *n;
  return static_cast<int>(*n);
}

int64_t AvInput::Seek(void* opaque, int64_t offset, int whence) {
  auto* in = static_cast<AvInput*>(opaque);
  const auto size = static_cast<int64_t>(in->source_.size);
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return size;
  const int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? static_cast<int64_t>(in->pos_) + offset
                                              : whence == SEEK_END ? size + offset : -1;
  if (to < 0 || to > size) return AVERROR(EINVAL);
  in->pos_ = static_cast<uint64_t>(to);
  return to;
}

std::expected<std::unique_ptr<AvInput>, std::string> AvInput::Open(ByteSource source) {
  std::unique_ptr<AvInput> in(new AvInput());
  in->source_ = std::move(source);
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
  in->io_ = avio_alloc_context(buffer, kIoBuffer, 0, in.get(), &AvInput::Read, nullptr, &AvInput::Seek);
  if (!in->io_) {
    av_free(buffer);
    return std::unexpected(std::string("out of memory"));
  }
  in->fmt_ = avformat_alloc_context();
  if (!in->fmt_) return std::unexpected(std::string("out of memory"));
  in->fmt_->pb = in->io_;
  in->fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (int r = avformat_open_input(&in->fmt_, nullptr, nullptr, nullptr); r < 0) {
    in->fmt_ = nullptr;  // freed by avformat_open_input on failure
    return std::unexpected("not a playable audio file: " + in->Why(r));
  }
  return in;
}

AvInput::~AvInput() {
  avformat_close_input(&fmt_);
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

}  // namespace hearth::codec

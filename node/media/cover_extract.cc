#include "node/media/cover_extract.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace hearth::media {
namespace {

struct Reader {
  const ByteSource* source;
  uint64_t pos = 0;
  static int Read(void* opaque, uint8_t* buf, int size) {
    auto* r = static_cast<Reader*>(opaque);
    auto n = r->source->read_at(r->pos, MutableByteSpan(buf, static_cast<size_t>(size)));
    if (!n) return AVERROR(EIO);
    if (*n == 0) return AVERROR_EOF;
    r->pos += *n;
    return static_cast<int>(*n);
  }
  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* r = static_cast<Reader*>(opaque);
    const auto size = static_cast<int64_t>(r->source->size);
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return size;
    const int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? static_cast<int64_t>(r->pos) + offset
                                                : whence == SEEK_END ? size + offset : -1;
    if (to < 0 || to > size) return AVERROR(EINVAL);
    r->pos = static_cast<uint64_t>(to);
    return to;
  }
};

}  // namespace

std::expected<Bytes, std::string> ExtractCover(const ByteSource& source) {
  Reader reader{&source};
  constexpr int kBuffer = 64 * 1024;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBuffer));
  AVIOContext* io = avio_alloc_context(buffer, kBuffer, 0, &reader, &Reader::Read, nullptr, &Reader::Seek);
  AVFormatContext* fmt = avformat_alloc_context();
  if (!io || !fmt) {
    if (io) avio_context_free(&io);
    else av_free(buffer);
    avformat_free_context(fmt);
    return std::unexpected(std::string("out of memory"));
  }
  fmt->pb = io;
  fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  std::expected<Bytes, std::string> out = std::unexpected(std::string("the file has no embedded picture"));
  if (avformat_open_input(&fmt, nullptr, nullptr, nullptr) < 0) {
    fmt = nullptr;
    out = std::unexpected(std::string("not a readable audio file"));
  } else {
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      const AVStream* s = fmt->streams[i];
      if ((s->disposition & AV_DISPOSITION_ATTACHED_PIC) && s->attached_pic.size > 0) {
        out = Bytes(s->attached_pic.data, s->attached_pic.data + s->attached_pic.size);
        break;
      }
    }
  }
  avformat_close_input(&fmt);
  av_freep(&io->buffer);
  avio_context_free(&io);
  return out;
}

}  // namespace hearth::media

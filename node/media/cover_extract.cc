#include "node/media/cover_extract.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include "node/media/av_input.h"

namespace hearth::media {

std::expected<Bytes, std::string> ExtractCover(const ByteSource& source) {
  auto in = AvInput::Open(source);
  if (!in) return std::unexpected(in.error());
  const AVFormatContext* fmt = (*in)->format();
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* s = fmt->streams[i];
    if ((s->disposition & AV_DISPOSITION_ATTACHED_PIC) && s->attached_pic.size > 0)
      return Bytes(s->attached_pic.data, s->attached_pic.data + s->attached_pic.size);
  }
  return std::unexpected(std::string("the file has no embedded picture"));
}

}  // namespace hearth::media

#include "node/codec/codec.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include "node/codec/av_input.h"

namespace hearth::codec {

std::expected<Bytes, std::string> Cover(const media::ByteSource& source) {
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

}  // namespace hearth::codec

#include "node/library/audio_probe.h"

#include "node/media/codecs.h"

namespace hearth::library {

std::expected<AudioInfo, std::string> ProbeAudio(ByteSpan file) {
  if (file.empty()) return std::unexpected("empty file");
  auto codecs = media::Codecs();
  if (!codecs) return std::unexpected(media::CodecsErrorText(codecs.error()));
  return (*codecs)->probe_audio(file);
}

}  // namespace hearth::library

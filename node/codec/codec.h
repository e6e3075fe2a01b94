// node/codec: the module (libhearth_codec.so) that holds everything linked
// against FFmpeg and libopusenc; node/media/codecs.h loads it on first use and
// explains why. These are the module's own functions behind the table it
// exports (module.cc); nothing outside node/codec calls them directly.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "crypto/bytes.h"
#include "node/library/audio_probe.h"
#include "node/media/transcoder.h"

namespace hearth::codec {

// library::ProbeAudio's work (probe.cc).
std::expected<library::AudioInfo, std::string> Probe(ByteSpan file);

// media::OpusTranscoder::Open's work (opus_transcoder.cc).
std::expected<std::unique_ptr<media::OpusTranscoder>, std::string> OpenOpus(media::ByteSource source,
                                                                           const media::TranscodeOptions& options);

// media::ExtractCover's work (cover.cc).
std::expected<Bytes, std::string> Cover(const media::ByteSource& source);

}  // namespace hearth::codec

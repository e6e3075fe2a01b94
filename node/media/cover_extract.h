// The cover picture embedded in an audio file (ID3 APIC, MP4 covr, FLAC and
// Vorbis-comment pictures), read with FFmpeg's demuxers from any ByteSource
// -- e.g. a blob another device holds, chunk by chunk. Only the container's
// header part is read. One thread; the source may block.
#pragma once

#include <expected>
#include <string>

#include "node/media/transcoder.h"

namespace hearth::media {

std::expected<Bytes, std::string> ExtractCover(const ByteSource& source);

}  // namespace hearth::media

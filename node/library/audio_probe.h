// Audio probing with FFmpeg's libraries: what a file holds (container,
// codec, rate, channels, duration), its audio identity, and its embedded
// cover art. Works on bytes in memory; never looks at the file name, so a
// FLAC named .mp3 is still read as FLAC, and a text file named .mp3 fails.
//
// Audio identity (scheme 1): BLAKE2b-256 of "hearth/track/v1" 0x00, the
// codec name, 0x00, then the payload of every packet of the best audio
// stream in demuxing order, concatenated. Demuxers leave tags, cover art
// and the MP3 Xing/Info frame out of packets, so a re-tagged or re-muxed
// copy keeps the identity while its file bytes (file_id) change.
//
// Thread-safe: each call owns its FFmpeg contexts. The work is done in the
// codec module (node/media/codecs.h), loaded by the first call.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth::library {

inline constexpr uint8_t kTrackIdScheme = 1;

struct CoverArt {
  Bytes bytes;
  std::string mime;  // "image/jpeg", "image/png", ... ("" when unknown)
};

struct AudioInfo {
  std::string format;    // mp3, m4a, flac, ogg, opus, wav
  std::string codec;     // mp3, aac, alac, flac, vorbis, opus, pcm_s16le, ...
  int sample_rate = 0;
  int channels = 0;
  int64_t bitrate = 0;   // bits per second, averaged over the file
  uint64_t duration_ms = 0;
  TrackId track;
  std::optional<CoverArt> cover;
  // Tags as FFmpeg sees them (lowercase keys): a fallback when TagLib cannot read.
  std::vector<std::pair<std::string, std::string>> tags;
};

// Probes `file`. Fails with a one-line reason for anything that is not a
// whole audio file of a supported format: empty, not audio, truncated (its
// header declares more audio than it holds), or an unsupported format.
std::expected<AudioInfo, std::string> ProbeAudio(ByteSpan file);

}  // namespace hearth::library

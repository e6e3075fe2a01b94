// OpusTranscoder: any file the importer accepts (decoded by FFmpeg's
// libraries) to Ogg Opus (libopusenc), produced in steps so that the caller
// decides the pace: a slow client simply asks for the next step later, and a
// client that goes away just drops the transcoder.
//
// Output: 48 kHz, mono or stereo (more channels are downmixed to stereo),
// the requested bitrate; libopusenc writes the OpusHead pre-skip and the
// granule positions. With a start offset, decoding seeks there and drops
// the samples before it, so the stream starts at that instant.
//
// One thread at a time; the source's read_at may block (a remote chunk).
// The work is done in the codec module (node/media/codecs.h), loaded by the
// first Open.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "protocol/ids.h"

namespace hearth::media {

struct ByteSource {
  // Fills `out` from `offset`; returns the bytes read (0 at the end).
  std::function<std::expected<size_t, std::string>(uint64_t offset, MutableByteSpan out)> read_at;
  uint64_t size = 0;
};

struct TranscodeOptions {
  int bitrate_kbps = 128;  // clamped to 64..192... by the caller; 6..510 accepted here
  double start_seconds = 0;
  std::string title, artist, album;  // written as Vorbis comments
};

class OpusTranscoder {
 public:
  // Opens the source and the encoder; the error says why a file cannot be
  // played (not audio, unsupported codec, unreadable, no codec module).
  static std::expected<std::unique_ptr<OpusTranscoder>, std::string> Open(ByteSource source,
                                                                          const TranscodeOptions& options);
  virtual ~OpusTranscoder() = default;
  OpusTranscoder(const OpusTranscoder&) = delete;
  OpusTranscoder& operator=(const OpusTranscoder&) = delete;

  // Appends Ogg Opus to `out` until it holds at least `want` bytes or the
  // stream ends. Returns true while there is more to come. The first call
  // yields the headers and the first audio page. A damaged packet is skipped;
  // a source that keeps failing ends the stream with an error.
  virtual std::expected<bool, std::string> Produce(size_t want, Bytes& out) = 0;

  virtual double duration_seconds() const = 0;

 protected:
  OpusTranscoder() = default;
};

}  // namespace hearth::media

// The codec stack -- FFmpeg's demuxers and decoders, libswresample and
// libopusenc, with the ~100 shared libraries they pull in (x265, rav1e,
// librsvg, GnuTLS, ICU, ...) -- lives in a module of its own,
// libhearth_codec.so (node/codec/), loaded the first time something probes,
// transcodes or reads a cover. A node that only serves, syncs and streams
// sealed blobs never maps it: at 100,000 tracks that is about half of an
// idle `serve`'s resident memory (tools/bench/bench_scale).
//
// Where the module is found: $HEARTH_CODEC_MODULE when set, else where it is
// installed, PREFIX/HEARTH_CODEC_INSTALL_DIR for PREFIX/bin/hearth (the
// package: /usr/lib/<multiarch>/hearth; packaging/), else the path the build
// wrote it to (HEARTH_CODEC_MODULE_PATH), else libhearth_codec.so beside the
// running executable. Both paths are fixed at compile time.
//
// The module exports one C symbol, kCodecEntry, returning a CodecModule.
// C++ types cross the boundary, so module and executable must come from the
// same build. Only the table's `abi` (kCodecAbi, raised by hand when the
// table or the types in it change) is checked: a module from another build
// of the same version would not be noticed. A token per build is to do.
//
// Thread-safe: Codecs() loads at most once per process (later calls return
// the same table or the same error); the module is never unloaded, so the
// table and its transcoders live until exit.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "crypto/bytes.h"
#include "node/library/audio_probe.h"
#include "node/media/transcoder.h"

namespace hearth::media {

inline constexpr uint32_t kCodecAbi = 1;
inline constexpr char kCodecEntry[] = "hearth_codec_module";

// Each function has the contract of its public wrapper: library::ProbeAudio,
// OpusTranscoder::Open, ExtractCover.
struct CodecModule {
  uint32_t abi = 0;
  std::expected<library::AudioInfo, std::string> (*probe_audio)(ByteSpan file) = nullptr;
  std::expected<std::unique_ptr<OpusTranscoder>, std::string> (*open_opus)(ByteSource source,
                                                                          const TranscodeOptions& options) =
      nullptr;
  std::expected<Bytes, std::string> (*extract_cover)(const ByteSource& source) = nullptr;
};

enum class CodecsError {
  kNotFound,     // no module file where it was looked for
  kNotLoadable,  // dlopen failed (a missing FFmpeg library, a damaged file)
  kWrongAbi,     // no entry symbol, or a module from another build
};

// The process's codec module, loaded on first use.
std::expected<const CodecModule*, CodecsError> Codecs();

// What went wrong, for a person: the error, the path tried and the loader's
// own words ("the codec module /x/libhearth_codec.so could not be loaded:
// libavcodec.so.59: cannot open shared object file").
std::string CodecsErrorText(CodecsError error);

// Whether this process has loaded the module (without loading it).
bool CodecsLoaded();

// Loads the module at `path`, uncached: for tests of the failure cases.
// `detail` receives the loader's message on failure.
std::expected<const CodecModule*, CodecsError> LoadCodecModule(const std::string& path, std::string* detail);

}  // namespace hearth::media

// OpusTranscoder on real files of every format the importer accepts, checked
// with opus-tools (opusinfo validates the Ogg stream: pre-skip, granule
// positions, page structure).
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "node/media/transcoder.h"
#include "tests/support/media_files.h"
#include "tests/support/temp_dir.h"

namespace hearth::media {
namespace {

using hearth::testing::MakeTone;
using hearth::testing::RunCommand;
using hearth::testing::TempDir;

Bytes Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ByteSource SourceOf(std::shared_ptr<Bytes> data) {
  return ByteSource{[data](uint64_t offset, MutableByteSpan out) -> std::expected<size_t, std::string> {
                      if (offset >= data->size()) return 0;
                      size_t n = std::min<size_t>(out.size(), data->size() - offset);
                      std::copy_n(data->begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
                      return n;
                    },
                    data->size()};
}

std::expected<Bytes, std::string> TranscodeAll(ByteSource source, TranscodeOptions o = {}) {
  auto t = OpusTranscoder::Open(std::move(source), o);
  if (!t) return std::unexpected(t.error());
  Bytes out;
  for (int steps = 0; steps < 10000; ++steps) {
    auto more = (*t)->Produce(out.size() + 16 * 1024, out);
    if (!more) return std::unexpected(more.error());
    if (!*more) return out;
  }
  return std::unexpected(std::string("did not end"));
}

struct OggFacts {
  uint16_t pre_skip = 0;
  uint64_t last_granule = 0;
  int pages = 0;
};
OggFacts Inspect(const Bytes& ogg) {
  OggFacts f;
  for (size_t i = 0; i + 27 <= ogg.size();) {
    if (std::memcmp(ogg.data() + i, "OggS", 4) != 0) break;
    uint64_t granule = 0;
    for (int b = 7; b >= 0; --b) granule = granule << 8 | ogg[i + 6 + b];
    const int segments = ogg[i + 26];
    size_t body = 0;
    for (int s = 0; s < segments; ++s) body += ogg[i + 27 + s];
    const size_t start = i + 27 + segments;
    if (f.pages == 0 && body >= 12 && std::memcmp(ogg.data() + start, "OpusHead", 8) == 0)
      f.pre_skip = static_cast<uint16_t>(ogg[start + 10] | ogg[start + 11] << 8);
    if (granule != ~uint64_t{0}) f.last_granule = granule;
    ++f.pages;
    i = start + body;
  }
  return f;
}

// opusinfo's verdict and the playback length it reports, in seconds.
std::pair<bool, double> OpusInfo(const std::string& path) {
  auto r = RunCommand("opusinfo " + hearth::testing::Quote(path));
  const std::string all = r.out + r.err;
  const bool clean = r.exit_code == 0 && all.find("WARNING") == std::string::npos &&
                     all.find("ERROR") == std::string::npos;
  double seconds = -1;
  if (size_t at = all.find("Playback length: "); at != std::string::npos) {
    int minutes = 0;
    double secs = 0;
    if (std::sscanf(all.c_str() + at, "Playback length: %dm:%lfs", &minutes, &secs) == 2) seconds = minutes * 60 + secs;
  }
  return {clean, seconds};
}

class Formats : public ::testing::TestWithParam<std::string> {};

TEST_P(Formats, TranscodesToValidOggOpusOfTheSameLength) {
  TempDir dir;
  const std::string src = dir / ("tone." + GetParam());
  std::string err;
  ASSERT_TRUE(MakeTone(src, {.frequency = 523, .seconds = 3}, &err)) << err;
  auto out = TranscodeAll(SourceOf(std::make_shared<Bytes>(Slurp(src))), {.bitrate_kbps = 96});
  ASSERT_TRUE(out) << out.error();
  const std::string path = dir / "out.opus";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(out->data()), out->size());
  auto [clean, seconds] = OpusInfo(path);
  EXPECT_TRUE(clean) << RunCommand("opusinfo " + path).out;
  EXPECT_NEAR(seconds, 3.0, 0.06);
  OggFacts facts = Inspect(*out);
  EXPECT_GT(facts.pre_skip, 0);  // the encoder's lookahead, announced in OpusHead
  EXPECT_NEAR(static_cast<double>(facts.last_granule - facts.pre_skip), 3.0 * 48000, 48000 * 0.06);
  EXPECT_EQ(RunCommand("opusdec --quiet " + path + " " + (dir / "back.wav")).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryImportedFormat, Formats,
                         ::testing::Values("mp3", "m4a", "alac.m4a", "flac", "ogg", "opus", "wav"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

TEST(Transcoder, FirstStepIsTheHeadersAndStartOffsetCutsTheTop) {
  TempDir dir;
  const std::string src = dir / "tone.flac";
  ASSERT_TRUE(MakeTone(src, {.seconds = 4}));
  auto data = std::make_shared<Bytes>(Slurp(src));
  auto t = OpusTranscoder::Open(SourceOf(data), {.bitrate_kbps = 64});
  ASSERT_TRUE(t);
  Bytes first;
  ASSERT_TRUE((*t)->Produce(1, first).value());
  ASSERT_GE(first.size(), 4u);
  EXPECT_EQ(std::string(first.begin(), first.begin() + 4), "OggS");
  EXPECT_NE(std::string(first.begin(), first.end()).find("OpusHead"), std::string::npos);
  EXPECT_NEAR((*t)->duration_seconds(), 4.0, 0.05);

  auto cut = TranscodeAll(SourceOf(data), {.bitrate_kbps = 64, .start_seconds = 1.5});
  ASSERT_TRUE(cut) << cut.error();
  const std::string path = dir / "cut.opus";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(cut->data()), cut->size());
  auto [clean, seconds] = OpusInfo(path);
  EXPECT_TRUE(clean);
  EXPECT_NEAR(seconds, 2.5, 0.06);
}

TEST(Transcoder, NotAudioIsRefusedWithAReason) {
  auto junk = std::make_shared<Bytes>(100000, 0x5a);
  auto t = OpusTranscoder::Open(SourceOf(junk), {});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("not a playable audio file"), std::string::npos) << t.error();
}

TEST(Transcoder, DamagedAudioInTheMiddleStillGivesAValidStream) {
  TempDir dir;
  const std::string src = dir / "tone.mp3";
  ASSERT_TRUE(MakeTone(src, {.seconds = 4}));
  auto data = std::make_shared<Bytes>(Slurp(src));
  // Garbage over a stretch in the middle (frames there no longer decode).
  for (size_t i = data->size() / 2; i < data->size() / 2 + 3000; ++i) (*data)[i] = static_cast<uint8_t>(i * 37);
  auto out = TranscodeAll(SourceOf(data));
  ASSERT_TRUE(out) << out.error();
  const std::string path = dir / "out.opus";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(out->data()), out->size());
  auto [clean, seconds] = OpusInfo(path);
  EXPECT_TRUE(clean);
  EXPECT_GT(seconds, 3.0);
}

TEST(Transcoder, ASourceThatFailsEndsTheStreamWithItsReason) {
  TempDir dir;
  const std::string src = dir / "tone.wav";
  ASSERT_TRUE(MakeTone(src, {.seconds = 4}));
  auto data = std::make_shared<Bytes>(Slurp(src));
  const uint64_t size = data->size();
  ByteSource failing{[data](uint64_t offset, MutableByteSpan out) -> std::expected<size_t, std::string> {
                       if (offset > data->size() / 2) return std::unexpected(std::string("chunk 7 did not arrive"));
                       size_t n = std::min<size_t>(out.size(), data->size() - offset);
                       std::copy_n(data->begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
                       return n;
                     },
                     size};
  auto out = TranscodeAll(failing);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("chunk 7 did not arrive"), std::string::npos) << out.error();
}

}  // namespace
}  // namespace hearth::media

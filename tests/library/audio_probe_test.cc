#include "node/library/audio_probe.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/media_files.h"

namespace hearth::library {
namespace {

using hearth::testing::MakeTone;
using hearth::testing::ReadFileBytes;

class AudioProbe : public ::testing::Test {
 protected:
  std::string Make(const std::string& name, const hearth::testing::ToneOptions& o = {}) {
    std::string path = dir / name, err;
    EXPECT_TRUE(MakeTone(path, o, &err)) << err;
    return path;
  }
  hearth::testing::TempDir dir;
};

TEST_F(AudioProbe, ReadsEveryFormatHearthImports) {
  struct Case {
    const char* name;
    const char* format;
    const char* codec;
  } cases[] = {{"a.mp3", "mp3", "mp3"},     {"a.m4a", "m4a", "aac"},    {"a.alac.m4a", "m4a", "alac"},
               {"a.flac", "flac", "flac"},  {"a.ogg", "ogg", "vorbis"}, {"a.opus", "opus", "opus"},
               {"a.wav", "wav", "pcm_s16le"}};
  for (const auto& c : cases) {
    auto info = ProbeAudio(ReadFileBytes(Make(c.name, {.seconds = 3})));
    ASSERT_TRUE(info) << c.name << ": " << info.error();
    EXPECT_EQ(info->format, c.format) << c.name;
    EXPECT_EQ(info->codec, c.codec) << c.name;
    EXPECT_EQ(info->channels, 2) << c.name;
    EXPECT_NEAR(static_cast<double>(info->duration_ms), 3000, 120) << c.name;
    EXPECT_GT(info->bitrate, 0) << c.name;
    EXPECT_FALSE(info->track.IsZero());
  }
}

TEST_F(AudioProbe, IdentitySurvivesRetaggingButNotOtherAudio) {
  for (const char* ext : {".mp3", ".flac", ".m4a", ".ogg", ".opus", ".wav"}) {
    std::string a = Make(std::string("orig") + ext, {.frequency = 500});
    std::string b = dir / (std::string("retagged") + ext);
    ASSERT_TRUE(hearth::testing::Retag(a, b, "A whole new title"));
    std::string c = Make(std::string("other") + ext, {.frequency = 501});
    Bytes fa = ReadFileBytes(a), fb = ReadFileBytes(b);
    ASSERT_NE(fa, fb) << ext;
    EXPECT_EQ(ProbeAudio(fa)->track, ProbeAudio(fb)->track) << ext;
    EXPECT_NE(ProbeAudio(fa)->track, ProbeAudio(ReadFileBytes(c))->track) << ext;
  }
}

TEST_F(AudioProbe, TruncatedFilesAreRefusedWithTheReason) {
  for (const char* name : {"long.mp3", "long.flac"}) {
    Bytes whole = ReadFileBytes(Make(name, {.seconds = 20}));
    Bytes cut(whole.begin(), whole.begin() + static_cast<long>(whole.size() / 2));
    auto r = ProbeAudio(cut);
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().find("truncated"), std::string::npos) << r.error();
  }
}

TEST_F(AudioProbe, NonAudioIsRefused) {
  EXPECT_EQ(ProbeAudio({}).error(), "empty file");
  std::string text = "This is not music at all, just some text.\n";
  auto r = ProbeAudio(AsBytes(text));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("not an audio file"), std::string::npos) << r.error();
  Bytes noise(100000);
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<uint8_t>(i * 7919 >> 3);
  EXPECT_FALSE(ProbeAudio(noise));
}

TEST_F(AudioProbe, FormatComesFromTheBytesNotTheName) {
  std::string flac = Make("x.flac");
  std::filesystem::rename(flac, dir / "really-flac.mp3");
  auto r = ProbeAudio(ReadFileBytes(dir / "really-flac.mp3"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->format, "flac");
}

TEST_F(AudioProbe, ExtractsEmbeddedCoverArt) {
  ASSERT_TRUE(hearth::testing::MakeImage(dir / "cover.jpg"));
  for (const char* name : {"c.mp3", "c.flac", "c.m4a"}) {
    auto r = ProbeAudio(ReadFileBytes(Make(name, {.cover = dir / "cover.jpg"})));
    ASSERT_TRUE(r) << name << ": " << r.error();
    ASSERT_TRUE(r->cover) << name;
    EXPECT_EQ(r->cover->bytes, ReadFileBytes(dir / "cover.jpg")) << name;
    EXPECT_EQ(r->cover->mime, "image/jpeg");
  }
  EXPECT_FALSE(ProbeAudio(ReadFileBytes(Make("plain.mp3")))->cover);
}

}  // namespace
}  // namespace hearth::library

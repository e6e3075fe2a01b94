#include "node/library/tag_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "node/library/audio_probe.h"
#include "tests/support/media_files.h"

namespace hearth::library {
namespace {

TEST(TagReader, ReadsAndNormalisesTagsInEveryFormat) {
  hearth::testing::TempDir dir;
  for (const char* ext : {".mp3", ".m4a", ".flac", ".ogg", ".opus", ".wav"}) {
    std::string path = dir / (std::string("t") + ext);
    std::string err;
    ASSERT_TRUE(hearth::testing::MakeTone(
        path,
        {.title = "Jóga", .artist = "Björk", .album = "Homogenic",
         .extra = "-metadata album_artist=Björk -metadata track=3/10 -metadata disc=1/2 "
                  "-metadata date=1997-09-22 -metadata genre=Electronic"},
        &err)) << err;
    std::ifstream f(path, std::ios::binary);
    Bytes bytes(std::istreambuf_iterator<char>(f), {});
    auto probe = ProbeAudio(bytes);
    ASSERT_TRUE(probe) << probe.error();
    TagList tags = ReadTags(bytes, probe->format, probe->tags);
    EXPECT_EQ(TagValue(tags, "title"), "Jóga") << ext;
    EXPECT_EQ(TagValue(tags, "artist"), "Björk") << ext;
    EXPECT_EQ(TagValue(tags, "album"), "Homogenic") << ext;
    EXPECT_EQ(TagValue(tags, "tracknumber"), "3") << ext;
    EXPECT_EQ(TagValue(tags, "year"), "1997") << ext;
    if (std::string(ext) != ".wav") {  // RIFF INFO has no such fields
      EXPECT_EQ(TagValue(tags, "tracktotal"), "10") << ext;
      EXPECT_EQ(TagValue(tags, "albumartist"), "Björk") << ext;
      EXPECT_EQ(TagValue(tags, "discnumber"), "1") << ext;
      EXPECT_EQ(TagValue(tags, "disctotal"), "2") << ext;
    }
    EXPECT_EQ(TagValue(tags, "genre"), "Electronic") << ext;
  }
}

TEST(TagReader, FallsBackToFfmpegTagsAndKeepsOnlyKnownKeys) {
  TagList ffmpeg = {{"title", "From FFmpeg"}, {"album_artist", "AA"}, {"track", "7/9"},
                    {"encoder", "Lavf"}, {"lyrics", "la la"}};
  TagList tags = ReadTags(AsBytes("not a tagged file"), "mp3", ffmpeg);
  EXPECT_EQ(TagValue(tags, "title"), "From FFmpeg");
  EXPECT_EQ(TagValue(tags, "albumartist"), "AA");
  EXPECT_EQ(TagValue(tags, "tracknumber"), "7");
  EXPECT_EQ(TagValue(tags, "tracktotal"), "9");
  EXPECT_EQ(TagValue(tags, "encoder"), "");
  EXPECT_EQ(TagValue(tags, "lyrics"), "");
}

}  // namespace
}  // namespace hearth::library

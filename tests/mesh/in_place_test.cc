// Originals kept in place (`hearth import --in-place`): the importing home
// holds no sealed copy, yet the node serves the blob -- to another device
// over BitTorrent, to a player as a Range stream and as Opus -- by sealing
// chunks from the original as they are read. A file that changed after the
// import is never served as the old blob. Real nodes, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

class InPlaceTest : public MeshFixture {
 protected:
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  static uint64_t BytesUnder(const std::string& dir) {
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir, ec))
      if (f.is_regular_file(ec)) total += f.file_size(ec);
    return total;
  }
  std::string AddUser(const std::string& home) {
    const std::string pw = dir_ / "pw";
    std::ofstream(pw) << "pw\n";
    return Json(home, "user add carol --password-file " + Quote(pw)).value("api_key", std::string());
  }
};

TEST_F(InPlaceTest, AnotherDeviceFetchesAnInPlaceTrackBitExactAndPlayersStreamIt) {
  InitAndImport("a", 2, 20, ".wav", "--in-place");  // ~3.5 MB each
  EXPECT_EQ(BytesUnder(Home("a") + "/blobs"), 0u) << "an in-place import writes no sealed copy";
  const auto tracks = TrackIds("a");
  ASSERT_EQ(tracks.size(), 2u);
  const std::string source = Json("a", "show " + tracks[0])["source_path"];
  const std::string original = ReadAll(source);
  const std::string key = AddUser("a");
  auto a = Serve("a");

  // A player on the importing device: a Range in the middle, whole, and Opus.
  Reply part = Fetch(a->http_port(), "/api/v1/tracks/" + tracks[0] + "/stream",
                     {{"Authorization", "Bearer " + key}, {"Range", "bytes=1000000-1099999"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.body == original.substr(1000000, 100000));
  Reply whole = Fetch(a->http_port(), "/api/v1/tracks/" + tracks[0] + "/stream", {{"Authorization", "Bearer " + key}});
  EXPECT_TRUE(whole.body == original) << whole.body.size() << " bytes of " << original.size();
  Reply opus = Fetch(a->http_port(), "/api/v1/tracks/" + tracks[0] + "/stream?format=opus",
                     {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(opus.status, 200);
  EXPECT_EQ(opus.body.substr(0, 4), "OggS");

  // Another device fetches it over BitTorrent and exports it bit-exact.
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b");
  auto fetched = Hearth("b", "fetch " + tracks[0] + " --timeout 60");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err << b->Log() << a->Log();
  ASSERT_EQ(Hearth("b", "export " + tracks[0] + " " + Quote(dir_ / "out")).exit_code, 0);
  EXPECT_TRUE(ReadAll(dir_ / ("out/" + std::filesystem::path(source).filename().string())) == original);
  EXPECT_EQ(b->Log().find("failed its hash check"), std::string::npos) << b->Log();
}

// The original changes after the import (a tag editor rewrote it): the node
// sends no byte of it as the old blob -- the player gets an error, and a
// device fetching it gets no piece that fails its hash.
TEST_F(InPlaceTest, AnOriginalThatChangedIsNeverServedAsTheOldBlob) {
  InitAndImport("a", 1, 20, ".wav", "--in-place");
  const std::string track = TrackIds("a")[0];
  const std::string source = Json("a", "show " + track)["source_path"];
  const std::string key = AddUser("a");
  auto a = Serve("a");
  {
    // Same size, new bytes in the middle (mtime moves too).
    std::fstream f(source, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2'000'000);
    f.write("changed!", 8);
  }
  Reply stream = Fetch(a->http_port(), "/api/v1/tracks/" + track + "/stream", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(stream.body.find("changed!"), std::string::npos) << "the changed bytes went out as the old track";
  EXPECT_LT(stream.body.size(), 2'000'000u) << "the stream should stop before the changed chunk";
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b");
  auto fetched = Hearth("b", "fetch " + track + " --timeout 5");
  EXPECT_NE(fetched.exit_code, 0) << "fetched a blob no device can make any more";
  EXPECT_EQ(b->Log().find("failed its hash check"), std::string::npos) << b->Log();
}

// A storage box online all week outranks the importing device, so the
// sealed copies an import made would move to it (mesh_test.cc). Originals
// kept in place cost the home nothing and are the user's files: the box
// takes its copy, and the importing device keeps holding the originals.
TEST_F(InPlaceTest, OriginalsKeptInPlaceAreNeverSurplus) {
  InitAndImport("a", 3, 2, ".mp3", "--in-place");
  auto a = Serve("a");
  ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
  SeedAlwaysOn("s");
  const auto tracks = TrackIds("a");
  auto s = Serve("s");
  ASSERT_TRUE(Eventually([&] {
    for (const auto& t : tracks)
      if (HolderNames("a", t) != std::set<std::string>{"a", "s"}) return false;
    return true;
  }, std::chrono::seconds(40))) << a->Log() << s->Log();
  // The placement would let A's copies go; A says it keeps them.
  ASSERT_TRUE(a->WaitForLog("policy: keeps 3 original(s) kept in place", std::chrono::seconds(30))) << a->Log();
  EXPECT_EQ(a->Log().find("dropped surplus"), std::string::npos) << a->Log();
  for (const auto& t : tracks) EXPECT_TRUE(HolderNames("a", t).contains("a")) << t;
  const std::string source = Json("a", "show " + tracks[0])["source_path"];
  EXPECT_TRUE(std::filesystem::exists(source));
}

}  // namespace
}  // namespace hearth::testing

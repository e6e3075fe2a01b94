// Playing across the mesh: a phone's node streams a track that only another
// device holds -- by Range, from far into the file first, whole, and
// transcoded -- and says clearly when no reachable device holds a track.
#include <fstream>

#include <gtest/gtest.h>

#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

class PlayTest : public MeshFixture {
 protected:
  std::string AddUser(const std::string& home) {
    const std::string file = dir_ / "pw";
    std::ofstream(file) << "pw\n";
    auto j = Json(home, "user add carol --password-file " + Quote(file));
    return j.value("api_key", std::string());
  }
  std::string Original(const std::string& home, const std::string& track) {
    const std::string source = Json(home, "show " + track)["source_path"];
    auto bytes = ReadFileBytes(source);
    return std::string(bytes.begin(), bytes.end());
  }
};

TEST_F(PlayTest, APhoneStreamsATrackHeldOnlyByAnotherDevice) {
  InitAndImport("a", 2, 20, ".wav");  // 20 s of WAV: ~3.5 MB, 54 chunks
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  const std::string key = AddUser("b");
  ASSERT_FALSE(key.empty());
  auto b = Serve("b");
  ASSERT_NE(b->http_port(), 0);
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const auto tracks = TrackIds("b");
  ASSERT_EQ(tracks.size(), 2u);
  const std::string t = tracks[0];
  ASSERT_FALSE(Holds("b", t));
  const std::string original = Original("a", t);
  ASSERT_GT(original.size(), 3'200'000u);
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  const std::string url = "/api/v1/tracks/" + t + "/stream";

  // The holder's have-set may take a moment to arrive after connecting.
  ASSERT_TRUE(Eventually([&] { return Fetch(b->http_port(), "/api/v1/tracks/" + t, auth).Json()["holders"].size() == 1; }));

  // A seek far into the file, before anything was fetched.
  auto seek_headers = auth;
  seek_headers["Range"] = "bytes=3000000-3099999";
  Reply far = Fetch(b->http_port(), url, seek_headers);
  EXPECT_EQ(far.status, 206) << far.body << b->Log();
  EXPECT_TRUE(far.body == original.substr(3000000, 100000)) << "seeked bytes differ";

  // The whole file, and a transcode, while the fetch goes on behind them.
  Reply whole = Fetch(b->http_port(), url, auth);
  EXPECT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == original) << "streamed bytes differ (" << whole.body.size() << " bytes)";
  Reply opus = Fetch(b->http_port(), url + "?format=opus&bitrate=64", auth);
  EXPECT_EQ(opus.status, 200);
  EXPECT_EQ(opus.body.substr(0, 4), "OggS");

  // Streaming left a verified copy behind (the phone's cache).
  EXPECT_TRUE(Eventually([&] { return Holds("b", t); })) << b->Log();

  // With A gone, the other track has no reachable holder: a clear error
  // within the bounded wait, not a hang. The cached one still plays.
  a->Stop();
  const auto start = std::chrono::steady_clock::now();
  Reply gone = Fetch(b->http_port(), "/api/v1/tracks/" + tracks[1] + "/stream", auth);
  EXPECT_EQ(gone.status, 503) << gone.body;
  EXPECT_NE(gone.body.find("no reachable device holds this track"), std::string::npos) << gone.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_TRUE(Fetch(b->http_port(), url, auth).body == original);
}

}  // namespace
}  // namespace hearth::testing

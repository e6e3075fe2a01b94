// Playing across the mesh: a phone's node streams a track that only another
// device holds -- by Range, from far into the file first, whole, and
// transcoded -- and says clearly when no reachable device holds a track.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "node/store/play_tables.h"
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
  std::string AddUserNamed(const std::string& home, const std::string& name) {
    const std::string file = dir_ / "pw";
    std::ofstream(file) << "pw\n";
    return Json(home, "user add " + name + " --password-file " + Quote(file)).value("api_key", std::string());
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
  const std::string key = AddUser("a");  // a household listener: the phone joins knowing it
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
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
  // Serving, syncing and streaming sealed blobs never needed FFmpeg: the
  // codec module is loaded by the first transcode, not before.
  EXPECT_TRUE(b->Alive());
  EXPECT_FALSE(b->HasMapped("libhearth_codec.so"));
  EXPECT_FALSE(b->HasMapped("libavcodec"));
  Reply opus = Fetch(b->http_port(), url + "?format=opus&bitrate=64", auth);
  EXPECT_EQ(opus.status, 200);
  EXPECT_EQ(opus.body.substr(0, 4), "OggS");
  EXPECT_TRUE(b->HasMapped("libhearth_codec.so"));

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

TEST_F(PlayTest, APhonesCacheStaysWithinItsBudgetLeastRecentlyPlayedFirst) {
  InitAndImport("a", 3, 4, ".wav");  // ~0.7 MB each
  auto a = Serve("a", {"--no-lan"});
  const std::string key = AddUser("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto set = Hearth("a", "policy set budget=b:1100K");  // room for one track, not two
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(Json("a", "policy show")["budgets"][0]["bytes"], 1'100'000);
  EXPECT_EQ(Hearth("a", "policy set budget=b:lots").exit_code, 2);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const auto tracks = TrackIds("b");
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  auto play = [&](const std::string& t) {
    Reply r = Fetch(b->http_port(), "/api/v1/tracks/" + t + "/stream", auth);
    return r.status == 200 && r.body.size() > 700'000;
  };
  ASSERT_TRUE(Eventually([&] { return Fetch(b->http_port(), "/api/v1/tracks/" + tracks[2], auth).Json()["holders"].size() == 1; }));

  ASSERT_TRUE(play(tracks[0]));
  ASSERT_TRUE(Eventually([&] { return Holds("b", tracks[0]); })) << b->Log();
  ASSERT_TRUE(play(tracks[1]));
  // The older one goes; the one played last stays.
  EXPECT_TRUE(Eventually([&] { return Holds("b", tracks[1]) && !Holds("b", tracks[0]); })) << b->Log();
  EXPECT_NE(b->Log().find("dropped cached blob"), std::string::npos);
  // ... and the PC hears that the phone no longer has it.
  EXPECT_TRUE(Eventually([&] { return HolderCount("a", tracks[0]) == 1; }));

  // A pin is never dropped, even over budget.
  ASSERT_EQ(Hearth("b", "pin " + tracks[0]).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return Holds("b", tracks[0]); })) << b->Log();
  ASSERT_TRUE(play(tracks[2]));
  EXPECT_TRUE(Eventually([&] { return Holds("b", tracks[2]) && !Holds("b", tracks[1]); })) << b->Log();
  EXPECT_TRUE(Holds("b", tracks[0]));

}

TEST_F(PlayTest, CoverArtComesFromTheTracksBlobOnADeviceThatLacksIt) {
  ASSERT_EQ(Hearth("a", "init --name Home --device-name a").exit_code, 0);
  ASSERT_TRUE(MakeImage(dir_ / "cover.jpg", "0xcc3366"));
  ToneOptions o;
  o.title = "Covered";
  o.cover = dir_ / "cover.jpg";
  ASSERT_TRUE(MakeTone(dir_ / "lib/covered.flac", o));
  ASSERT_EQ(Hearth("a", "import " + Quote(dir_ / "lib")).exit_code, 0);
  auto a = Serve("a", {"--no-lan"});
  const std::string key = AddUser("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  const std::string track = TrackIds("b")[0];
  ASSERT_TRUE(Eventually([&] { return Fetch(b->http_port(), "/api/v1/tracks/" + track, auth).Json()["holders"].size() == 1; }));
  const std::string cover = Fetch(b->http_port(), "/api/v1/tracks/" + track, auth).Json()["cover"];
  ASSERT_FALSE(std::filesystem::exists(Home("b") + "/covers") && !std::filesystem::is_empty(Home("b") + "/covers"));
  Reply image = Fetch(b->http_port(), "/api/v1/covers/" + cover, auth);
  ASSERT_EQ(image.status, 200) << image.body << b->Log();
  EXPECT_EQ(image.headers["content-type"], "image/jpeg");
  // The very image the importer saw (its BLAKE2b is the cover id).
  Reply original = Fetch(a->http_port(), "/api/v1/covers/" + cover, {{"Authorization", "Bearer " + AddUserNamed("a", "dan")}});
  EXPECT_TRUE(image.body == original.body);
  // Kept for next time, even with A gone.
  a->Stop();
  EXPECT_EQ(Fetch(b->http_port(), "/api/v1/covers/" + cover, auth).status, 200);
  Reply subsonic = Fetch(b->http_port(), "/rest/getCoverArt?u=carol&p=pw&id=" + cover);
  EXPECT_EQ(subsonic.headers["content-type"], "image/jpeg");
}

TEST_F(PlayTest, StarsPlaysAndPlaylistsFollowTheListenerToEveryDevice) {
  InitAndImport("a", 3, 2);
  auto a = Serve("a", {"--no-lan"});
  AddUser("a");  // a household listener: known on both devices
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  auto storage = Serve("s", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  auto rest = [&](const NodeProcess& n, const std::string& call, const std::string& query = "") {
    return Fetch(n.http_port(), "/rest/" + call + "?u=carol&p=pw&f=json&" + query).Json()["subsonic-response"];
  };
  const auto tracks = TrackIds("b");
  // On the phone: a playlist, a star and a play.
  auto created = rest(*b, "createPlaylist", "name=On%20the%20bus&songId=" + tracks[0] + "&songId=" + tracks[2]);
  ASSERT_EQ(created["status"], "ok") << created.dump();
  const std::string playlist = created["playlist"]["id"];
  ASSERT_EQ(rest(*b, "star", "id=" + tracks[1])["status"], "ok");
  ASSERT_EQ(rest(*b, "scrobble", "id=" + tracks[1])["status"], "ok");

  // ... shows up on the PC.
  ASSERT_TRUE(Eventually([&] { return rest(*a, "getPlaylists")["playlists"]["playlist"].size() == 1; }))
      << a->Log() << b->Log();
  auto pl = rest(*a, "getPlaylist", "id=" + playlist)["playlist"];
  EXPECT_EQ(pl["name"], "On the bus");
  ASSERT_EQ(pl["entry"].size(), 2u);
  EXPECT_EQ(pl["entry"][0]["id"], tracks[0]);
  EXPECT_TRUE(Eventually([&] { return rest(*a, "getStarred2")["starred2"]["song"].size() == 1; }));
  EXPECT_TRUE(Eventually([&] { return rest(*a, "getSong", "id=" + tracks[1])["song"].value("playCount", 0) == 1; }));

  // Changes on the PC go back to the phone; a delete too.
  ASSERT_EQ(rest(*a, "unstar", "id=" + tracks[1])["status"], "ok");
  EXPECT_TRUE(Eventually([&] { return rest(*b, "getStarred2")["starred2"]["song"].empty(); }));
  ASSERT_EQ(rest(*a, "deletePlaylist", "id=" + playlist)["status"], "ok");
  EXPECT_TRUE(Eventually([&] { return rest(*b, "getPlaylists")["playlists"]["playlist"].empty(); }));

  // A device that was away catches up when it comes back.
  b->Stop();
  ASSERT_EQ(rest(*a, "createPlaylist", "name=While%20away&songId=" + tracks[0])["status"], "ok");
  b = Serve("b", {"--no-lan"});
  EXPECT_TRUE(Eventually([&] { return rest(*b, "getPlaylists")["playlists"]["playlist"].size() == 1; })) << b->Log();

  // The storage device never receives listener state (it cannot read track ids).
  EXPECT_EQ(storage->http_port(), 0);
  auto db = store::Database::Open(Home("s") + "/hearth.db", false);
  ASSERT_TRUE(db);
  EXPECT_EQ(store::LastListenerArrival(*db).value(), 0);
  auto pc = store::Database::Open(Home("a") + "/hearth.db", false);
  EXPECT_GT(store::LastListenerArrival(*pc).value(), 0);
}

}  // namespace
}  // namespace hearth::testing

// The JSON API, streaming and the web player's files, against a real
// HttpService on loopback.
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/http/http_fixture.h"

namespace hearth::http::test {
namespace {

using nlohmann::json;

TEST_F(HttpFixture, LoginGivesATokenAndACookieWrongCredentialsAreRefused) {
  Reply bad = Fetch(port_, "/api/v1/login", {{"Content-Type", "application/json"}}, bhttp::verb::post,
                    R"({"user":"alice","password":"nope"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.Json()["error"], "wrong user name or password");
  Reply ok = Fetch(port_, "/api/v1/login", {{"Content-Type", "application/json"}}, bhttp::verb::post,
                   R"({"user":"alice","password":"s3cret pass"})");
  ASSERT_EQ(ok.status, 200);
  const std::string token = ok.Json()["token"];
  EXPECT_EQ(token, alice_key_);
  EXPECT_NE(ok.headers["set-cookie"].find("hearth_key=" + token), std::string::npos);
  EXPECT_NE(ok.headers["set-cookie"].find("HttpOnly"), std::string::npos);

  EXPECT_EQ(Get("/api/v1/tracks").status, 401);
  EXPECT_EQ(Get("/api/v1/tracks", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(Get("/api/v1/me", {{"Cookie", "a=b; hearth_key=" + token}}).Json()["user"], "alice");
  // Basic auth works too.
  EXPECT_EQ(Get("/api/v1/me", {{"Authorization", "Basic Ym9iOmJvYnB3"}}).Json()["user"], "bob");
}

TEST_F(HttpFixture, BrowseAlbumsArtistsAndSearch) {
  json tracks = Tracks();
  ASSERT_EQ(tracks.size(), Formats().size());
  for (const auto& t : tracks) {
    EXPECT_EQ(t["here"], true);
    EXPECT_EQ(t["holders"], json::array({"pc"}));
  }
  json albums = Api("albums").Json()["albums"];
  ASSERT_EQ(albums.size(), 2u);
  json album = Api("albums/" + albums[0]["id"].get<std::string>()).Json();
  EXPECT_EQ(album["tracks"].size(), album["songCount"]);
  json artists = Api("artists").Json()["artists"];
  ASSERT_EQ(artists.size(), 2u);
  json artist = Api("artists/" + artists[0]["id"].get<std::string>()).Json();
  EXPECT_EQ(artist["albums"].size(), 1u);
  // Albums and artists come a page at a time, with the total.
  json first = Api("albums?limit=1").Json();
  EXPECT_EQ(first["total"], 2);
  ASSERT_EQ(first["albums"].size(), 1u);
  EXPECT_EQ(first["albums"][0]["id"], albums[0]["id"]);
  json second = Api("albums?offset=1&limit=1").Json();
  ASSERT_EQ(second["albums"].size(), 1u);
  EXPECT_EQ(second["albums"][0]["id"], albums[1]["id"]);
  EXPECT_EQ(Api("albums?offset=2").Json()["albums"].size(), 0u);
  EXPECT_EQ(Api("artists?offset=1&limit=5").Json()["artists"].size(), 1u);
  EXPECT_EQ(Api("artists?limit=1").Json()["total"], 2);

  json found = Api("search?q=sigur").Json();
  EXPECT_EQ(found["tracks"].size(), 3u);
  for (const auto& t : found["tracks"]) EXPECT_EQ(t["artist"], "Sigur Rós");
  EXPECT_EQ(Api("search?q=zzzz").Json()["tracks"].size(), 0u);
  EXPECT_EQ(Api("albums/al-000000000000000000000000").status, 404);
  EXPECT_EQ(Api("tracks/" + std::string(64, 'f')).status, 404);
  EXPECT_EQ(Api("nothing/here").status, 404);
}

// The library is read from SQLite on each request: a read that fails is an
// error the player sees, never an empty library.
TEST_F(HttpFixture, AFailedLibraryReadIsAnErrorNotAnEmptyList) {
  ASSERT_EQ(Api("albums").Json()["albums"].size(), 2u);
  {
    auto db = store::Database::Open(dir_ / "home/hearth.db", false);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("DROP TABLE catalog_albums"));
  }
  Reply api = Api("albums");
  EXPECT_EQ(api.status, 500);
  EXPECT_NE(api.Json()["error"].get<std::string>().find("cannot read the library"), std::string::npos);
  Reply sub = Get("/rest/getAlbumList2?type=alphabeticalByName&f=json&apiKey=" + alice_key_);
  EXPECT_EQ(sub.status, 200);
  const json envelope = sub.Json()["subsonic-response"];
  EXPECT_EQ(envelope["status"], "failed");
  EXPECT_NE(envelope["error"]["message"].get<std::string>().find("cannot read the library"), std::string::npos);
}

TEST_F(HttpFixture, StreamsOriginalsWholeAndByRange) {
  json t = TrackOfFormat("wav");
  ASSERT_FALSE(t.is_null());
  const std::string original = OriginalBytes(t["title"]);
  ASSERT_GT(original.size(), 200000u);
  const std::string url = "tracks/" + t["id"].get<std::string>() + "/stream";

  Reply whole = Api(url);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.headers["accept-ranges"], "bytes");
  EXPECT_EQ(whole.headers["content-type"], "audio/wav");
  EXPECT_TRUE(whole.body == original) << "streamed bytes differ from the original file";

  // A range across a chunk boundary (65,520 plaintext bytes per chunk).
  Reply part = Api(url, {{"Range", "bytes=65000-70999"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.headers["content-range"], "bytes 65000-70999/" + std::to_string(original.size()));
  EXPECT_TRUE(part.body == original.substr(65000, 6000));
  Reply tail = Api(url, {{"Range", "bytes=-100"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_TRUE(tail.body == original.substr(original.size() - 100));

  Reply head = Fetch(port_, "/api/v1/" + url, {{"Authorization", "Bearer " + alice_key_}}, bhttp::verb::head);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], std::to_string(original.size()));
  EXPECT_TRUE(head.body.empty());

  Reply past = Api(url, {{"Range", "bytes=" + std::to_string(original.size()) + "-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.headers["content-range"], "bytes */" + std::to_string(original.size()));
  Reply bad = Api(url, {{"Range", "bytes=9-3"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("malformed Range"), std::string::npos);
}

TEST_F(HttpFixture, TranscodesEveryFormatToOggOpus) {
  hearth::testing::TempDir out;
  for (const auto& t : Tracks()) {
    Reply r = Api("tracks/" + t["id"].get<std::string>() + "/stream?format=opus&bitrate=96");
    ASSERT_EQ(r.status, 200) << t["format"] << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "audio/ogg; codecs=opus");
    const std::string path = out / (t["id"].get<std::string>() + ".opus");
    std::ofstream(path, std::ios::binary) << r.body;
    auto info = hearth::testing::RunCommand("opusinfo " + path);
    EXPECT_EQ(info.exit_code, 0) << t["format"] << info.out << info.err;
    EXPECT_EQ(info.out.find("WARNING"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("Playback length: 0m:03"), std::string::npos) << t["format"] << info.out;
  }
  // A start offset.
  json t = TrackOfFormat("mp3");
  Reply r = Api("tracks/" + t["id"].get<std::string>() + "/stream?format=opus&start=2");
  const std::string path = out / "offset.opus";
  std::ofstream(path, std::ios::binary) << r.body;
  EXPECT_NE(hearth::testing::RunCommand("opusinfo " + path).out.find("Playback length: 0m:01"), std::string::npos);
}

TEST_F(HttpFixture, CoverArtAndPins) {
  json t = TrackOfFormat("mp3");
  ASSERT_TRUE(t["cover"].is_string());
  Reply cover = Api("covers/" + t["cover"].get<std::string>());
  EXPECT_EQ(cover.status, 200);
  EXPECT_EQ(cover.headers["content-type"], "image/jpeg");
  EXPECT_EQ(static_cast<uint8_t>(cover.body[0]), 0xFF);
  EXPECT_EQ(Api("covers/co-" + std::string(64, '0')).status, 404);
  EXPECT_EQ(Api("covers/../../etc/passwd").status, 400);

  EXPECT_EQ(Api("pins").Json()["tracks"].size(), 0u);
  Reply pinned = Api("pins/" + t["id"].get<std::string>(), {}, bhttp::verb::put);
  EXPECT_EQ(pinned.status, 200);
  EXPECT_EQ(pinned.Json()["here"], true);
  EXPECT_EQ(Api("pins").Json()["tracks"].size(), 1u);
  EXPECT_EQ(Api("pins/" + t["id"].get<std::string>(), {}, bhttp::verb::delete_).status, 200);
  EXPECT_EQ(Api("pins").Json()["tracks"].size(), 0u);
}

TEST_F(HttpFixture, DevicesAndLedger) {
  json devices = Api("devices").Json()["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["name"], "pc");
  EXPECT_EQ(devices[0]["self"], true);
  json ledger = Api("ledger").Json();
  EXPECT_EQ(ledger["claims"], Formats().size());
  EXPECT_EQ(ledger["members"], 1);
}

TEST_F(HttpFixture, ImportJobsRunFromTheApiAndReportProgress) {
  // Inside the folder the library was imported from (the only place the
  // API may import from).
  const std::string more = dir_ / "music/more";
  ASSERT_TRUE(hearth::testing::MakeTone(more + "/new.flac", {.frequency = 880, .title = "Brand new"}));
  ASSERT_TRUE(hearth::testing::MakeTone(more + "/other.mp3", {.frequency = 990, .title = "Also new"}));
  // Only admins; an absolute path that exists.
  Reply bob = Fetch(port_, "/api/v1/imports", {{"Authorization", "Basic Ym9iOmJvYnB3"}}, bhttp::verb::post,
                    R"({"path":")" + more + R"("})");
  EXPECT_EQ(bob.status, 403);
  auto post = [&](const std::string& body) {
    return Fetch(port_, "/api/v1/imports", {{"Authorization", "Bearer " + alice_key_}}, bhttp::verb::post, body);
  };
  EXPECT_EQ(post(R"({"path":"relative/path"})").status, 400);
  EXPECT_EQ(post(R"({"path":"/no/such/place"})").Json()["error"], "no such file or folder: /no/such/place");
  // Nothing outside the folders this device imports from, not even through
  // a symlink inside one, nor a folder whose name only starts like one.
  Reply shadow = post(R"({"path":"/etc/passwd"})");
  EXPECT_EQ(shadow.status, 403);
  EXPECT_NE(shadow.Json()["error"].get<std::string>().find(std::string(dir_ / "music")), std::string::npos)
      << shadow.body;
  std::filesystem::create_symlink("/etc", dir_ / "music/etc-link");
  EXPECT_EQ(post(R"({"path":")" + std::string(dir_ / "music/etc-link/passwd") + R"("})").status, 403);
  ASSERT_TRUE(hearth::testing::MakeTone(std::string(dir_ / "music2/x.mp3"), {.title = "Elsewhere"}));
  EXPECT_EQ(post(R"({"path":")" + std::string(dir_ / "music2") + R"("})").status, 403);
  EXPECT_TRUE(Api("imports").Json()["imports"].empty()) << "none of those started a job";
  Reply started = post(R"({"path":")" + more + R"("})");
  ASSERT_EQ(started.status, 202) << started.body;
  const int id = started.Json()["id"];
  nlohmann::json job;
  for (int i = 0; i < 200; ++i) {
    job = Api("imports/" + std::to_string(id)).Json();
    if (job["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["imported"], 2);
  EXPECT_EQ(job["filesDone"], 2);
  EXPECT_EQ(Api("imports").Json()["imports"].size(), 1u);
  EXPECT_EQ(Api("imports").Json()["imports"][0]["path"], more);
  // A listener who is no admin sees the job's progress, not where it reads.
  nlohmann::json seen_by_bob =
      Fetch(port_, "/api/v1/imports", {{"Authorization", "Basic Ym9iOmJvYnB3"}}).Json()["imports"];
  ASSERT_EQ(seen_by_bob.size(), 1u);
  EXPECT_FALSE(seen_by_bob[0].contains("path"));
  EXPECT_EQ(seen_by_bob[0]["imported"], 2);
  EXPECT_EQ(Api("imports/99").status, 404);
  // The new tracks are in the library at once.
  EXPECT_EQ(Tracks().size(), Formats().size() + 2);
  EXPECT_EQ(Api("search?q=brand").Json()["tracks"].size(), 1u);
}

TEST_F(HttpFixture, ServesTheWebPlayer) {
  Reply index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script src=\"/app.js\""), std::string::npos);
  // The first screen is in the page as sent: the login form for a stranger,
  // the player for a visitor with a session (so it paints before any script).
  EXPECT_NE(index.body.find("<section id=\"login\">"), std::string::npos);
  EXPECT_NE(index.body.find("<section id=\"app\" hidden>"), std::string::npos);
  EXPECT_EQ(index.headers["vary"], "Cookie");
  Reply in = Get("/", {{"Cookie", "hearth_key=" + alice_key_}});
  EXPECT_NE(in.body.find("<section id=\"login\" hidden>"), std::string::npos);
  EXPECT_NE(in.body.find("<section id=\"app\">"), std::string::npos);
  Reply wrong = Get("/", {{"Cookie", "hearth_key=not-a-key"}});
  EXPECT_NE(wrong.body.find("<section id=\"login\">"), std::string::npos);
  EXPECT_EQ(Get("/app.js").headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/style.css").status, 200);
  EXPECT_EQ(Get("/nope.html").status, 404);
  // An installable app: its manifest, icon and service worker.
  EXPECT_NE(index.body.find("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"), std::string::npos);
  Reply manifest = Get("/manifest.webmanifest");
  EXPECT_EQ(manifest.headers["content-type"], "application/manifest+json");
  json m = manifest.Json();
  EXPECT_EQ(m["start_url"], "/");
  EXPECT_EQ(m["display"], "standalone");
  ASSERT_FALSE(m["icons"].empty());
  EXPECT_EQ(Get(m["icons"][0]["src"].get<std::string>()).headers["content-type"], "image/svg+xml");
  Reply worker = Get("/sw.js");
  EXPECT_EQ(worker.status, 200);
  EXPECT_EQ(worker.headers["content-type"], "text/javascript; charset=utf-8");
  // Every file the worker keeps for offline use is served.
  for (const char* path : {"/offline.js", "/control.js"}) {
    EXPECT_EQ(Get(path).status, 200) << path;
    EXPECT_NE(worker.body.find(std::string("\"") + path + "\""), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace hearth::http::test

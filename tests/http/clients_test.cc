// Real clients against real nodes: the subsonic-api library from npm (every
// call Hearth answers checked in JSON and XML against the OpenSubsonic
// schemas), and the web player driven in headless Chromium by Playwright,
// playing a track that only another device holds and scrolling through
// 10,000 albums.
#include <fstream>

#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

const std::string kScripts = std::string(HEARTH_SOURCE_DIR) + "/tests/http/js";
const std::string kSchemas = std::string(HEARTH_SOURCE_DIR) + "/../shared/conformance/opensubsonic";

class ClientsTest : public MeshFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kScripts + "/node_modules"))
        << "run tools/setup first: it installs the test clients from npm into " << kScripts;
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string file = dir_ / name;
    std::ofstream(file) << text << "\n";
    return file;
  }
  std::string AddUser(const std::string& home, const std::string& name, const std::string& password) {
    const std::string file = dir_ / ("pw-" + name);
    std::ofstream(file) << password << "\n";
    return Json(home, "user add " + name + " --password-file " + Quote(file)).value("api_key", std::string());
  }
};

TEST_F(ClientsTest, AnOpenSubsonicClientLibraryWorksAndEveryAnswerMatchesTheSchemas) {
  ASSERT_TRUE(std::filesystem::exists(kSchemas + "/openapi.json")) << kSchemas;
  InitAndImport("a", 5, 2);
  {  // one track with cover art, so getCoverArt has something to give, and
     // tags with XML's markup characters and beyond ASCII for both forms to carry
    ToneOptions o;
    o.title = "Rock & Roll <Ünïcode> \"quoted\" 'single'";
    o.artist = "Zoë & Co";
    o.album = "<Odd> Album";
    o.extra = "-metadata genre=Jazz -metadata date=1999 -metadata track=3/9 -metadata disc=1";
    ASSERT_TRUE(MakeImage(dir_ / "cover.jpg"));
    o.cover = dir_ / "cover.jpg";
    ASSERT_TRUE(MakeTone(dir_ / "lib2/covered.mp3", o));
    ASSERT_EQ(Hearth("a", "import " + Quote(dir_ / "lib2")).exit_code, 0);
  }
  const std::string file = dir_ / "pw-dana";
  std::ofstream(file) << "pass word\n";
  auto dana = Json("a", "user add dana --password-file " + Quote(file));
  const std::string key = dana.value("api_key", ""), app_password = dana.value("app_password", "");
  auto a = Serve("a", {"--no-lan"});
  ASSERT_NE(a->http_port(), 0);
  // A Subsonic app logs in with the app password (token auth), or the API key.
  auto r = RunCommand("node " + Quote(kScripts + "/subsonic_client.mjs") + " http://127.0.0.1:" +
                      std::to_string(a->http_port()) + " dana " + Quote(app_password) + " " + key + " " +
                      Quote(kSchemas));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << a->Log();
  EXPECT_NE(r.out.find("ok: "), std::string::npos) << r.out;
}

TEST_F(ClientsTest, TheWebPlayerPlaysAndSeeksATrackHeldByAnotherDevice) {
  InitAndImport("a", 3, 12, ".wav");
  auto a = Serve("a", {"--no-lan"});
  AddUser("a", "erin", "pw");  // a household listener: the phone joins knowing it
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const std::string shot = dir_ / "player.png";
  auto r = RunCommand("node " + Quote(kScripts + "/web_player.mjs") + " http://127.0.0.1:" +
                      std::to_string(b->http_port()) + "/ erin pw Song a " + Quote(shot));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << b->Log();
  EXPECT_GT(std::filesystem::file_size(shot), 10'000u);
}

TEST_F(ClientsTest, TheWebPlayerSaysWhenTheStreamLimitIsReached) {
  InitAndImport("a", 1, 30);
  const std::string key = AddUser("a", "erin", "pw");
  ASSERT_EQ(Hearth("a", "policy set stream_limit=1").exit_code, 0);
  auto a = Serve("a", {"--no-lan"});
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  // The track plays on the PC (its slot holds for the track's 30 s); the phone hears of it.
  const std::string track = TrackIds("a").at(0);
  ASSERT_EQ(Fetch(a->http_port(), "/api/v1/tracks/" + track + "/stream", auth).status, 200);
  ASSERT_TRUE(Eventually([&] { return Fetch(b->http_port(), "/api/v1/streams", auth).Json()["playing"].size() == 1; }));
  auto r = RunCommand("node " + Quote(kScripts + "/stream_limit.mjs") + " http://127.0.0.1:" +
                      std::to_string(b->http_port()) + " erin pw Song");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << b->Log();
}

TEST_F(ClientsTest, TheWebPlayerFitsAPhoneAndADesktop) {
  InitAndImport("a", 4, 20);
  AddUser("a", "gwen", "pw");
  auto a = Serve("a", {"--no-lan"});
  ASSERT_NE(a->http_port(), 0);
  const std::string shots = dir_ / "player";
  auto r = RunCommand("node " + Quote(kScripts + "/layout.mjs") + " http://127.0.0.1:" +
                      std::to_string(a->http_port()) + " gwen pw " + Quote(shots));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << a->Log();
  for (const char* size : {"390x844", "1280x800"}) {
    const std::string shot = shots + "-" + size + ".png";
    ASSERT_TRUE(std::filesystem::exists(shot)) << shot;
    EXPECT_GT(std::filesystem::file_size(shot), 10'000u) << shot << " looks blank";
  }
}

TEST_F(ClientsTest, TheControlRoomPairsSetsThePolicyAndRevokesADevice) {
  InitAndImport("a", 3, 5);
  AddUser("a", "hana", "pw");
  ASSERT_EQ(Hearth("a", "user add ivo --admin --password-file " + Quote(WriteFile("pw-ivo", "pw"))).exit_code, 0);
  auto a = Serve("a", {"--no-lan"});
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const std::string shots = dir_ / "control";
  auto r = RunCommand("node " + Quote(kScripts + "/control_room.mjs") + " http://127.0.0.1:" +
                      std::to_string(a->http_port()) + "/ ivo pw b " + Quote(shots));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << a->Log();
  for (const char* size : {"390x844", "1280x800"}) {
    const std::string shot = shots + "-" + size + ".png";
    ASSERT_TRUE(std::filesystem::exists(shot)) << shot;
    EXPECT_GT(std::filesystem::file_size(shot), 10'000u) << shot << " looks blank";
  }
  // The code the QR code holds is a real invite: a new device joins with it.
  const size_t at = r.out.find("code: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string code = r.out.substr(at + 6, r.out.find('\n', at) - at - 6);
  auto joined = Join("c", code);
  EXPECT_EQ(joined.exit_code, 0) << joined.out << joined.err;
  EXPECT_EQ(Json("c", "policy show")["copies"], 2) << "the policy set from the page";
  // Revoked from the page: the node cuts b off, and the ledger says so.
  EXPECT_TRUE(a->WaitForLog("cutting off b")) << a->Log();
  bool revoked = false;
  for (const auto& d : Json("a", "devices"))
    if (d["name"] == "b") revoked = d["revoked"];
  EXPECT_TRUE(revoked);
  EXPECT_EQ(Json("a", "policy show")["copies"], 2);
  // hana is no admin: the control room is not hers.
  EXPECT_EQ(Fetch(a->http_port(), "/api/v1/health", {{"Authorization", "Bearer " + Json("a", "user show hana").value("api_key", std::string())}}).status, 403);
}

TEST_F(ClientsTest, AnAlbumKeptInTheBrowserPlaysWithNoNetwork) {
  InitAndImport("a", 2, 12, ".wav");
  AddUser("a", "jo", "pw");
  auto a = Serve("a", {"--no-lan"});
  ASSERT_NE(a->http_port(), 0);
  auto r = RunCommand("node " + Quote(kScripts + "/offline.mjs") + " http://127.0.0.1:" +
                      std::to_string(a->http_port()) + "/ jo pw " + std::to_string(a->pid()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << a->Log();
  EXPECT_NE(r.out.find("ok: a kept album plays offline"), std::string::npos) << r.out;
}

TEST_F(ClientsTest, TheWebPlayerScrollsThroughTenThousandAlbumsAPageAtATime) {
  // 10,000 one-track albums by 2,000 artists (five albums each).
  auto made = RunCommand(std::string(SYNTHETIC_HOME) + " make " + Quote(Home("big")) + " 10000 1");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  AddUser("big", "finn", "pw");
  auto big = Serve("big", {"--no-lan", "--no-watch"});
  ASSERT_NE(big->http_port(), 0) << big->Log();
  auto r = RunCommand("node " + Quote(kScripts + "/album_scroll.mjs") + " http://127.0.0.1:" +
                      std::to_string(big->http_port()) + "/ finn pw 10000 2000");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << big->Log();
  EXPECT_NE(r.out.find("ok: the web player shows 10000 albums and 2000 artists"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hearth::testing

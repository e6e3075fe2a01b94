// The household's stream limit with real nodes: stream_limit=1, a track
// plays from the PC; the laptop hears of it through the mesh and refuses a
// second concurrent stream of it -- 429 with the reason on the JSON API, the
// Subsonic error naming the limit -- and allows it again once the first
// stream has ended (the track's duration after its last request).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

TEST_F(MeshFixture, WithStreamLimitOneASecondConcurrentStreamIsRefusedUntilTheFirstEnds) {
  InitAndImport("a", 1, /*seconds=*/4);
  const std::string track = TrackIds("a").at(0);
  const std::string pw = Home("pw");
  std::ofstream(pw) << "pw\n";
  const std::string key = Json("a", "user add anna --password-file " + Quote(pw)).value("api_key", "");
  ASSERT_FALSE(key.empty());
  auto bad = Hearth("a", "policy set stream_limit=many");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("stream_limit=N"), std::string::npos) << bad.err;
  ASSERT_EQ(Hearth("a", "policy set stream_limit=1").exit_code, 0);
  EXPECT_EQ(Json("a", "policy show")["stream_limit"], 1);
  auto a = Serve("a", {"--no-lan"});
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  const std::string url = "/api/v1/tracks/" + track + "/stream";

  // The first stream, on the PC.
  Reply first = Fetch(a->http_port(), url, auth);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto started = std::chrono::steady_clock::now();
  // The laptop hears of it.
  ASSERT_TRUE(Eventually([&] {
    auto playing = Fetch(b->http_port(), "/api/v1/streams", auth).Json()["playing"];
    return playing.size() == 1 && playing[0].value("track", "") == track && playing[0].value("streams", 0) == 1;
  })) << b->Log();

  // The second, concurrent, on the laptop: refused with the reason.
  Reply second = Fetch(b->http_port(), url, auth);
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_NE(second.Json().value("error", "").find("stream_limit is 1 per owned copy"), std::string::npos)
      << second.body;
  EXPECT_EQ(second.Json().value("stream_limit", 0), 1);
  auto subsonic = Fetch(b->http_port(), "/rest/stream?id=" + track + "&apiKey=" + key + "&f=json").Json();
  EXPECT_EQ(subsonic["subsonic-response"].value("status", ""), "failed") << subsonic.dump();
  EXPECT_NE(subsonic["subsonic-response"]["error"].value("message", "").find("stream limit reached"),
            std::string::npos)
      << subsonic.dump();
  // The same playback on the PC goes on: its requests renew its slot.
  EXPECT_EQ(Fetch(a->http_port(), url, auth).status, 200);
  const auto renewed = std::chrono::steady_clock::now();

  // Once the first has ended (4 s of music), the laptop may play it.
  Reply later;
  ASSERT_TRUE(Eventually([&] { return (later = Fetch(b->http_port(), url, auth)).status == 200; },
                         std::chrono::seconds(30)))
      << later.status << " " << later.body;
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "allowed again " << waited << " s after the first stream started\n";
  EXPECT_GE(waited, 4.0);
  // The PC hears of the laptop's stream, and refuses the PC's next one once
  // its own has ended (the track's 4 s after its last request).
  ASSERT_TRUE(Eventually([&] {
    auto playing = Fetch(a->http_port(), "/api/v1/streams", auth).Json()["playing"];
    return std::chrono::steady_clock::now() > renewed + std::chrono::milliseconds(4500) && playing.size() == 1 &&
           playing[0].value("streams", 0) == 1;
  }, std::chrono::seconds(15)));
  EXPECT_EQ(Fetch(a->http_port(), url, auth).status, 429);
}

}  // namespace
}  // namespace hearth::testing

// Bad input on the HTTP side: each gets a clear error and the node keeps
// serving. (Ranges and unknown ids are in http_test.cc.)
#include <fstream>

#include "node/library/importer.h"
#include "node/library/track_record.h"
#include "tests/http/http_fixture.h"
#include "tests/support/node_process.h"

namespace hearth::http::test {
namespace {

int ErrorCodeOf(const Reply& r) { return r.Json()["subsonic-response"]["error"].value("code", -1); }

BlobId BlobOf(const nlohmann::json& track) {
  BlobId b;
  b.bytes = *library::ParseHexDigest(track["blob"].get<std::string>());
  return b;
}

TEST_F(HttpFixture, PathTraversalIsRefusedEverywhere) {
  for (const std::string target :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/covers/..%2f..%2fhome", "/rest/../api/v1/me",
        "/static/..\\..\\etc\\passwd"}) {
    Reply r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
  }
  EXPECT_EQ(Get("/%zz").status, 400);
}

TEST_F(HttpFixture, TextThatIsNotUtf8IsAnsweredNotAnError) {
  Reply r = Api("search?q=%ff");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json()["tracks"].is_array());
  Reply bad = Api("tracks/%ff%fe");
  EXPECT_EQ(bad.status, 404) << bad.body;
  EXPECT_TRUE(bad.Json().contains("error"));
}

// A guesser: after a few wrong passwords, passwords from its address (or for
// that user) are not checked for a while -- 429 with Retry-After on the JSON
// API, a clear Subsonic error -- and then the right one works again.
TEST_F(HttpFixture, WrongPasswordsAreThrottledThenTheRightOneWorksAgain) {
  auto login = [&](const std::string& password) {
    return Fetch(port_, "/api/v1/login", {{"Content-Type", "application/json"}}, bhttp::verb::post,
                 nlohmann::json{{"user", kAlice}, {"password", password}}.dump());
  };
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) EXPECT_EQ(login("guess" + std::to_string(i)).status, 401);
  EXPECT_EQ(login("guess-last").status, 401);
  Reply throttled = login(kAlicePassword);
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(throttled.headers["retry-after"], "1");
  EXPECT_NE(throttled.body.find("try again in 1 s"), std::string::npos) << throttled.body;
  Reply rest = Rest("ping");
  EXPECT_EQ(ErrorCodeOf(rest), 0);
  EXPECT_NE(rest.body.find("too many wrong passwords"), std::string::npos) << rest.body;
  // An API key is no password: it still works meanwhile.
  EXPECT_EQ(Api("me").status, 200);
  // Once the wait has passed (the service's clock moved on), the right
  // password works again.
  AdvanceClock(std::chrono::milliseconds(1100));
  EXPECT_EQ(login(kAlicePassword).status, 200);
  // It cleared the count: two more mistakes are free again (without the
  // clearing, the seventh would have started a 2 s wait).
  EXPECT_EQ(login("wrong-again").status, 401);
  EXPECT_EQ(login("wrong-once-more").status, 401) << "the right password cleared the count";
}

TEST_F(HttpFixture, AHugeHeaderGets431) {
  RawClient c(port_);
  ASSERT_TRUE(c.connected());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  const std::string reply = c.ReadAll();
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 80);
  EXPECT_EQ(Get("/").status, 200);  // still serving
}

TEST_F(HttpFixture, GarbageGets400) {
  RawClient c(port_);
  c.Send("\x16\x03\x01 this is not http\r\n\r\n");
  EXPECT_EQ(c.ReadAll().rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Get("/").status, 200);
}

class SlowClients : public HttpFixture {
 protected:
  void SetUp() override {
    server_options_.request_timeout = std::chrono::seconds(1);
    HttpFixture::SetUp();
  }
};

TEST_F(SlowClients, ARequestThatNeverFinishesIsDroppedAndOthersAreServed) {
  RawClient slow(port_);
  ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\nHost: x\r\n"));  // no blank line, ever
  EXPECT_EQ(Get("/").status, 200);                           // meanwhile, others are served
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = slow.ReadAll();  // returns when the server closes
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.find("200 OK"), std::string::npos);
  EXPECT_LT(waited, std::chrono::seconds(10));  // closed by the 1 s limit, not the client's 30 s
}

// A client that sends a byte of its header every 200 ms (each well within
// any per-read timeout) is still closed once the request's 1 s is up.
TEST_F(SlowClients, ATrickledRequestCannotStretchItsTime) {
  RawClient slow(port_);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a');
  const auto start = std::chrono::steady_clock::now();
  size_t sent = 0;
  // A byte, then up to 200 ms waiting for the server to hang up, and again.
  bool closed = false;
  while (!closed && sent < request.size() && slow.Send(request.substr(sent, 1))) {
    ++sent;
    closed = slow.WaitClosed(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(closed || sent < request.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
      << "the 1 s limit was stretched to " << sent << " bytes";
  EXPECT_EQ(Get("/").status, 200);
}

TEST_F(HttpFixture, ABodyOverTheLimitGets413) {
  Reply big = Fetch(port_, "/api/v1/login", {{"Content-Type", "application/json"}}, bhttp::verb::post,
                    std::string(2 << 20, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Get("/").status, 200);
}

class FewConnections : public HttpFixture {
 protected:
  void SetUp() override {
    server_options_.max_connections = 3;
    HttpFixture::SetUp();
  }
  using State = ConnectionTable::State;
  bool EventuallyIn(State state, size_t n) {
    return hearth::testing::Eventually([&] { return Connections(state) == n; }, std::chrono::seconds(10));
  }
};

// Every slot held by a connection that sends nothing: a client with a
// request is served all the same, and the idle connection open longest
// made room for it.
TEST_F(FewConnections, IdleConnectionsMakeRoomForAClientWithARequest) {
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  ASSERT_TRUE(EventuallyIn(State::kWaiting, 3));
  EXPECT_EQ(Get("/").status, 200);
  EXPECT_TRUE(hearth::testing::Eventually([&] { return idle[0]->PeerClosed(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(idle[1]->PeerClosed());
  EXPECT_FALSE(idle[2]->PeerClosed());
}

// Every slot held by a request that never finishes (slowloris): the same.
TEST_F(FewConnections, HalfSentRequestsMakeRoomWhenNothingIsIdle) {
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::make_unique<RawClient>(port_));
    slow.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n");  // no blank line, ever
  }
  ASSERT_TRUE(EventuallyIn(State::kReading, 3));
  EXPECT_EQ(Get("/").status, 200);
  EXPECT_TRUE(hearth::testing::Eventually([&] { return slow[0]->PeerClosed(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(slow[2]->PeerClosed());
}

// Every slot answering a request (streams to clients that do not read):
// none is cut off; the newcomer hears 503 and is served once one ends.
TEST_F(FewConnections, WhenEverySlotIsAnsweringTheNewcomerGets503ThenIsServed) {
  const std::string wav = TrackOfFormat("wav")["id"];
  std::string pipelined;  // far more than the socket buffers hold
  for (int i = 0; i < 30; ++i)
    pipelined += "GET /api/v1/tracks/" + wav + "/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 alice_key_ + "\r\n\r\n";
  std::vector<std::unique_ptr<RawClient>> busy;
  for (int i = 0; i < 3; ++i) {
    busy.push_back(std::make_unique<RawClient>(port_, 4096));
    busy.back()->Send(pipelined);
  }
  ASSERT_TRUE(EventuallyIn(State::kBusy, 3));
  Reply refused = Get("/");
  EXPECT_EQ(refused.status, 503);
  EXPECT_FALSE(busy[0]->PeerClosed());
  busy.clear();  // they go away; their slots free up
  EXPECT_TRUE(hearth::testing::Eventually([&] { return Get("/").status == 200; }, std::chrono::seconds(10)));
}

class PerAddressLimit : public HttpFixture {
 protected:
  void SetUp() override {
    server_options_.per_address = 2;
    HttpFixture::SetUp();
  }
};

// One address at its limit makes room from its own idle connections, and
// never from another address's.
TEST_F(PerAddressLimit, AnAddressAtItsLimitPushesOutOnlyItsOwn) {
  RawClient other(port_);  // 127.0.0.1, open longest
  RawClient first(port_, 0, "127.0.0.2");
  RawClient second(port_, 0, "127.0.0.2");
  ASSERT_TRUE(hearth::testing::Eventually(
      [&] { return Connections(ConnectionTable::State::kWaiting) == 3; }, std::chrono::seconds(10)));
  RawClient third(port_, 0, "127.0.0.2");
  ASSERT_TRUE(third.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(third.ReadAll().rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_TRUE(hearth::testing::Eventually([&] { return first.PeerClosed(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(second.PeerClosed());
  EXPECT_FALSE(other.PeerClosed());
  EXPECT_EQ(OnServer([&] { return server_->evicted(); }), 1u);
}

// Two hundred clients at once from one address: what a reverse proxy in
// front of the node looks like (--http-per-address raised for it).
class BehindAProxy : public HttpFixture {
 protected:
  void SetUp() override {
    server_options_.per_address = 256;
    HttpFixture::SetUp();
  }
};

TEST_F(BehindAProxy, TwoHundredConcurrentConnectionsAreAllServed) {
  const std::string id = Tracks()[0]["id"];
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; ++i)
    threads.emplace_back([&, i] {
      const std::string path = i % 2 ? "/api/v1/tracks/" + id + "/stream" : "/api/v1/albums";
      Reply r = Fetch(port_, path, {{"Authorization", "Bearer " + alice_key_}});
      if (r.status == 200 && !r.body.empty()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(HttpFixture, AClientThatGoesAwayMidTranscodeDoesNotDisturbTheNode) {
  const std::string id = Tracks()[0]["id"];
  for (int i = 0; i < 5; ++i) {
    RawClient c(port_);
    c.Send("GET /api/v1/tracks/" + id + "/stream?format=opus HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           alice_key_ + "\r\n\r\n");
    // Closed at once, without reading.
  }
  Reply r = Api("tracks/" + id + "/stream?format=opus");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.substr(0, 4), "OggS");
}

TEST_F(HttpFixture, AClientThatStopsReadingDoesNotStallTheOthers) {
  const std::string wav = TrackOfFormat("wav")["id"];
  // Thirty pipelined requests for the ~0.5 MB original (far more than the
  // socket buffers hold), and a transcode, from clients that never read.
  std::vector<std::unique_ptr<RawClient>> stalled;
  std::string pipelined;
  for (int i = 0; i < 30; ++i)
    pipelined += "GET /api/v1/tracks/" + wav + "/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice_key_ +
                 "\r\n\r\n";
  stalled.push_back(std::make_unique<RawClient>(port_));
  stalled.back()->Send(pipelined);
  stalled.push_back(std::make_unique<RawClient>(port_));
  stalled.back()->Send("GET /api/v1/tracks/" + wav + "/stream?format=opus&bitrate=192 HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer " + alice_key_ + "\r\n\r\n");
  // They never read; everyone else is served meanwhile, streams included.
  ASSERT_TRUE(hearth::testing::Eventually(
      [&] { return Connections(ConnectionTable::State::kBusy) == 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(Api("albums").status, 200);
  const std::string mp3 = TrackOfFormat("mp3")["id"];
  Reply other = Api("tracks/" + mp3 + "/stream?format=opus");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body.substr(0, 4), "OggS");
  EXPECT_EQ(Api("tracks/" + wav + "/stream").body.size(), TrackOfFormat("wav")["size"].get<size_t>());
}

// A stream in progress while a new ledger entry replaces the library index
// (here: an import on the same home, then any request): it goes on reading
// the track it started with, to the last byte (it once read a freed record).
TEST_F(HttpFixture, AStreamOutlivesTheLibraryIndexItStartedWith) {
  // A track far larger than the socket buffers, so that the stream is
  // certainly still sending when the index is replaced.
  auto import = [&](const std::string& name, double seconds) {
    const std::string path = dir_ / ("more/" + name + ".wav");
    hearth::testing::ToneOptions o;
    o.seconds = seconds;
    o.title = name;
    if (!hearth::testing::MakeTone(path, o)) return std::string();
    auto home = store::Home::Open(dir_ / "home");
    if (!home) return std::string();
    library::Catalog catalog(home->db());
    library::Importer importer(*home, catalog);
    auto summary = importer.Run({.paths = {path}});
    return summary && summary->imported == 1 ? path : std::string();
  };
  const std::string long_path = import("Long Tone", 90);
  ASSERT_FALSE(long_path.empty());
  std::string long_id;
  for (const auto& t : Tracks())
    if (t["title"] == "Long Tone") long_id = t["id"];
  ASSERT_FALSE(long_id.empty());
  std::ifstream in(long_path, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(original.size(), 15'000'000u);

  RawClient stream(port_, 4096);
  ASSERT_TRUE(stream.connected());
  ASSERT_TRUE(stream.Send("GET /api/v1/tracks/" + long_id + "/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "Authorization: Bearer " + alice_key_ + "\r\n\r\n"));
  std::string received = stream.Receive();
  ASSERT_NE(received.find("200 OK"), std::string::npos) << received.substr(0, 200);

  // The ledger changes, and a request makes the service load a new index.
  ASSERT_FALSE(import("Short Tone", 1).empty());
  bool seen = false;
  for (const auto& t : Tracks()) seen = seen || t["title"] == "Short Tone";
  ASSERT_TRUE(seen) << "the new track is listed: the index was replaced";

  for (std::string part = stream.Receive(); !part.empty(); part = stream.Receive()) received += part;
  const size_t body = received.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(received.size() - body - 4, original.size());
  EXPECT_TRUE(received.compare(body + 4, std::string::npos, original) == 0) << "streamed bytes differ from the file";
}

TEST_F(HttpFixture, ADamagedBlobIsCutOffNotServedAsMusic) {
  nlohmann::json t = TrackOfFormat("wav");
  // Flip a byte in the second chunk of the stored blob.
  const std::string blob_path = service_->home().blobs().PathOf(BlobOf(t));
  {
    std::fstream f(blob_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(70000);
    f.put('\x7f');
  }
  Reply r = Api("tracks/" + t["id"].get<std::string>() + "/stream");
  // The first chunk decides the 200; the damaged one ends the body short.
  EXPECT_LT(r.body.size(), t["size"].get<size_t>());
  EXPECT_EQ(Api("albums").status, 200);
  Reply transcoded = Api("tracks/" + t["id"].get<std::string>() + "/stream?format=opus");
  EXPECT_TRUE(transcoded.status == 422 || transcoded.body.size() < 200000) << transcoded.status;
}

TEST_F(HttpFixture, ATrackNoDeviceHoldsGetsAClearErrorAfterABoundedWait) {
  nlohmann::json t = TrackOfFormat("ogg");
  std::filesystem::remove(service_->home().blobs().PathOf(BlobOf(t)));
  const auto start = std::chrono::steady_clock::now();
  Reply r = Api("tracks/" + t["id"].get<std::string>() + "/stream");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no reachable device holds this track"), std::string::npos) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace hearth::http::test

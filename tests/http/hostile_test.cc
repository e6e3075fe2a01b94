// Bad input on the HTTP side: each gets a clear error and the node keeps
// serving. (Ranges and unknown ids are in http_test.cc.)
#include <fstream>

#include "node/library/track_record.h"
#include "tests/http/http_fixture.h"

namespace hearth::http::test {
namespace {

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
};

TEST_F(FewConnections, ConnectionsOverTheLimitGet503AndTheRestAreServed) {
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawClient>(port_));
    idle.back()->Send("GET / HTTP/1.1\r\nHost: x\r\n");  // unfinished: holds its slot
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Reply refused = Get("/");
  EXPECT_EQ(refused.status, 503);
  idle.clear();  // the slots free up
  EXPECT_TRUE([&] {
    for (int i = 0; i < 50; ++i) {
      if (Get("/").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }());
}

TEST_F(HttpFixture, TwoHundredConcurrentConnectionsAreAllServed) {
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
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Api("albums").status, 200);
  const std::string mp3 = TrackOfFormat("mp3")["id"];
  Reply other = Api("tracks/" + mp3 + "/stream?format=opus");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body.substr(0, 4), "OggS");
  EXPECT_EQ(Api("tracks/" + wav + "/stream").body.size(), TrackOfFormat("wav")["size"].get<size_t>());
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

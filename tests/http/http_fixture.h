// A device's HTTP side, in process: a fresh home with imported music (one
// track per format, one with cover art), two listeners, and the HttpService
// behind a real Server on a loopback port, run on its own thread. Plus a
// plain HTTP client.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "node/http/listener_book.h"
#include "node/http/server.h"
#include "node/http/service.h"
#include "node/library/importer.h"
#include "tests/support/http_client.h"
#include "tests/support/media_files.h"
#include "tests/support/temp_dir.h"

namespace hearth::http::test {

using hearth::testing::Fetch;
using hearth::testing::RawClient;
using hearth::testing::Reply;

inline const std::vector<std::string>& Formats() {
  static const std::vector<std::string> kAll = {"mp3", "m4a", "alac.m4a", "flac", "ogg", "opus", "wav"};
  return kAll;
}

class HttpFixture : public ::testing::Test {
 protected:
  static constexpr const char* kAlice = "alice";
  static constexpr const char* kAlicePassword = "s3cret pass";

  void SetUp() override {
    ASSERT_TRUE(MakeLibrary()) << "could not make the test library with ffmpeg";
    auto home = store::Home::Init(dir_ / "home", {.household_name = "Test Home", .device_name = "pc"});
    ASSERT_TRUE(home) << home.error().message;
    {
      library::Catalog catalog(home->db());
      library::Importer importer(*home, catalog);
      // Sealed copies: the hostile tests damage and remove stored blobs.
      auto summary = importer.Run({.paths = {dir_ / "music"}, .in_place = false});
      ASSERT_TRUE(summary) << summary.error();
      ASSERT_EQ(summary->imported, Formats().size());
      ListenerBook book(*home);
      auto alice = book.Add(kAlice, kAlicePassword, true, 1);
      ASSERT_TRUE(alice) << alice.error().message;
      alice_key_ = alice->api_key;
      alice_app_password_ = alice->app_password;
      ASSERT_TRUE(book.Add("bob", "bobpw", false, 1));
    }
    ServiceOptions so;
    so.home_dir = dir_ / "home";
    so.chunk_wait = std::chrono::milliseconds(1500);
    // The service's clock runs with the wall clock, plus what a test adds
    // (AdvanceClock) to pass a wait without waiting.
    so.clock = [this] { return SystemNowMicros() + clock_offset_us_.load(); };
    service_ = std::make_unique<HttpService>(io_, workers_, std::move(so));
    auto opened = service_->Open();
    ASSERT_TRUE(opened) << opened.error();
    server_ = std::make_unique<Server>(io_, server_options_, [this](Exchange& ex) { return service_->Handle(ex); });
    ASSERT_TRUE(server_->Listen("127.0.0.1:0"));
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      asio::post(io_, [this] { server_->Stop(); });
      io_.stop();
      thread_.join();
    }
    workers_.join();
  }

  Reply Get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return Fetch(port_, target, std::move(headers));
  }
  Reply Api(const std::string& path, std::map<std::string, std::string> headers = {},
            bhttp::verb method = bhttp::verb::get) {
    headers.emplace("Authorization", "Bearer " + alice_key_);
    return Fetch(port_, "/api/v1/" + path, std::move(headers), method);
  }
  // A Subsonic call as alice with a password (f=json).
  Reply Rest(const std::string& call, const std::string& query = "") {
    return Get("/rest/" + call + "?u=alice&p=s3cret%20pass&v=1.16.1&c=test&f=json" + (query.empty() ? "" : "&" + query));
  }
  nlohmann::json Tracks() { return Api("tracks").Json()["tracks"]; }
  nlohmann::json TrackOfFormat(const std::string& format, const std::string& codec = "") {
    for (const auto& t : Tracks())
      if (t["format"] == format && (codec.empty() || t["codec"] == codec)) return t;
    return nullptr;
  }
  std::string OriginalBytes(const std::string& title) {
    auto it = paths_.find(title);
    if (it == paths_.end()) return {};
    std::ifstream in(it->second, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  bool MakeLibrary() {
    const std::string cover = dir_ / "cover.jpg";
    if (!hearth::testing::MakeImage(cover)) return false;
    int n = 0;
    for (const auto& f : Formats()) {
      hearth::testing::ToneOptions o;
      o.frequency = 300 + 50 * n;
      o.seconds = 3;
      o.title = "Tone " + f;
      o.artist = n % 2 ? "Sigur Rós" : "Björk";
      o.album = n % 2 ? "Ágætis byrjun" : "Homogenic";
      o.extra = "-metadata genre=" + std::string(n % 2 ? "Post-Rock" : "Electronic") + " -metadata track=" +
                std::to_string(n + 1) + " -metadata date=199" + std::to_string(n);
      if (f == "mp3") o.cover = cover;
      const std::string path = dir_ / ("music/" + std::string(n % 2 ? "agaetis" : "homogenic") + "/Tone " + f + "." + f);
      paths_[o.title] = path;
      if (!hearth::testing::MakeTone(path, o)) return false;
      ++n;
    }
    return true;
  }

  hearth::testing::TempDir dir_;
  ServerOptions server_options_;
  asio::io_context io_;
  asio::thread_pool workers_{2};
  std::unique_ptr<HttpService> service_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::string alice_key_;
  std::string alice_app_password_;  // for Subsonic tokens
  std::atomic<int64_t> clock_offset_us_{0};
  void AdvanceClock(std::chrono::microseconds d) { clock_offset_us_ += d.count(); }
  // Runs `f` on the server's thread and returns what it returns.
  template <typename F>
  auto OnServer(F f) {
    std::promise<decltype(f())> done;
    asio::post(io_, [&] { done.set_value(f()); });
    return done.get_future().get();
  }
  size_t Connections(ConnectionTable::State state) {
    return OnServer([&] { return server_->connections(state); });
  }
  std::map<std::string, std::string> paths_;  // title -> original file
};

}  // namespace hearth::http::test

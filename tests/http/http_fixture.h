// A device's HTTP side, in process: a fresh home with imported music (one
// track per format, one with cover art), two listeners, and the HttpService
// behind a real Server on a loopback port, run on its own thread. Plus a
// plain HTTP client.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "node/http/server.h"
#include "node/http/service.h"
#include "node/library/importer.h"
#include "tests/support/media_files.h"
#include "tests/support/temp_dir.h"

namespace hearth::http::test {

struct Reply {
  int status = 0;  // 0: no answer (connection closed or timed out)
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One request over a fresh connection.
inline Reply Fetch(uint16_t port, const std::string& target, std::map<std::string, std::string> headers = {},
                   bhttp::verb method = bhttp::verb::get, const std::string& body = "") {
  Reply out;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    Request req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream.socket(), req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 30);
    if (method == bhttp::verb::head) parser.skip(true);
    bhttp::read(stream.socket(), buffer, parser);
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
  } catch (const std::exception&) {
  }
  return out;
}

// A raw connection for requests that are not well-formed HTTP.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Everything until the server closes (or the timeout).
  std::string ReadAll() {
    std::string out;
    char buf[65536];
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

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
      auto summary = importer.Run({.paths = {dir_ / "music"}});
      ASSERT_TRUE(summary) << summary.error();
      ASSERT_EQ(summary->imported, Formats().size());
      Users users(home->db(), home->device_key());
      auto alice = users.Add(kAlice, kAlicePassword, true, 1);
      ASSERT_TRUE(alice) << alice.error();
      alice_key_ = alice->api_key;
      ASSERT_TRUE(users.Add("bob", "bobpw", false, 1));
    }
    ServiceOptions so;
    so.home_dir = dir_ / "home";
    so.chunk_wait = std::chrono::milliseconds(1500);
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
  std::map<std::string, std::string> paths_;  // title -> original file
};

}  // namespace hearth::http::test

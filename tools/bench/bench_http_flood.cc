// Fair serving under a flood: how long a normal client's request takes while
// 2,000 idle connections and 600 slowloris clients hold the HTTP port of a
// real `hearth serve` (target: p99 <= 100 ms, no failure), next to the same
// figure with no attack, measured in the same run.
//
// The normal client asks for the album list (JSON API, an API key) on a
// fresh connection each time, 400 times, 20 ms apart. The attackers run in
// this process on one thread:
//   idle      -- connect and send nothing; when the node closes the
//                connection, connect again at once;
//   slowloris -- connect, send the start of a request, then one more header
//                line every second, never the blank line; again at once when
//                closed.
// They come from 100 loopback addresses (127.0.1.1-100: 26 per address,
// under the node's per-address limit, so it is the slot policy that is
// measured), then, in a second round, all from one address (127.0.0.2).
// Loopback only; every loop stops when the round ends.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "tests/support/http_client.h"
#include "tests/support/media_files.h"
#include "tests/support/node_process.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace hearth;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using testing::Quote;
using testing::RunCommand;

constexpr int kIdle = 2000;
constexpr int kSlowloris = 600;
constexpr int kRequests = 400;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_http_flood: %s\n", what.c_str());
  std::exit(1);
}
double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Pct(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

struct Latencies {
  std::vector<double> ms;
  int failures = 0;
};

// The normal client: one request per fresh connection.
Latencies NormalClient(uint16_t port, const std::string& key) {
  Latencies out;
  const std::string request = "GET /api/v1/albums HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
                              "\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < kRequests; ++i) {
    const auto start = Steady::now();
    testing::RawClient client(port);
    std::string reply;
    if (client.connected() && client.Send(request)) reply = client.ReadAll();
    const bool ok = reply.rfind("HTTP/1.1 200", 0) == 0 && reply.find("\"albums\"") != std::string::npos;
    if (ok) {
      out.ms.push_back(Ms(Steady::now() - start));
    } else {
      ++out.failures;
      if (out.failures <= 3)
        std::printf("    failure %d: %s\n", out.failures,
                    !client.connected() ? "cannot connect" : reply.empty() ? "closed without an answer" : reply.substr(0, reply.find("\r\n")).c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // pacing of the normal client
  }
  return out;
}

// The attackers of one round.
class Flood {
 public:
  Flood(uint16_t port, std::vector<std::string> sources) : port_(port), sources_(std::move(sources)) {}

  void Start() {
    for (int i = 0; i < kIdle + kSlowloris; ++i)
      asio::co_spawn(io_, Attacker(i, i >= kIdle), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  void Stop() {
    stop_ = true;
    io_.stop();
    thread_.join();
  }
  // Attackers that hold a connection now, and connections made so far.
  int holding() const { return holding_.load(); }
  uint64_t connects() const { return connects_.load(); }

 private:
  asio::awaitable<void> Attacker(int index, bool slowloris) {
    const auto source = asio::ip::make_address(sources_[static_cast<size_t>(index) % sources_.size()]);
    const tcp::endpoint node(asio::ip::make_address("127.0.0.1"), port_);
    asio::steady_timer timer(io_);
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      socket.open(tcp::v4(), ec);
      socket.bind(tcp::endpoint(source, 0), ec);
      co_await socket.async_connect(node, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {  // e.g. the listen queue is full: try again shortly
        timer.expires_after(std::chrono::milliseconds(50));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      ++connects_;
      ++holding_;
      if (!slowloris) {
        char byte;
        co_await socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
      } else {
        std::string line = "GET /api/v1/albums HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int n = 0; !stop_; ++n) {
          co_await asio::async_write(socket, asio::buffer(line), asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;
          line = "X-Slow-" + std::to_string(n) + ": a\r\n";
          timer.expires_after(std::chrono::seconds(1));
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      --holding_;
    }
  }

  uint16_t port_;
  std::vector<std::string> sources_;
  asio::io_context io_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> holding_{0};
  std::atomic<uint64_t> connects_{0};
};

void Report(const char* what, const Latencies& l) {
  std::printf("  %-52s p50 %6.2f ms  p99 %7.2f ms  max %7.2f ms  failures %d/%d\n", what, Pct(l.ms, 0.5),
              Pct(l.ms, 0.99), l.ms.empty() ? -1 : *std::max_element(l.ms.begin(), l.ms.end()), l.failures,
              kRequests);
  std::fflush(stdout);
}

Latencies UnderAttack(uint16_t port, const std::string& key, std::vector<std::string> sources, const char* what) {
  Flood flood(port, std::move(sources));
  flood.Start();
  // Let the flood take hold: every attacker has connected at least once.
  const auto deadline = Steady::now() + std::chrono::seconds(30);
  while (flood.connects() < kIdle + kSlowloris && Steady::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const uint64_t before = flood.connects();
  const auto start = Steady::now();
  Latencies l = NormalClient(port, key);
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  const uint64_t reconnects = flood.connects() - before;
  flood.Stop();
  Report(what, l);
  std::printf("  %-52s attackers reconnected %.0f times a second (let go to make room, or refused)\n", "",
              static_cast<double>(reconnects) / seconds);
  return l;
}

}  // namespace

int main() {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < kIdle + kSlowloris + 200) Die("needs a file descriptor limit above 2,800");

  testing::TempDir dir;
  for (int i = 0; i < 20; ++i) {
    testing::ToneOptions o;
    o.seconds = 2;
    o.title = "Flood " + std::to_string(i);
    o.album = "Album " + std::to_string(i % 5);
    if (!testing::MakeTone(dir / ("lib/t" + std::to_string(i) + ".mp3"), o)) Die("ffmpeg failed");
  }
  const std::string home = dir / "home";
  auto hearth = [&](const std::string& args) { return RunCommand(std::string(HEARTH_BIN) + " --home " + Quote(home) + " " + args); };
  if (hearth("init --name Bench --device-name a").exit_code != 0) Die("init");
  if (hearth("import " + Quote(dir / "lib")).exit_code != 0) Die("import");
  std::ofstream(dir / "pw") << "pw\n";
  auto user = hearth("user add u --password-file " + Quote(dir / "pw") + " --json");
  if (user.exit_code != 0) Die("user add: " + user.err);
  const std::string key = nlohmann::json::parse(user.out)["api_key"];
  testing::NodeProcess node(HEARTH_BIN, home, {"--no-lan"});
  if (!node.started()) Die("serve: " + node.Log());
  const uint16_t port = node.http_port();

  std::printf("a normal client's request (album list, fresh connection, %d requests 20 ms apart) to `hearth serve`:\n",
              kRequests);
  const Latencies calm = NormalClient(port, key);
  Report("no attack (baseline):", calm);
  std::vector<std::string> many;
  for (int i = 1; i <= 100; ++i) many.push_back("127.0.1." + std::to_string(i));
  const Latencies spread =
      UnderAttack(port, key, many, "2,000 idle + 600 slowloris from 100 addresses:");
  const Latencies one = UnderAttack(port, key, {"127.0.0.2"}, "2,000 idle + 600 slowloris from one address:");
  std::printf("  p99 under attack / without: %.2fx (100 addresses), %.2fx (one address); target p99 <= 100 ms, "
              "0 failures\n",
              Pct(spread.ms, 0.99) / Pct(calm.ms, 0.99), Pct(one.ms, 0.99) / Pct(calm.ms, 0.99));
  if (!node.Alive()) Die("the node died under the flood: " + node.Log());
  return 0;
}

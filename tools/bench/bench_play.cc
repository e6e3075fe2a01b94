// Playing figures, each with a same-run baseline:
//  - first byte of a Range request (the track's first chunk) for a track
//    held only by another node, over 50 tracks, through a phone's node
//    (target p50 <= 50 ms, p99 <= 150 ms); and a seek: a Range at 70 % into
//    a track nothing was fetched of yet (target p50 <= 50 ms). Baseline: the
//    same requests to the node that holds the tracks.
//  - transcoding throughput to Ogg Opus at 128 kbps, one thread, versus the
//    ffmpeg CLI with libopus at the same bitrate on the same files, one
//    thread (target >= 0.9x).
//  - 20 concurrent Opus streams from one node: each must be served faster
//    than real time. Also: how soon a transcode's first byte arrives.
// Real `hearth serve` processes on loopback (LAN discovery off).

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "node/media/transcoder.h"
#include "tests/support/http_client.h"
#include "tests/support/media_files.h"
#include "tests/support/node_process.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace hearth;
using Steady = std::chrono::steady_clock;
using testing::Quote;
using testing::RunCommand;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_play: %s\n", what.c_str());
  std::exit(1);
}
double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Milliseconds from sending a request on a fresh connection to the first
// byte of the body (the header is read first); -1 on failure.
double TimeToFirstBodyByte(uint16_t port, const std::string& request) {
  const auto start = Steady::now();
  testing::RawClient client(port);
  if (!client.connected() || !client.Send(request)) return -1;
  std::string got;
  for (std::string part = client.Receive(); !part.empty(); part = client.Receive()) {
    got += part;
    const size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos && got.size() > end + 4)
      return got.rfind("HTTP/1.1 20", 0) == 0 ? Ms(Steady::now() - start) : -1;
  }
  return -1;
}

std::string RangeRequest(const std::string& track, const std::string& key, uint64_t first, uint64_t last) {
  return "GET /api/v1/tracks/" + track + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
         "\r\nRange: bytes=" + std::to_string(first) + "-" + std::to_string(last) + "\r\nConnection: close\r\n\r\n";
}

struct Home {
  std::string dir;
  testing::CommandResult Run(const std::string& args) const {
    return RunCommand(std::string(HEARTH_BIN) + " --home " + Quote(dir) + " " + args);
  }
  nlohmann::json Json(const std::string& args) const {
    auto r = Run(args + " --json");
    if (r.exit_code != 0) Die(args + ": " + r.err);
    return nlohmann::json::parse(r.out);
  }
};

Bytes Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Transcoding(const std::vector<std::string>& files, double seconds_each) {
  // Ours: decode + resample + encode in process, one thread.
  const auto ours_start = Steady::now();
  size_t out_bytes = 0;
  for (const auto& f : files) {
    auto data = std::make_shared<Bytes>(Slurp(f));
    media::ByteSource src{[data](uint64_t off, MutableByteSpan out) -> std::expected<size_t, std::string> {
                            if (off >= data->size()) return 0;
                            size_t n = std::min<size_t>(out.size(), data->size() - off);
                            std::copy_n(data->begin() + static_cast<ptrdiff_t>(off), n, out.begin());
                            return n;
                          },
                          data->size()};
    auto t = media::OpusTranscoder::Open(src, {.bitrate_kbps = 128});
    if (!t) Die("transcode " + f + ": " + t.error());
    Bytes out;
    while (true) {
      auto more = (*t)->Produce(64 * 1024, out);
      if (!more) Die("transcode " + f + ": " + more.error());
      out_bytes += out.size();
      out.clear();
      if (!*more) break;
    }
  }
  const double ours = std::chrono::duration<double>(Steady::now() - ours_start).count();
  // The ffmpeg CLI, same files, same bitrate, one thread.
  const auto ff_start = Steady::now();
  for (const auto& f : files) {
    auto r = RunCommand("ffmpeg -nostdin -hide_banner -loglevel error -threads 1 -i " + Quote(f) +
                        " -vn -c:a libopus -b:a 128k -f ogg -y /dev/null");
    if (r.exit_code != 0) Die("ffmpeg: " + r.err);
  }
  const double ff = std::chrono::duration<double>(Steady::now() - ff_start).count();
  const double audio = seconds_each * static_cast<double>(files.size());
  std::printf("transcoding to Ogg Opus 128 kbps, %zu files, %.0f s of audio, one thread:\n", files.size(), audio);
  std::printf("  hearth %.2f s (%.0fx real time, %zu KB out); ffmpeg CLI %.2f s (%.0fx real time)\n", ours,
              audio / ours, out_bytes / 1024, ff, audio / ff);
  std::printf("  throughput ratio hearth/ffmpeg: %.2fx (target >= 0.90x)\n", ff / ours);
}

}  // namespace

int main() {
  testing::TempDir dir;
  const int kTracks = 100;  // 50 for first bytes, 50 for seeks
  std::printf("making %d tracks and 8 one-minute files with ffmpeg ...\n", kTracks);
  std::fflush(stdout);
  for (int i = 0; i < kTracks; ++i) {
    testing::ToneOptions o;
    o.frequency = 200 + 7 * i;
    o.seconds = 10;
    o.title = "Bench " + std::to_string(i);
    if (!testing::MakeTone(dir / ("lib/t" + std::to_string(i) + ".mp3"), o)) Die("ffmpeg failed");
  }
  std::vector<std::string> long_files;
  for (int i = 0; i < 8; ++i) {
    testing::ToneOptions o;
    o.frequency = 330 + 20 * i;
    o.seconds = 60;
    o.title = "Long " + std::to_string(i);
    const std::string path = dir / ("long/l" + std::to_string(i) + (i % 2 ? ".flac" : ".mp3"));
    if (!testing::MakeTone(path, o)) Die("ffmpeg failed");
    long_files.push_back(path);
  }

  Transcoding(long_files, 60);

  Home a{dir / "a"}, b{dir / "b"};
  if (a.Run("init --name Bench --device-name a").exit_code != 0) Die("init");
  if (a.Run("import " + Quote(dir / "lib")).exit_code != 0) Die("import");
  if (a.Run("import " + Quote(dir / "long")).exit_code != 0) Die("import long");
  std::ofstream(dir / "pw") << "pw\n";
  const std::string key_a = a.Json("user add u --password-file " + Quote(dir / "pw"))["api_key"];
  testing::NodeProcess node_a(HEARTH_BIN, a.dir, {"--no-lan"});
  if (!node_a.started()) Die("node a: " + node_a.Log());
  auto invite = a.Run("invite --role phone");
  std::string code = invite.out;
  while (!code.empty() && code.back() == '\n') code.pop_back();
  if (b.Run("join " + Quote(code) + " --device-name b").exit_code != 0) Die("join");
  const std::string key_b = key_a;  // a household listener: b joined knowing it
  testing::NodeProcess node_b(HEARTH_BIN, b.dir, {"--no-lan"});
  if (!node_b.started() || !node_b.WaitForLog("connected to a")) Die("node b: " + node_b.Log());

  auto tracks = testing::Fetch(node_b.http_port(), "/api/v1/tracks?limit=1000",
                               {{"Authorization", "Bearer " + key_b}}).Json()["tracks"];
  std::vector<std::pair<std::string, uint64_t>> short_tracks;
  std::vector<std::string> long_ids;
  for (const auto& t : tracks) {
    if (t["title"].get<std::string>().rfind("Bench", 0) == 0) short_tracks.emplace_back(t["id"], t["size"]);
    else long_ids.push_back(t["id"]);
  }
  if (short_tracks.size() != kTracks) Die("expected " + std::to_string(kTracks) + " tracks on b");
  // Wait until b knows a holds them (have-sets arrive after connecting).
  for (int i = 0; i < 100; ++i) {
    auto t = testing::Fetch(node_b.http_port(), "/api/v1/tracks/" + short_tracks.back().first,
                            {{"Authorization", "Bearer " + key_b}}).Json();
    if (t["holders"].size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // How soon an Opus transcode starts: first body byte, on the holder and
  // through the phone (measured first, while nothing else runs: the Range
  // requests below start background fetches of every track they touch).
  std::vector<double> opus_local, opus_remote;
  auto opus_request = [](const std::string& id, const std::string& key) {
    return "GET /api/v1/tracks/" + id + "/stream?format=opus&bitrate=128 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Authorization: Bearer " + key + "\r\nConnection: close\r\n\r\n";
  };
  for (const auto& id : long_ids) opus_local.push_back(TimeToFirstBodyByte(node_a.http_port(), opus_request(id, key_a)));
  for (const auto& id : long_ids) opus_remote.push_back(TimeToFirstBodyByte(node_b.http_port(), opus_request(id, key_b)));
  std::printf("Opus transcode, first byte, %zu tracks: on the holder p50 %.1f ms, max %.1f ms; "
              "through the phone (held only by the other node) p50 %.1f ms, max %.1f ms\n",
              long_ids.size(), Pct(opus_local, 0.5), Pct(opus_local, 1), Pct(opus_remote, 0.5), Pct(opus_remote, 1));

  std::vector<double> first, seek, first_local, seek_local;
  for (int i = 0; i < kTracks; ++i) {
    const auto& [id, size] = short_tracks[static_cast<size_t>(i)];
    const bool is_seek = i >= kTracks / 2;
    const uint64_t from = is_seek ? size * 7 / 10 : 0;
    const uint64_t to = std::min(size - 1, from + 65519);
    const double remote = TimeToFirstBodyByte(node_b.http_port(), RangeRequest(id, key_b, from, to));
    const double local = TimeToFirstBodyByte(node_a.http_port(), RangeRequest(id, key_a, from, to));
    if (remote < 0 || local < 0) Die("a range request failed on track " + id + "\n" + node_b.Log());
    (is_seek ? seek : first).push_back(remote);
    (is_seek ? seek_local : first_local).push_back(local);
  }
  std::printf("first byte of a Range request, track held only by another node, %zu tracks:\n", first.size());
  std::printf("  p50 %.1f ms, p99 %.1f ms (targets 50 / 150); baseline, the holder itself: p50 %.1f ms, p99 %.1f ms\n",
              Pct(first, 0.5), Pct(first, 0.99), Pct(first_local, 0.5), Pct(first_local, 0.99));
  std::printf("seek (Range at 70%% of a track nothing was fetched of), %zu tracks:\n", seek.size());
  std::printf("  p50 %.1f ms, p99 %.1f ms (target p50 50); baseline, the holder itself: p50 %.1f ms\n",
              Pct(seek, 0.5), Pct(seek, 0.99), Pct(seek_local, 0.5));

  // 20 concurrent Opus streams of one-minute tracks from the holder.
  const int kStreams = 20;
  std::vector<double> factors(kStreams, 0);
  std::vector<std::thread> threads;
  const auto all_start = Steady::now();
  for (int i = 0; i < kStreams; ++i)
    threads.emplace_back([&, i] {
      const std::string id = long_ids[static_cast<size_t>(i) % long_ids.size()];
      const auto start = Steady::now();
      auto r = testing::Fetch(node_a.http_port(), "/api/v1/tracks/" + id + "/stream?format=opus&bitrate=128",
                              {{"Authorization", "Bearer " + key_a}});
      const double secs = std::chrono::duration<double>(Steady::now() - start).count();
      if (r.status == 200 && r.body.size() > 100000) factors[static_cast<size_t>(i)] = 60.0 / secs;
    });
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(Steady::now() - all_start).count();
  std::printf("%d concurrent Opus streams (one-minute tracks, 128 kbps) from one node, all done in %.2f s:\n",
              kStreams, wall);
  std::printf("  slowest stream %.1fx real time, median %.1fx (target: every one > 1x)\n", Pct(factors, 0),
              Pct(factors, 0.5));
  return 0;
}

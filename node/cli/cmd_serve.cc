// hearth serve: run this device's node in the foreground.
#include <malloc.h>

#include <csignal>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/cli/serve_info.h"
#include "node/http/service.h"
#include "node/library/folder_watch.h"
#include "node/mesh/endpoint.h"
#include "node/mesh/mesh_node.h"
#include "node/reach/dht.h"

namespace hearth::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:7601";
  int torrent_port = 7602;
  std::vector<std::string> peers;
  std::vector<std::string> dht_bootstrap;
  int away_after_s = 600;
  int download_limit_kb = 0;
  std::string keep_free = "5%";
  int scrub_pass_s = 86400;
  int scrub_cpu_percent = 10;
  bool no_lan = false;
  bool no_port_mapping = false;
  std::string http = "127.0.0.1:7600";
  bool no_http = false;
  int http_connections = 512;
  int http_per_address = 32;
  bool no_watch = false;
  int keep_released_s = 600;
  int rescan_s = 600;
};

void LogLine(const std::string& line) {
  std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::cerr << stamp << ' ' << line << std::endl;
}

CliResult RunServe(const Context& ctx, const ServeOptions& o) {
  // Sessions move 64 KiB frames and chunks: with glibc's defaults each burst
  // grows the heap and each lull gives it back (brk), and every shrink
  // flushes the TLB of every core -- measured as half the CPU of a relayed
  // fetch (tools/bench/reach). Keep a few MiB at the top instead.
  mallopt(M_TOP_PAD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  if (auto running = RunningNode(home->dir()); running && running->pid != ::getpid())
    return std::unexpected(CliError{fmt::format("a node is already running on {} (pid {}, {})", home->dir(),
                                                running->pid, running->control)});
  auto listen = mesh::ParseEndpoint(o.listen, true);
  if (!listen) return std::unexpected(CliError{"--listen: " + listen.error(), 2});
  if (o.torrent_port < 0 || o.torrent_port > 65535)
    return std::unexpected(CliError{"--torrent-port must be 0..65535", 2});

  mesh::FreeSpaceFloor floor;
  if (o.keep_free.ends_with('%')) {
    auto parsed = mesh::ParseFreeSpaceFloor(o.keep_free);
    if (!parsed) return std::unexpected(CliError{"--keep-free: " + parsed.error(), 2});
    floor = *parsed;
  } else {
    auto bytes = ParseSize(o.keep_free);
    if (!bytes) return std::unexpected(CliError{"--keep-free: " + bytes.error() + " (or a share such as 5%)", 2});
    floor.bytes = *bytes;
  }

  mesh::asio::io_context io;
  mesh::MeshOptions mo;
  mo.keep_free = floor;
  mo.scrub.full_pass = std::chrono::seconds(o.scrub_pass_s);
  mo.scrub.cpu_share = o.scrub_cpu_percent / 100.0;
  mo.listen = o.listen;
  mo.torrent_listen = mesh::FormatEndpoint(listen->address().to_string(), static_cast<uint16_t>(o.torrent_port));
  mo.peers = o.peers;
  mo.log = LogLine;
  mo.clock = ctx.clock;
  mo.away_after = std::chrono::seconds(o.away_after_s);
  mo.download_limit = o.download_limit_kb * 1000;
  mo.lan = !o.no_lan;
  mo.dht_bootstrap = o.dht_bootstrap;
  mo.port_mapping = !o.no_port_mapping;
  // serve.json carries the node's reach for `hearth status`, rewritten as
  // it changes (only once the node runs: `info` is complete by then).
  ServeInfo info;
  mo.reach_changed = [&info, dir = home->dir()](const reach::ReachStatus& s) {
    info.reach = ReachJson(s);
    if (!WriteServeInfo(dir, info)) LogLine("warning: cannot write " + dir + "/serve.json");
  };
  mo.released_grace = std::chrono::seconds(o.keep_released_s);
  // The HTTP side (below) runs on its own thread; declared here so that
  // the mesh's STREAMS reach it for as long as the node runs.
  http::asio::io_context http_io;
  // Where the mesh listens, once it does: the control room's invites carry it.
  struct SharedText {
    std::mutex mu;
    std::string text;
  };
  auto mesh_address = std::make_shared<SharedText>();
  std::unique_ptr<http::HttpService> service;
  if (!o.no_http && home->content_secret()) {
    mo.streams_heard = [&http_io, &service](const DeviceId& from, std::vector<StreamSlot> slots) {
      http::asio::post(http_io, [&service, from, slots = std::move(slots)] {
        if (service) service->PeerStreams(from, slots);
      });
    };
  }
  mesh::MeshNode node(io, *home, mo);
  if (auto started = node.Start(); !started) return std::unexpected(CliError{started.error().message});

  // Players' HTTP side: its own thread (and a worker pool for transcoding),
  // reading chunks it does not hold through the mesh.
  const bool serve_http = !o.no_http && home->content_secret() != nullptr;
  if (!o.no_http && !serve_http) LogLine("no HTTP: this storage device holds no content secret, so it plays nothing");
  // Transcoding workers: a few more than cores, so that a new stream's first
  // step is not queued behind every running stream's.
  http::asio::thread_pool workers(2 * std::max(1u, std::thread::hardware_concurrency()));
  std::unique_ptr<http::Server> server;
  std::string http_endpoint;
  if (serve_http) {
    http::ServiceOptions so;
    so.home_dir = home->dir();
    so.clock = ctx.clock;
    so.log = LogLine;
    const auto wait = so.chunk_wait;
    // Chunks through the node, on its thread; `elsewhere`: never this
    // device's own copy (it failed authentication).
    auto mesh_chunks = [&io, &node, wait](bool elsewhere) -> media::ChunkReader {
      return [&io, &node, wait, elsewhere](const BlobId& blob, uint32_t index, media::ChunkCallback done) {
        mesh::asio::post(io, [&node, blob, index, wait, elsewhere, done = std::move(done)]() mutable {
          auto answer = [done = std::move(done)](std::expected<Bytes, mesh::MeshError> chunk) {
            if (!chunk) return done(std::unexpected(std::move(chunk.error().message)));
            done(std::move(*chunk));
          };
          if (elsewhere) node.ReadChunkElsewhere(blob, index, wait, std::move(answer));
          else node.ReadChunk(blob, index, wait, std::move(answer));
        });
      };
    };
    so.remote_chunks = mesh_chunks(false);
    so.chunks_elsewhere = mesh_chunks(true);
    so.damaged_blob = [&io, &node](const BlobId& blob) { mesh::asio::post(io, [&node, blob] { node.CheckBlob(blob); }); };
    so.wake_fetch = [&io, &node](const BlobId& blob) { mesh::asio::post(io, [&node, blob] { node.Want(blob); }); };
    so.streams_changed = [&io, &node](std::vector<StreamSlot> slots) {
      mesh::asio::post(io, [&node, slots = std::move(slots)]() mutable { node.SetStreams(std::move(slots)); });
    };
    so.mesh_address = [mesh_address] {
      std::lock_guard lock(mesh_address->mu);
      return mesh_address->text;
    };
    service = std::make_unique<http::HttpService>(http_io, workers, std::move(so));
    if (auto opened = service->Open(); !opened) return std::unexpected(CliError{"HTTP: " + opened.error()});
    server = std::make_unique<http::Server>(
        http_io, http::ServerOptions{.max_connections = static_cast<size_t>(o.http_connections),
                                      .per_address = static_cast<size_t>(o.http_per_address)},
        [&service](http::Exchange& ex) { return service->Handle(ex); });
    if (auto listening = server->Listen(o.http); !listening)
      return std::unexpected(CliError{"--http: " + listening.error()});
    auto ep = mesh::ParseEndpoint(o.http, true);
    http_endpoint = mesh::FormatEndpoint(ep->address().to_string(), server->port());
  }
  std::thread http_thread;
  if (server) http_thread = std::thread([&http_io] { http_io.run(); });
  bool http_stopped = false;
  auto stop_http = [&] {
    if (!server || http_stopped) return;
    http_stopped = true;
    http::asio::post(http_io, [&] { server->Stop(); });
    http_io.stop();
    if (http_thread.joinable()) http_thread.join();
    workers.join();
  };

  // Folders kept in place, followed while the node runs (its own thread and
  // connection; what it changes reaches the mesh through the database).
  std::unique_ptr<library::FolderWatch> watch;
  if (!o.no_watch && home->content_secret()) {
    watch = std::make_unique<library::FolderWatch>(library::FolderWatchOptions{
        .home_dir = home->dir(), .rescan = std::chrono::seconds(o.rescan_s), .log = LogLine});
    if (auto started = watch->Start(); !started) {
      LogLine("folders: not watched (" + started.error() + ")");
      watch.reset();
    }
  }

  info.pid = ::getpid();
  info.control = mesh::FormatEndpoint(listen->address().to_string(), node.control_port());
  {
    std::lock_guard lock(mesh_address->mu);
    mesh_address->text = info.control;
  }
  info.torrent_port = node.torrent_port();
  info.device = DeviceText(home->device_id());
  info.started_us = ctx.clock();
  info.http = http_endpoint;
  if (!WriteServeInfo(home->dir(), info)) LogLine("warning: cannot write " + home->dir() + "/serve.json");
  if (!http_endpoint.empty()) LogLine("web player and APIs on http://" + http_endpoint + "/");

  mesh::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    LogLine(fmt::format("stopping ({})", sig == SIGINT ? "SIGINT" : "SIGTERM"));
    stop_http();
    node.Stop();
    io.stop();
  });
  io.run();
  watch.reset();
  stop_http();
  RemoveServeInfo(home->dir());
  LogLine("stopped");
  return {};
}

}  // namespace

void RegisterServe(CLI::App& app, Context& ctx, Action* action) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = AddCommand(app, "serve", "Run this device's node: mesh, ledger sync, swarm (foreground)");
  cmd->add_option("--listen", o->listen, "HOST:PORT for the mesh protocol (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--torrent-port", o->torrent_port, "Port for BitTorrent connections, same host (0: any)")
      ->capture_default_str();
  cmd->add_option("--peer", o->peers, "HOST:PORT of another household device to connect to (repeatable)");
  cmd->add_option("--away-after", o->away_after_s,
                  "Seconds a full/storage device may be unreachable before its replicas are made elsewhere")
      ->capture_default_str()
      ->check(CLI::Range(1, 30 * 86400));
  cmd->add_option("--dht-bootstrap", o->dht_bootstrap,
                  "HOST:PORT of a DHT node to start from instead of libtorrent's public bootstrap nodes (repeatable; the DHT is used "
                  "only while the household's policy says reach=on)")
      ->check([](const std::string& v) { return reach::SplitHostPort(v) ? "" : "expected HOST:PORT"; });
  cmd->add_flag("--no-port-mapping", o->no_port_mapping,
                "Never ask the router to forward ports (UPnP, NAT-PMP); it is asked only while the household's "
                "policy says reach=on");
  cmd->add_flag("--no-lan", o->no_lan,
                "No LAN discovery (it is used only when --listen is not a loopback address)");
  cmd->add_option("--http", o->http,
                  "HOST:PORT for the web player, JSON API and OpenSubsonic (port 0: any free port)")
      ->capture_default_str();
  cmd->add_flag("--no-http", o->no_http, "Serve no HTTP (no players on this device)");
  cmd->add_option("--http-connections", o->http_connections,
                  "HTTP connections open at once; idle ones make room for new clients")
      ->capture_default_str()
      ->check(CLI::Range(8, 100'000));
  cmd->add_option("--http-per-address", o->http_per_address,
                  "HTTP connections from one address (raise it behind a reverse proxy)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  cmd->add_option("--download-limit", o->download_limit_kb, "Fetch at most this many KB/s (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000'000));
  cmd->add_option("--keep-free", o->keep_free,
                  "Free space replication never uses on this disk: a share (5%) or a size (20G)")
      ->capture_default_str();
  cmd->add_option("--scrub-pass", o->scrub_pass_s,
                  "Verify every blob held here once in this many seconds, in the background")
      ->capture_default_str()
      ->check(CLI::Range(1, 365 * 86400));
  cmd->add_option("--scrub-cpu", o->scrub_cpu_percent, "At most this share of one core for that verification, in %")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_flag("--no-watch", o->no_watch,
                "Do not follow the folders kept in place (new, changed, moved and deleted files are then seen at "
                "the next import)");
  cmd->add_option("--keep-released", o->keep_released_s,
                  "Seconds a blob no claim names any more (forgotten, or replaced by a re-tagged file's new version) "
                  "is kept before it is deleted")
      ->capture_default_str()
      ->check(CLI::Range(1, 30 * 86400));
  cmd->add_option("--rescan", o->rescan_s,
                  "Look at every folder kept in place whole this often, in seconds (besides watching it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 86400));
  cmd->callback([&ctx, o, action] { *action = [&ctx, o] { return RunServe(ctx, *o); }; });
}

}  // namespace hearth::cli

// hearth dht-node: a plain mainline DHT node that belongs to no household,
// for private networks and tests (issue "Reach"). It stores and serves
// BEP 44 items as any DHT node does; it holds no home and reads none.
#include <csignal>
#include <ctime>
#include <iostream>

#include <algorithm>
#include <fstream>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <libtorrent/bdecode.hpp>
#include <nlohmann/json.hpp>

#include "node/cli/commands.h"
#include "node/reach/lt_dht.h"

namespace hearth::cli {
namespace {

namespace asio = boost::asio;

struct DhtNodeOptions {
  std::string listen;
  std::vector<std::string> bootstrap;
  std::string record;  // file: one JSON line per query received
};

// A bencoded value as JSON: byte strings that are not printable ASCII as
// {"hex": ...}, so that a record shows exactly what was sent.
nlohmann::json BencodeJson(const lt::bdecode_node& n) {
  switch (n.type()) {
    case lt::bdecode_node::int_t:
      return n.int_value();
    case lt::bdecode_node::string_t: {
      const auto lv = n.string_value();
      const std::string_view v(lv.data(), lv.size());
      if (std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) return std::string(v);
      return nlohmann::json{{"hex", ToHex(ByteSpan(reinterpret_cast<const uint8_t*>(v.data()), v.size()))}};
    }
    case lt::bdecode_node::list_t: {
      nlohmann::json out = nlohmann::json::array();
      for (int i = 0; i < n.list_size(); ++i) out.push_back(BencodeJson(n.list_at(i)));
      return out;
    }
    case lt::bdecode_node::dict_t: {
      nlohmann::json out = nlohmann::json::object();
      for (int i = 0; i < n.dict_size(); ++i) {
        auto [key, value] = n.dict_at(i);
        out[std::string(key.data(), key.size())] = BencodeJson(value);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

void Log(const std::string& line) {
  std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::cerr << stamp << " dht-node: " << line << std::endl;
}

CliResult RunDhtNode(const DhtNodeOptions& o) {
  auto listen = reach::SplitHostPort(o.listen);
  if (!listen) return std::unexpected(CliError{"--listen: expected HOST:PORT", 2});
  asio::io_context io;
  std::unique_ptr<reach::LtDht> dht;
  reach::DhtOptions d;
  d.listen = o.listen;
  // With nobody to start from it waits for others to reach it (the first
  // node of a private DHT); never the public bootstrap nodes.
  d.bootstrap = o.bootstrap;
  d.notify = [&io, &dht] {
    asio::post(io, [&dht] {
      if (dht) dht->Poll();
    });
  };
  d.log = Log;
  std::ofstream record;
  if (!o.record.empty()) {
    record.open(o.record, std::ios::app);
    if (!record) return std::unexpected(CliError{"--record: cannot write " + o.record});
    // Queries only (get_peers, get, put, ...): what this node is asked.
    d.incoming = [&record](const std::string& from, std::span<const char> packet) {
      lt::error_code ec;
      lt::bdecode_node msg = lt::bdecode(lt::span<const char>(packet.data(), static_cast<long>(packet.size())), ec);
      if (ec || msg.type() != lt::bdecode_node::dict_t || msg.dict_find_string_value("y") != "q") return;
      nlohmann::json line = {{"from", from}, {"q", std::string(msg.dict_find_string_value("q").to_string())}};
      if (auto args = msg.dict_find_dict("a")) line["a"] = BencodeJson(args);
      record << line.dump() << std::endl;
    };
  }
  auto started = reach::LtDht::Start(std::move(d));
  if (!started) return std::unexpected(CliError{started.error()});
  dht = std::move(*started);
  Log(fmt::format("listening on UDP {}:{}", listen->first, dht->port()));

  int nodes = -1;
  asio::steady_timer timer(io);
  std::function<void()> tick = [&] {
    dht->Poll();
    if (dht->nodes() != nodes) {
      nodes = dht->nodes();
      Log(fmt::format("{} node(s) in the routing table", nodes));
    }
    timer.expires_after(std::chrono::milliseconds(500));
    timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) tick();
    });
  };
  tick();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    Log("stopping");
    timer.cancel();
    io.stop();
  });
  io.run();
  dht.reset();
  return {};
}

}  // namespace

void RegisterDhtNode(CLI::App& app, Context&, Action* action) {
  auto o = std::make_shared<DhtNodeOptions>();
  CLI::App* cmd = AddCommand(app, "dht-node",
                             "Run a plain DHT node that belongs to no household (private networks, tests); "
                             "foreground, until interrupted");
  cmd->add_option("--listen", o->listen, "IP:PORT of its UDP socket")->required();
  cmd->add_option("--dht-bootstrap", o->bootstrap, "HOST:PORT of a DHT node to join (repeatable)")
      ->check([](const std::string& v) { return reach::SplitHostPort(v) ? "" : "expected HOST:PORT"; });
  cmd->add_option("--record", o->record,
                  "Append every query this node receives (get, put, ...) to FILE, one JSON line each: what an "
                  "outsider running a DHT node sees");
  cmd->callback([o, action] { *action = [o] { return RunDhtNode(*o); }; });
}

}  // namespace hearth::cli

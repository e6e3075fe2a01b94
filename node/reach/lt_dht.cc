#include "node/reach/lt_dht.h"

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

namespace hearth::reach {
namespace {

// The DHT session (`dht`) or the port mapper (!dht): two sessions, because
// a router's forward of the DHT's own UDP port, made while its first
// queries were under way, lost their answers about half the time (seen
// with miniupnpd): the DHT's socket is never mapped.
lt::settings_pack Settings(const std::string& listen, bool dht, bool packets, bool libtorrent_bootstrap) {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, listen);
  s.set_str(lt::settings_pack::user_agent, "");
  s.set_bool(lt::settings_pack::enable_dht, dht);
  // Given nodes are added as nodes instead (see the header); libtorrent's
  // own list is kept only when asked for.
  if (!(dht && libtorrent_bootstrap)) s.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, !dht);
  s.set_bool(lt::settings_pack::enable_natpmp, !dht);
  s.set_bool(lt::settings_pack::enable_ip_notifier, false);
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
  s.set_bool(lt::settings_pack::enable_outgoing_tcp, false);
  s.set_bool(lt::settings_pack::enable_incoming_tcp, false);
  // A DHT of a few nodes: several may share an address or a /24, and all of
  // one household's lookups come from one address.
  s.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
  s.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
  s.set_bool(lt::settings_pack::dht_ignore_dark_internet, false);
  s.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
  s.set_int(lt::settings_pack::dht_block_ratelimit, 1000);
  lt::alert_category_t mask = lt::alert_category::error | lt::alert_category::status | lt::alert_category::dht;
  if (packets) mask |= lt::alert_category::dht_log;
  if (!dht) mask = lt::alert_category::error | lt::alert_category::status | lt::alert_category::port_mapping;
  s.set_int(lt::settings_pack::alert_mask, static_cast<int>(static_cast<std::uint32_t>(mask)));
  return s;
}

template <size_t N>
std::array<char, N> AsChars(const std::array<uint8_t, N>& a) {
  std::array<char, N> out;
  std::memcpy(out.data(), a.data(), N);
  return out;
}

}  // namespace

std::optional<std::pair<std::string, int>> SplitHostPort(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int p = std::stoi(port);
  if (p < 1 || p > 65535) return std::nullopt;
  return std::pair{host, p};
}

namespace {

// The state file: a bencoded dictionary {"port": the UDP port, "session":
// libtorrent's own session state with only its DHT part (node ids per
// address, known nodes), as write_session_params_buf writes it}. Written
// whole to FILE.tmp, then renamed. Unreadable or absent: a fresh start.
struct SavedState {
  int port = 0;
  lt::dht::dht_state dht;
};

std::optional<SavedState> LoadState(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  lt::error_code ec;
  lt::bdecode_node e = lt::bdecode(lt::span<const char>(text.data(), static_cast<long>(text.size())), ec);
  if (ec || e.type() != lt::bdecode_node::dict_t) return std::nullopt;
  SavedState st;
  st.port = static_cast<int>(e.dict_find_int_value("port", 0));
  if (st.port < 0 || st.port > 65535) return std::nullopt;
  const auto session = e.dict_find_string_value("session");
  try {
    st.dht = lt::read_session_params(lt::span<const char>(session.data(), static_cast<long>(session.size())),
                                     lt::session_handle::save_dht_state)
                 .dht_state;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return st;
}

// `listen` with its port replaced by `port`, when it asked for any port.
std::string WithPort(const std::string& listen, int port) {
  if (port == 0 || listen.size() < 2 || listen.substr(listen.size() - 2) != ":0") return listen;
  return listen.substr(0, listen.size() - 1) + std::to_string(port);
}

}  // namespace

void LtDht::SaveState() const {
  if (options_.state_file.empty() || !session_) return;
  lt::entry e;
  e["port"] = session_->listen_port();
  const lt::session_params params = session_->session_state(lt::session_handle::save_dht_state);
  const std::vector<char> buf = lt::write_session_params_buf(params, lt::session_handle::save_dht_state);
  e["session"] = std::string(buf.begin(), buf.end());
  std::vector<char> out;
  lt::bencode(std::back_inserter(out), e);
  const std::string tmp = options_.state_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!f.flush()) return Log("cannot save the DHT's state in " + tmp);
  }
  if (std::rename(tmp.c_str(), options_.state_file.c_str()) != 0) Log("cannot save the DHT's state in " + options_.state_file);
}

std::expected<std::unique_ptr<LtDht>, std::string> LtDht::Start(DhtOptions options) {
  std::unique_ptr<LtDht> dht(new LtDht(std::move(options)));
  std::vector<std::pair<std::string, int>> parsed;
  for (const std::string& n : dht->options_.bootstrap) {
    auto hp = SplitHostPort(n);
    if (!hp) return std::unexpected("not a HOST:PORT: " + n);
    parsed.push_back(*hp);
  }
  const std::optional<SavedState> saved = LoadState(dht->options_.state_file);
  std::error_code absent;
  if (!saved && !dht->options_.state_file.empty() && std::filesystem::exists(dht->options_.state_file, absent))
    dht->Log("the DHT's saved state in " + dht->options_.state_file +
             " is unreadable: starting afresh (it is written again when the node stops)");
  try {
    // As before when it can (its port may be taken now: then any port).
    const bool reuse = saved && saved->port != 0;
    auto make = [&](const std::string& listen) {
      // Packets always: their answers say where this host is (ObserveAddress).
      lt::session_params params(Settings(listen, true, /*packets=*/true, dht->options_.libtorrent_bootstrap));
      params.extensions.clear();
      if (saved) params.dht_state = saved->dht;
      return std::make_unique<lt::session>(std::move(params));
    };
    dht->session_ = make(reuse ? WithPort(dht->options_.listen, saved->port) : dht->options_.listen);
    if (reuse && dht->session_->listen_port() == 0) dht->session_ = make(dht->options_.listen);
    if (!dht->options_.map_tcp_ports.empty()) {
      lt::session_params mapper(Settings(dht->options_.listen, false, false, false));
      mapper.extensions.clear();
      dht->mapper_ = std::make_unique<lt::session>(std::move(mapper));
    }
  } catch (const std::exception& e) {
    return std::unexpected(std::string("cannot start the DHT: ") + e.what());
  }
  if (dht->session_->listen_port() == 0) return std::unexpected("cannot listen for the DHT on " + dht->options_.listen);
  for (const auto& n : parsed) dht->session_->add_dht_node(n);
  for (uint16_t port : dht->options_.map_tcp_ports)
    for (lt::port_mapping_t h : dht->mapper_->add_port_mapping(lt::portmap_protocol::tcp, port, port))
      dht->mappings_.emplace(static_cast<int>(h), port);
  if (dht->options_.notify) {
    dht->session_->set_alert_notify(dht->options_.notify);
    if (dht->mapper_) dht->mapper_->set_alert_notify(dht->options_.notify);
  }
  dht->session_->post_dht_stats();
  return dht;
}

LtDht::~LtDht() {
  SaveState();
  if (session_) session_->set_alert_notify([] {});
  if (mapper_) mapper_->set_alert_notify([] {});
}

uint16_t LtDht::port() const { return session_->listen_port(); }

void LtDht::Put(std::shared_ptr<const RendezvousDayKeys> keys, const RendezvousSalt& salt, Bytes value,
                int64_t min_seq) {
  const std::string value_string(value.begin(), value.end());
  auto sign = [keys, value_string, min_seq](lt::entry& e, std::array<char, 64>& sig, std::int64_t& seq,
                                            std::string const& salt_text) {
    seq = std::max(seq + 1, min_seq);
    e = lt::entry(value_string);
    std::vector<char> bencoded;
    lt::bencode(std::back_inserter(bencoded), e);
    const crypto::Signature s = keys->SignItem(
        ByteSpan(reinterpret_cast<const uint8_t*>(salt_text.data()), salt_text.size()), seq,
        ByteSpan(reinterpret_cast<const uint8_t*>(bencoded.data()), bencoded.size()));
    std::memcpy(sig.data(), s.data(), sig.size());
  };
  session_->dht_put_item(AsChars(keys->item_key()), std::move(sign), std::string(salt.begin(), salt.end()));
}

void LtDht::Get(const crypto::PublicKey& key, const RendezvousSalt& salt) {
  session_->dht_get_item(AsChars(key), std::string(salt.begin(), salt.end()));
}

void LtDht::Poll() {
  std::vector<lt::alert*> alerts;
  session_->pop_alerts(&alerts);
  Handle(alerts);
  if (mapper_) {
    mapper_->pop_alerts(&alerts);
    Handle(alerts);
  }
  // The routing table's size, asked for at most once a second (the owner
  // polls on its ticks too).
  const auto now = std::chrono::steady_clock::now();
  if (now - last_stats_ >= std::chrono::seconds(1)) {
    last_stats_ = now;
    session_->post_dht_stats();
  }
}

void LtDht::Handle(const std::vector<lt::alert*>& alerts) {
  for (lt::alert* a : alerts) {
    if (auto* item = lt::alert_cast<lt::dht_mutable_item_alert>(a)) {
      if (item->salt.size() != kRendezvousSaltSize || item->item.type() != lt::entry::string_t) continue;
      DhtItem found;
      std::memcpy(found.key.data(), item->key.data(), found.key.size());
      std::memcpy(found.salt.data(), item->salt.data(), found.salt.size());
      const std::string& v = item->item.string();
      found.value.assign(v.begin(), v.end());
      found.seq = item->seq;
      if (options_.found) options_.found(found);
    } else if (auto* put = lt::alert_cast<lt::dht_put_alert>(a)) {
      if (put->salt.size() != kRendezvousSaltSize) continue;
      RendezvousSalt salt;
      std::memcpy(salt.data(), put->salt.data(), salt.size());
      if (options_.put_done) options_.put_done(salt, put->num_success);
    } else if (auto* pkt = lt::alert_cast<lt::dht_pkt_alert>(a)) {
      if (pkt->direction == lt::dht_pkt_alert::incoming) {
        const lt::udp::endpoint& from = pkt->node;
        const auto buf = pkt->pkt_buf();
        const std::span<const char> bytes(buf.data(), static_cast<size_t>(buf.size()));
        ObserveAddress(from.address().to_string(), bytes);
        if (options_.incoming) {
          const std::string host =
              from.address().is_v6() ? "[" + from.address().to_string() + "]" : from.address().to_string();
          options_.incoming(host + ":" + std::to_string(from.port()), bytes);
        }
      }
    } else if (auto* pm = lt::alert_cast<lt::portmap_alert>(a)) {
      if (pm->map_protocol != lt::portmap_protocol::tcp) continue;
      // UPnP's and NAT-PMP's handles may coincide: a handle naming two
      // ports is told apart by the port outside, asked to be the same.
      auto [first, last] = mappings_.equal_range(static_cast<int>(pm->mapping));
      std::optional<uint16_t> local;
      for (auto it = first; it != last; ++it)
        if (std::distance(first, last) == 1 || it->second == pm->external_port) local = it->second;
      if (!local) continue;
      said_failures_.clear();
      const bool fresh = !mapped_.contains(*local);
      mapped_[*local] = static_cast<uint16_t>(pm->external_port);
      mapped_by_[*local] = pm->map_transport;
      if (fresh)
        Log("the router forwards TCP port " + std::to_string(pm->external_port) + " to " + std::to_string(*local) +
            (pm->map_transport == lt::portmap_transport::upnp ? " (UPnP)" : " (NAT-PMP)"));
    } else if (auto* pe = lt::alert_cast<lt::portmap_error_alert>(a)) {
      // A forward that fails (to renew, too) is no longer one.
      // (Only by the transport that made it: UPnP's success and NAT-PMP's
      // failure for one port may both come.)
      auto [first, last] = mappings_.equal_range(static_cast<int>(pe->mapping));
      if (std::distance(first, last) == 1) {
        const uint16_t local = first->second;
        auto by = mapped_by_.find(local);
        if (by != mapped_by_.end() && by->second == pe->map_transport && mapped_.erase(local) > 0) {
          mapped_by_.erase(by);
          Log("the router no longer forwards TCP port " + std::to_string(local));
        }
      }
      // Said once each, until a mapping works: a router without UPnP fails
      // every port, and again at each retry.
      const std::string line = std::string("port mapping failed (") +
                               (pe->map_transport == lt::portmap_transport::upnp ? "UPnP" : "NAT-PMP") +
                               "): " + pe->error.message();
      if (said_failures_.insert(line).second) Log(line);
    } else if (auto* ip = lt::alert_cast<lt::external_ip_alert>(a)) {
      // libtorrent's own voter (and the router, through UPnP): until a node
      // has answered.
      if (tally_.address().empty()) external_ = ip->external_address.to_string();
    } else if (auto* st = lt::alert_cast<lt::dht_stats_alert>(a)) {
      int n = 0;
      for (const auto& bucket : st->routing_table) n += bucket.num_nodes;
      nodes_ = n;
    } else if (lt::alert_cast<lt::listen_failed_alert>(a) || lt::alert_cast<lt::dht_error_alert>(a)) {
      Log("DHT: " + a->message());
    }
  }
}

void LtDht::ObserveAddress(const std::string& node, std::span<const char> packet) {
  lt::error_code ec;
  const lt::bdecode_node msg = lt::bdecode(packet, ec);
  if (ec || msg.type() != lt::bdecode_node::dict_t || msg.dict_find_string_value("y") != "r") return;
  const lt::bdecode_node ip = msg.dict_find_string("ip");
  if (!ip) return;
  // BEP 42: the address the query came from, compact (4 or 16 bytes, port).
  const lt::string_view v = ip.string_value();
  std::string address;
  if (v.size() == 6) {
    lt::address_v4::bytes_type b;
    std::memcpy(b.data(), v.data(), 4);
    address = lt::address_v4(b).to_string();
  } else if (v.size() == 18) {
    lt::address_v6::bytes_type b;
    std::memcpy(b.data(), v.data(), 16);
    address = lt::address_v6(b).to_string();
  } else {
    return;
  }
  const std::string before = tally_.address();
  if (!tally_.Vote(node, address, std::chrono::steady_clock::now())) return;
  external_ = tally_.address();
  if (!before.empty())
    Log("this device's address outside is now " + external_ + " (was " + before + "), as " +
        std::to_string(tally_.voters()) + " DHT node(s) see it");
}

}  // namespace hearth::reach

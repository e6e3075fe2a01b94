// LtDht: the mainline DHT through a libtorrent session of its own: DHT
// only, no torrents, no LSD, no uTP connections; and, when asked, a second
// session that only maps ports (UPnP IGD, NAT-PMP/PCP) and learns the
// router's address outside. Tuned to
// work in a DHT of a handful of nodes too (a private one, in tests): no
// per-/24 or per-IP limits on the routing table, no rate ban for one busy
// address. Bootstrap nodes are added as ordinary nodes (libtorrent never
// stores items on "router" nodes, which would leave a tiny DHT with no place
// to put anything).
//
// Threads: as Dht says. libtorrent's own threads call the put callback,
// which only signs (RendezvousDayKeys::SignItem is const) and computes the
// sequence number.
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>

#include <libtorrent/session.hpp>

#include "node/reach/address_tally.h"
#include "node/reach/dht.h"

namespace hearth::reach {

class LtDht final : public Dht {
 public:
  static std::expected<std::unique_ptr<LtDht>, std::string> Start(DhtOptions options);
  ~LtDht() override;

  void Put(std::shared_ptr<const RendezvousDayKeys> keys, const RendezvousSalt& salt, Bytes value,
           int64_t min_seq) override;
  void Get(const crypto::PublicKey& key, const RendezvousSalt& salt) override;
  void Poll() override;
  uint16_t port() const override;
  int nodes() const override { return nodes_; }
  std::string external_address() const override { return external_; }
  std::optional<uint16_t> MappedPort(uint16_t local) const override {
    auto it = mapped_.find(local);
    return it == mapped_.end() ? std::nullopt : std::optional<uint16_t>(it->second);
  }

 private:
  explicit LtDht(DhtOptions options) : options_(std::move(options)) {}
  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  DhtOptions options_;
  void Handle(const std::vector<lt::alert*>& alerts);
  void SaveState() const;
  // A DHT packet from `node` (its IP address): an answer's "ip" is a vote.
  void ObserveAddress(const std::string& node, std::span<const char> packet);

  std::unique_ptr<lt::session> session_;  // the DHT
  std::unique_ptr<lt::session> mapper_;   // port mapping (map_tcp_ports), no DHT
  int nodes_ = 0;
  std::string external_;
  AddressTally tally_;  // this host's address outside, from the answers
  std::multimap<int, uint16_t> mappings_;  // add_port_mapping's handles -> local port
  std::map<uint16_t, uint16_t> mapped_;    // local -> external TCP port, as the router said
  std::map<uint16_t, lt::portmap_transport> mapped_by_;  // local port -> UPnP or NAT-PMP
  std::set<std::string> said_failures_;    // port mapping failures logged since the last success
  std::chrono::steady_clock::time_point last_stats_{};
};

}  // namespace hearth::reach

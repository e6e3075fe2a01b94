// Dht: the seam between a node and the BitTorrent mainline DHT, for BEP 44
// mutable items only (rendezvous records, protocol/rendezvous.h). LtDht is
// the real one (a libtorrent session of its own); tests and the simulator
// may put an in-process one behind the same interface.
//
// Not thread-safe: one owner thread calls every method. Implementations
// call `notify` (DhtOptions) from any thread when results wait; the owner
// then calls Poll() on its own thread, which delivers them through the
// callbacks, on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/signing.h"
#include "protocol/rendezvous.h"

namespace hearth::reach {

// A mutable item a Get found: its value (the contents of the bencoded byte
// string; the signature was checked against key and salt already).
struct DhtItem {
  crypto::PublicKey key{};
  RendezvousSalt salt{};
  Bytes value;
  int64_t seq = 0;
};

struct DhtOptions {
  // Where the DHT's UDP socket listens: "IP:PORT" (port 0: any free one).
  std::string listen = "0.0.0.0:0";
  // TCP ports of this host to ask the router to forward (UPnP IGD, NAT-PMP
  // or PCP), each as the same port outside; empty: no port mapping. The
  // mappings are renewed while the session runs and removed when it stops.
  std::vector<uint16_t> map_tcp_ports;
  // Where the DHT keeps its node id, UDP port and the nodes it knew between
  // runs (lt_dht.cc documents the file); empty: nowhere. A node that comes
  // back as itself, at its port, is not a dead node to the others (whose
  // lookups would wait out its silence) and starts from what it knew.
  std::string state_file;
  // Nodes to start from, "HOST:PORT". Empty: none, and the node waits for
  // others to reach it -- unless `libtorrent_bootstrap`, which starts from
  // the bootstrap nodes libtorrent itself knows for the mainline DHT (this
  // code names no public host).
  std::vector<std::string> bootstrap;
  bool libtorrent_bootstrap = false;
  std::function<void()> notify;
  std::function<void(const std::string&)> log;
  std::function<void(const DhtItem&)> found;  // each version a Get sees
  // A Put finished: how many nodes stored it (0: none did, try later).
  std::function<void(const RendezvousSalt&, int stored)> put_done;
  // Every DHT packet this node receives, raw (bencoded), with its sender
  // "IP:PORT": what an outsider running a DHT node sees (dht-node --record).
  std::function<void(const std::string& from, std::span<const char> packet)> incoming;
};

// A node's reach through the DHT, as `hearth status` shows it ("reach").
struct ReachStatus {
  bool policy = false;  // the household's reach=on
  bool dht = false;     // the DHT session runs
  uint16_t dht_port = 0;
  int dht_nodes = 0;
  std::string external_address;        // this host as DHT nodes see it; "" until they said
  std::vector<std::string> published;  // the addresses in this device's record
  int64_t published_us = 0;            // when nodes last stored it (0: never)
  int stored_on = 0;                   // on how many nodes
  std::vector<std::string> mapped;     // "LOCAL->EXTERNAL" TCP ports the router forwards
  std::string outside_address;         // where the router forwards the mesh port; "" if it does not
  std::string error;                   // why the DHT does not run
  bool operator==(const ReachStatus&) const = default;
};

class Dht {
 public:
  virtual ~Dht() = default;
  // Stores `value` at (keys.item_key(), salt), signed by the day's signer,
  // with a sequence number above any found there and at least `min_seq`.
  // `keys` is shared with the DHT's thread until the put is done.
  virtual void Put(std::shared_ptr<const RendezvousDayKeys> keys, const RendezvousSalt& salt, Bytes value,
                   int64_t min_seq) = 0;
  // Looks the item at (key, salt) up; found() hears of what it finds.
  virtual void Get(const crypto::PublicKey& key, const RendezvousSalt& salt) = 0;
  virtual void Poll() = 0;
  virtual uint16_t port() const = 0;
  // Nodes in the routing table (0 until the DHT has reached any).
  virtual int nodes() const = 0;
  // This host's address as DHT nodes or the router see it, once they said
  // ("" until then).
  virtual std::string external_address() const = 0;
  // The port outside that the router forwards to local TCP port `local`,
  // once it said so (map_tcp_ports).
  virtual std::optional<uint16_t> MappedPort(uint16_t local) const = 0;
};

// HOST:PORT split, for bootstrap lists ("[::1]:6881" too); nullopt when it
// is not one.
std::optional<std::pair<std::string, int>> SplitHostPort(const std::string& text);


}  // namespace hearth::reach

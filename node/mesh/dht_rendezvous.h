// DhtRendezvous: while the household's policy says reach=on, this device
// publishes where it can be reached today as a rendezvous record in the
// mainline DHT (protocol/rendezvous.h, node/reach/dht.h), and looks up the
// records of the members it has no session with, handing the addresses it
// finds to PeerSessions to dial. The mesh handshake still decides who is
// who: an address in a record only says where to try.
//
// The DHT session starts when the policy turns reach on (or at start, when
// it is on already) and stops when it turns off; with it, the router is
// asked to forward the mesh and BitTorrent ports (MeshOptions::port_mapping),
// and a forwarded port is published at the address outside. Publishing: once the DHT
// has nodes, again every kRepublishEvery, when this device's addresses or
// the UTC day change, and after a put no node stored (5 s, doubling to
// 5 min). Looking up: each member without a session at once, then after
// 2 s, doubling to 5 min, starting over when its session ends.
//
// Single-threaded, on the node's thread; borrows the context and the
// sessions, which outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/reach/dht.h"
#include "protocol/rendezvous.h"

namespace hearth::mesh {

class DhtRendezvous {
 public:
  static constexpr std::chrono::minutes kRepublishEvery{30};
  static constexpr std::chrono::seconds kFirstRetry{5};       // a put no node stored
  static constexpr std::chrono::seconds kFirstLookAgain{2};  // a member not found
  static constexpr std::chrono::minutes kMaxRetry{5};
  // A record older than this (by the time inside it) is not used.
  static constexpr std::chrono::hours kRecordMaxAge{36};

  using Status = reach::ReachStatus;

  // `torrent_port`: the swarm's listening port (0: none), mapped with the
  // mesh's when port mapping is on.
  // `found`: a member's record was found and opened (each time), with the
  // addresses in it -- for hole punching (hole_punch.h).
  using Found = std::function<void(const DeviceId&, const std::vector<InviteAddress>&)>;
  DhtRendezvous(MeshContext& ctx, PeerSessions& peers, std::function<uint16_t()> torrent_port, Found found)
      : ctx_(ctx), peers_(peers), torrent_port_(std::move(torrent_port)), found_cb_(std::move(found)) {}
  ~DhtRendezvous();
  DhtRendezvous(const DhtRendezvous&) = delete;
  DhtRendezvous& operator=(const DhtRendezvous&) = delete;

  void Tick(std::chrono::steady_clock::time_point now);
  // `device`'s session ended: look it up again soon.
  void MemberDown(const DeviceId& device) { lookups_.erase(device); }
  void Stop();
  const Status& status() const { return status_; }

 private:
  struct Backoff {
    std::chrono::steady_clock::time_point next{};
    std::chrono::seconds wait{kFirstRetry};
  };
  void Step(std::chrono::steady_clock::time_point now);
  void StartDht(std::chrono::steady_clock::time_point now);
  void StopDht(const std::string& why);
  void KeysFor(uint32_t day);
  void Publish(std::chrono::steady_clock::time_point now);
  void LookUp(std::chrono::steady_clock::time_point now);
  void OnFound(const reach::DhtItem& item);
  void OnPutDone(const RendezvousSalt& salt, int stored);
  std::vector<InviteAddress> OwnAddresses() const;

  MeshContext& ctx_;
  PeerSessions& peers_;
  std::function<uint16_t()> torrent_port_;
  Found found_cb_;
  std::unique_ptr<reach::Dht> dht_;
  std::chrono::steady_clock::time_point next_start_{};
  std::shared_ptr<const RendezvousDayKeys> keys_;  // today's
  std::map<RendezvousSalt, DeviceId> salts_;       // today's salt of each member
  Backoff put_;
  bool put_in_flight_ = false;
  std::chrono::steady_clock::time_point put_started_{};
  std::vector<InviteAddress> pending_;  // the addresses of the last put tried (in flight or done)
  uint16_t pending_forwarded_ = 0;      // and which of them a router forwards
  std::vector<InviteAddress> last_published_;
  uint16_t last_forwarded_ = 0;
  uint32_t published_day_ = 0;
  std::map<DeviceId, Backoff> lookups_;
  std::map<DeviceId, std::vector<InviteAddress>> found_;  // what was last found per member (logged on change)
  Status status_;
  Status reported_;  // as reach_changed last heard it
};

}  // namespace hearth::mesh

// Relays: sessions carried by another member, for devices that cannot dial
// each other (carrier-grade NAT, no forwarded port, no hole to punch). While
// the household's policy says reach=on:
//   - a member this device has had no session with for kRelayAfter is asked
//     for through the members it has a direct session with, in turn
//     (RELAY_OPEN), again after kFirstRetry doubling to kMaxRetry, until a
//     session with it is up (relayed or not); a channel not accepted within
//     kOpenTimeout is closed (RELAY_CLOSE), so the relay forgets it;
//   - a relay that reaches it opens the channel; both ends run an ordinary
//     mesh session over it (relay_channel.h), this device as initiator when
//     it asked, which PeerSessions admits like any other (path "relayed");
//   - this device carries such channels for others (relay_splices.h).
// PeerSessions keeps dialing a relayed member's direct addresses, and keeps
// a direct session over a relayed one when both are up.
//
// Single-threaded, on the node's thread; borrows the context and sessions,
// which outlive it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <utility>

#include "node/mesh/member_retries.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/mesh/relay_channel.h"
#include "node/mesh/relay_splices.h"

namespace hearth::mesh {

class Relays {
 public:
  static constexpr std::chrono::seconds kRelayAfter{1};
  static constexpr std::chrono::seconds kOpenTimeout{10};
  static constexpr std::chrono::seconds kFirstRetry{2};
  static constexpr std::chrono::seconds kMaxRetry{60};

  Relays(MeshContext& ctx, PeerSessions& peers);
  Relays(const Relays&) = delete;
  Relays& operator=(const Relays&) = delete;

  // A RELAY_* frame on the session `hop` of a member.
  void OnFrame(Connection& hop, MessageType type, ByteSpan payload);
  // A session ended (admitted or not, replaced or not): the channels it
  // carried end.
  void SessionEnded(Connection* hop);
  void MemberUp(const DeviceId& device) { retries_.Forget(device); }
  void MemberDown(const DeviceId& device) { retries_.Forget(device); }
  void Tick(std::chrono::steady_clock::time_point now);
  void Stop();
  size_t carried() const { return splices_.carried(); }
  uint64_t bytes_carried() const { return splices_.bytes_carried(); }

 private:
  using Half = std::pair<Connection*, uint32_t>;
  struct Opening {
    DeviceId target;
    std::chrono::steady_clock::time_point deadline;
  };
  uint32_t NextChannel(const Connection& hop);
  std::shared_ptr<RelayChannel> NewChannel(Connection& hop, uint32_t id);
  void Accepted(Connection& hop, uint32_t id);
  void Offered(Connection& hop, uint32_t id, const DeviceId& from);
  bool Reaching() const;

  MeshContext& ctx_;
  PeerSessions& peers_;
  RelaySplices splices_;
  std::map<Half, std::shared_ptr<RelayChannel>> channels_;  // this device's ends
  std::map<Half, Opening> opening_;                         // asked, not yet accepted
  MemberRetries retries_{kRelayAfter, kFirstRetry, kMaxRetry};  // members with no session
  uint32_t next_channel_ = 1;
};

}  // namespace hearth::mesh

// HolePunch: two devices behind NATs, each with a session to a third member,
// open a direct TCP session by dialing each other at the same moment from
// their listening ports (mesh_format.md, "Relays and hole punching"). While
// the household's policy says reach=on:
//   - a member this device has no direct session with for kFirstTry (none
//     at all, or a relayed one) is asked for through the members it has a
//     direct session with, in turn (PUNCH without an address), again after
//     kFirstRetry doubling to kMaxRetry;
//   - a member asked to help tells both ends where the other is (PUNCH with
//     the address its session with the other comes from);
//   - told, this device dials there from its listening port for kPunchFor
//     (Transport::Punch); the session that opens is admitted like any other
//     (path "punched"), the device with the smaller key as initiator;
//   - with no third member to help, a member's rendezvous record found in
//     the DHT (dht_rendezvous.h) does: unless an ordinary dial reached the
//     member within kRecordPunchAfter, this device dials the record's first
//     address (outside first) from its listening port, again each time a
//     punch ends, for kRecordPunchFor after the record was found. The
//     member does the same with this device's record, so the two dials
//     cross within a punch's time. At most one punch per member at a time.
//
// Single-threaded, on the node's thread; borrows the context, the sessions
// and the transport, which outlive it.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <vector>

#include "node/mesh/member_retries.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/mesh/transport.h"

namespace hearth::mesh {

class HolePunch {
 public:
  static constexpr std::chrono::seconds kFirstTry{1};
  static constexpr std::chrono::seconds kFirstRetry{5};
  static constexpr std::chrono::minutes kMaxRetry{5};
  static constexpr std::chrono::seconds kPunchFor{10};
  static constexpr std::chrono::seconds kRecordPunchAfter{3};
  static constexpr std::chrono::minutes kRecordPunchFor{2};

  HolePunch(MeshContext& ctx, PeerSessions& peers, Transport& transport)
      : ctx_(ctx), peers_(peers), transport_(transport) {}
  HolePunch(const HolePunch&) = delete;
  HolePunch& operator=(const HolePunch&) = delete;

  // A PUNCH frame on a member's session.
  void OnPunch(Connection& from, ByteSpan payload);
  // `device`'s rendezvous record, just found, says it is at `addresses`.
  void FromRecord(const DeviceId& device, const std::vector<InviteAddress>& addresses);
  // A member's direct session came up: no punching for it.
  void DirectUp(const DeviceId& device) {
    retries_.Forget(device);
    records_.erase(device);
  }
  void Tick(std::chrono::steady_clock::time_point now);

 private:
  void Help(Connection& from, const DeviceId& other);
  void Dial(const DeviceId& peer, const InviteAddress& address);

  MeshContext& ctx_;
  PeerSessions& peers_;
  Transport& transport_;
  MemberRetries retries_{kFirstTry, kFirstRetry, kMaxRetry};  // members with no direct session
  std::set<DeviceId> punching_;
  std::set<DeviceId> failed_;  // punches that failed, said once
  struct FromRecord_ {
    InviteAddress address;
    std::chrono::steady_clock::time_point from, until;
  };
  std::map<DeviceId, FromRecord_> records_;  // members to punch to from their records
};

}  // namespace hearth::mesh

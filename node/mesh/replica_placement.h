// ReplicaPlacement: where this household's replicas go, as this device sees
// it, and what that asks of this device. It keeps this device's time online
// and says its availability, held bytes and room to every member (STATE,
// with hysteresis), records what members say of themselves, computes the
// placement over the eligible full/storage devices (replica_rules.h;
// recomputed only when its inputs change, its rows kept in SQLite), and queues the blobs assigned
// here as wanted for the Fetcher -- never past the disk's free-space floor.
// It starts once every connected member said its STATE and sessions stopped
// coming up (MeshOptions::policy_grace). Each policy pass also lets a phone
// trim its cache, or a full/storage device drop its surplus (the hooks).
//
// Single-threaded, on the node's thread; borrows the context, the sessions,
// the have index and the fetcher, which outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/mesh/replica_rules.h"
#include "node/store/placement_plan.h"

namespace hearth::mesh {

class ReplicaPlacement {
 public:
  struct Hooks {
    std::function<void()> trim_cache;                      // a phone's pass
    std::function<void(const Placement&)> drop_surplus;    // a full/storage device's pass
  };
  ReplicaPlacement(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher, Hooks hooks);

  // Loads what was reported before a restart and says this device's state.
  void Start();
  // Records the time online since the last record.
  void Stop();
  // Records time online, says STATE when it changed, and runs a policy pass
  // when one is due.
  void Tick(std::chrono::steady_clock::time_point now);

  // The plan as it stands (recomputed when its inputs changed).
  const Placement& Current();
  // The plan as last computed, without looking at its inputs.
  const Placement& last() const { return placement_; }
  // Its rows (kept in SQLite: node/store/placement_plan.h).
  store::SqlPlan& rows() { return rows_; }
  // Availability in placement's steps, as this device knows it.
  uint16_t AvailabilityOf(const DeviceId& device) const;
  // Whether a replica of `blob` fits above the free-space floor; logs once
  // and tells the members this disk is full when it does not.
  bool RoomFor(const BlobId& blob);
  // Whether the disk's free space is at (or under) the floor.
  bool DiskAtFloor();
  // What this device can still take above its floor, counting what fetches
  // under way already wrote (replica_rules.h, Shortfall).
  uint64_t RoomLeft();
  // Says STATE at the next tick (the disk filled up).
  void SayStateSoon() { last_state_ = {}; }
  // Runs a policy pass at the next tick (the ledger changed).
  void PassSoon() { last_policy_ = {}; }

  void SendState(Connection& c);
  void OnState(const DeviceId& from, const std::expected<DeviceState, std::string>& state);
  void MemberDown(const DeviceId& d) { said_state_.erase(d); }

 private:
  void StateTick(std::chrono::steady_clock::time_point now, bool force);
  void RecordUptime(std::chrono::steady_clock::time_point now);
  DeviceState LocalDeviceState();
  bool Ready(std::chrono::steady_clock::time_point now) const;
  void ApplyPolicy();

  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  Hooks hooks_;
  Placement placement_;
  store::SqlPlan rows_;
  std::string held_key_;      // what held_bytes_ was counted from
  uint64_t held_bytes_ = 0;   // sizes of the claimed blobs held here
  std::map<DeviceId, DeviceState> reports_;        // what members said of themselves (STATE)
  std::set<DeviceId> said_state_;                  // members that said STATE this session
  std::optional<DeviceState> state_sent_;          // what this device last said of itself
  std::optional<uint16_t> reported_availability_;  // in its last STATE, also before a restart
  std::string policy_key_;                         // inputs of the last pass that queued fetches
  bool policy_write_failed_ = false;               // logged once until it works again
  std::set<BlobId> room_warned_;                   // fetches skipped for the floor, logged once each
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point last_state_{};
  std::chrono::steady_clock::time_point last_uptime_{};
  std::chrono::steady_clock::time_point last_policy_{};
};

}  // namespace hearth::mesh

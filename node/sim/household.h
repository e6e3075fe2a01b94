// Household: a deterministic simulation of one household in one process --
// FoundationDB's simulation testing and TigerBeetle's VOPR are the models.
//
// 3 to 12 SimDevices (node/sim/sim_device.h) share a library over a
// simulated network that delays messages (each session stays in order, as
// TCP does; sessions reorder among themselves), drops everything in flight
// when a session ends, and partitions. Over the run devices go away and come
// back, crash and restart from their stores, disks fill up, clocks are off
// and drift, the admin changes the policy and revokes a device, devices join
// or leave for good, one device may lie. Then the network heals and every
// device that is still a member comes back (a disk that filled up stays
// full).
//
// Checked all along (a failure names the check):
//   2a. no device drops a copy when no other verified copy of the blob is
//       left on a device that is still in the household;
//   3.  no device stores a replica that takes its disk under the free-space
//       floor, and placement never assigns a device more than its capacity;
//   4.  no device sends anything to a device it knows is revoked;
//   5.  a blob that fails verification is not stored.
// Checked once healed:
//   1.  every member's ledger derives the same state;
//   2b. every claimed blob is held by every device the placement assigns it
//       to -- at least min(copies, devices with room) copies -- and every
//       member computes the same placement.
//
// One seed gives one run, exactly: every choice comes from SimRandom and
// the event queue orders events by time, then by scheduling order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::sim {

enum class Scenario {
  kChurn,  // random faults, then healing (the default)
  kLeave,  // settles, then one device leaves for good: how long until copies are back
  kJoin,   // settles, then a device joins: how many bytes move
};

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 0;       // 3..12; 0: the seed picks
  double hours = 1.0;  // of faults (kChurn), before healing
  Scenario scenario = Scenario::kChurn;
  size_t trace_lines = 40;  // kept for a failure report
};

struct SimReport {
  uint64_t seed = 0;
  int nodes = 0;
  int tracks = 0;
  double simulated_hours = 0;  // household-hours: simulated time, faults and healing
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t bytes_moved = 0;
  uint64_t fetches = 0;
  uint64_t drops = 0;
  uint64_t rejected = 0;  // blobs that failed verification and were not kept
  int most_drops = 0;     // the most times one device dropped one blob
  std::vector<std::string> failures;
  std::vector<std::string> trace;  // the last lines before the first failure (or the end)
  // kLeave: seconds from the departed device being declared away until every
  // blob had its copies back on the devices placement assigns.
  std::optional<double> restored_after_s;
  // kJoin: bytes moved in the household from the join until it settled,
  // over the new device's share: the bytes placement gives it, plus copies
  // that lacked room before and found it thanks to it (1.0 = only that).
  std::optional<double> join_moved_share;
  bool ok() const { return failures.empty(); }
};

SimReport RunHousehold(const SimOptions& options);

}  // namespace hearth::sim

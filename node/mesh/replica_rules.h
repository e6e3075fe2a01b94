// Replica rules: what a full or storage device decides about the household's
// copies, as pure functions of what it knows -- the ledger, who is online,
// what each member reported (STATE) and said it holds (HAVE), the possession
// proofs it got. No I/O, no clock: the caller passes the time in.
//
// MeshNode runs them against its sessions and store; the household simulator
// (node/sim) runs the very same functions against simulated devices, so what
// the simulator checks is what the node does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/mesh/possession_proofs.h"
#include "protocol/ledger_state.h"
#include "protocol/placement.h"
#include "protocol/placement_messages.h"

namespace hearth::mesh {

// Where the policy places replicas: the inputs and what the plan comes to.
// Its rows (which devices hold each blob) are kept apart, in a PlanRows.
struct Placement {
  std::vector<PlacementDevice> eligible;
  size_t copies = 0;
  PlacementTotals totals;
  std::string key;  // its inputs, in short: equal keys, equal plans
};

// What placement looks at, as one device sees it. The references must
// outlive the call only.
struct PlacementInputs {
  const LedgerState& state;
  uint64_t ledger_size = 0;  // entries kept (part of the key)
  DeviceId me;
  std::function<bool(const DeviceId&)> online;  // a session with it is up
  const std::map<DeviceId, int64_t>& last_seen_us;
  int64_t now_us = 0;
  int64_t away_us = 0;  // a device unseen for longer is away: its replicas go elsewhere
  // What each device said of itself (its own STATE for `me`); nullptr: nothing.
  std::function<const DeviceState*(const DeviceId&)> report;
};

// The devices that may hold replicas -- unrevoked full and storage members
// that are `me`, online, or seen within away_us -- weighed by the
// availability they reported and capped by their room and the admin's
// capacity; and the key of these inputs. Cheap: call it every pass and
// rebuild the plan only when the key changes.
std::pair<std::vector<PlacementDevice>, std::string> EligibleDevices(const PlacementInputs& in);

// The plan over `eligible` for every blob in `sizes` (each live claim's
// blob and its sealed length), with the copies `state`'s policy asks for,
// held in memory (`rows`). The node streams it into SQLite instead.
Placement BuildPlacement(const LedgerState& state, std::map<BlobId, uint64_t> sizes,
                         std::vector<PlacementDevice> eligible, std::string key, MemoryPlan& rows);

// Held blobs the plan does not assign to `me`, with their assigned devices:
// the candidates to drop once those prove they hold them. Never a blob no
// claim names or no device is assigned, and never one `me` imported unless
// every assigned device is strictly more available (in placement's steps)
// than `me` -- a laptop fetching a track does not make the PC let go -- or
// `me` lacks room for what the plan assigns it (`short_of_room`): then its
// imports make way, or it would keep copies on the wrong device for ever.
struct Surplus {
  std::map<BlobId, std::vector<DeviceId>> blobs;  // with their assigned devices
  std::set<BlobId> only_when_short;               // imports in `blobs` only because of `short_of_room`
};
// `imported`: whether `me` wrote a live claim of the blob.
Surplus SurplusBlobs(const std::function<bool(const BlobId&)>& imported, PlanRows& rows, const DeviceId& me,
                     const std::set<BlobId>& held, const std::function<uint16_t(const DeviceId&)>& availability,
                     bool short_of_room);

// Bytes `me` lacks for the blobs the plan assigns it: the sizes of those it
// does not hold (fetches under way included) beyond `room_left`, what it
// can still take above its free-space floor counting what those fetches
// already wrote. 0: everything assigned fits.
uint64_t Shortfall(PlanRows& rows, const DeviceId& me, const std::set<BlobId>& held, uint64_t room_left);

// One surplus pass: which held surplus blobs to drop now, and which proofs
// to ask for. A blob goes when every assigned device is online, lists it in
// its HAVE set and proved it holds and keeps it. When `shortfall` > 0 the
// device lacks room for its assignments, and blobs go on the word of one
// such device -- and imports that are surplus only because of the
// shortfall go at all -- until the bytes dropped cover the shortfall: two
// full devices each holding what the other is assigned would otherwise
// wait for each other for ever. Such a blob has fewer copies than asked
// until the other assigned devices fetch it; never none.
struct SurplusInputs {
  const Surplus& surplus;  // SurplusBlobs(..., shortfall > 0)
  uint64_t shortfall = 0;
  PlanRows& rows;                           // for sizes
  std::function<bool(const BlobId&)> keep;  // not now: pinned, cached, fetched, read, promised
  std::function<bool(const DeviceId&)> online;
  std::function<bool(const DeviceId&, const BlobId&)> lists;  // its HAVE set names the blob
  const PossessionProofs& proofs;
  PossessionProofs::Time now;
};
struct SurplusPass {
  std::vector<BlobId> drop;
  std::vector<std::pair<BlobId, DeviceId>> ask;  // PROVE to send (no proof pending or counting)
};
SurplusPass PlanSurplus(const SurplusInputs& in);

// The availability a device reports in STATE: what it measured, unless that
// is within kAvailabilityStep / 2 of what it reported last. A device whose
// availability hovers at a step boundary (699 one minute, 700 the next, as
// the 7-day window slides) would otherwise move blobs back and forth.
uint16_t ReportedAvailability(std::optional<uint16_t> last_reported, uint16_t measured);

// A sealed blob of `sealed` bytes has this many chunks (what PROVE picks from).
uint32_t SealedChunks(uint64_t sealed);

}  // namespace hearth::mesh

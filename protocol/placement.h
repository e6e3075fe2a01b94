// Replica placement: which full/storage devices should hold each blob. Pure:
// every device computes the same plan from the same inputs (the ledger's
// claims and policy, and what members report of their availability and
// room), in whatever order it got them.
//
// The scheme is weighted rendezvous hashing (Thaler & Ravishankar's highest
// random weight, with weights): for blob b every candidate device d gets
//     score(d, b) = weight(d) / -ln(u(d, b)),
// where u(d, b) in (0, 1) comes from BLAKE2b-256("hearth/placement/v2" ||
// device key || blob id), and the blob goes to the highest scores. Over many
// blobs a device gets a share proportional to its weight; a device joining,
// leaving or changing weight moves only blobs to or from itself.
//
// The weight is steep in availability (the share of the last days a device
// was online, in thousandths), so an always-on PC or NAS ranks before a laptop
// for nearly every blob, while devices that are about as available share
// evenly. Availability is looked at in steps of kAvailabilityStep so that a
// device's ordinary ups and downs move nothing.
//
// Room: a device is never assigned more bytes than its room (the least of the
// admin's capacity for it and what its disk can take above its free-space
// floor). Blobs are placed in blob-id order; one that does not fit on a
// device goes to the next in its ranking. A blob that fits on fewer than
// `copies` devices is placed on those and counted as short of room.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "protocol/ids.h"

namespace hearth {

inline constexpr uint16_t kMaxAvailability = 1000;  // thousandths
inline constexpr uint16_t kAvailabilityStep = 50;   // placement sees 5% steps

struct PlacementDevice {
  DeviceId device;
  uint16_t availability = 0;     // 0..1000; larger values count as 1000
  std::optional<uint64_t> room;  // bytes it may hold in all; nullopt: no limit known
};

struct PlacementBlob {
  BlobId blob;
  uint64_t size = 0;  // bytes of ciphertext
};

struct PlacementPlan {
  // The devices that should hold each blob, highest-ranked first (at most
  // `copies`; fewer when the others lack room). Every blob given has a row.
  std::map<BlobId, std::vector<DeviceId>> assigned;
  std::map<DeviceId, uint64_t> assigned_bytes;  // per device, what it is given
  size_t short_of_room = 0;                     // blobs placed on fewer than `copies` devices
  uint64_t short_bytes = 0;                     // bytes of copies that found no room

  // Empty for a blob that was not in the input.
  const std::vector<DeviceId>& Assigned(const BlobId& blob) const;
  bool IsAssigned(const BlobId& blob, const DeviceId& device) const;
};

// The weight placement gives an availability (quantised to kAvailabilityStep).
double PlacementWeight(uint16_t availability);

// The rendezvous order of `devices` for `blob`, best first, ignoring room.
// Ties (equal scores) go to the smaller device key.
std::vector<DeviceId> RankDevices(const BlobId& blob, std::span<const PlacementDevice> devices);

// What a whole plan comes to, besides its rows.
struct PlacementTotals {
  std::map<DeviceId, uint64_t> assigned_bytes;  // per device, what it is given
  size_t short_of_room = 0;
  uint64_t short_bytes = 0;
};

// The plan one blob at a time, in O(devices) memory: the node streams a
// household's blobs through it from SQLite and keeps the rows there, so a
// library of any size costs no memory (PlaceReplicas below is the same
// placer over a span, for tests and the simulator). Blobs must come in
// increasing id order, each once -- the order decides who gets room first.
class ReplicaPlacer {
 public:
  // Duplicate devices count once. `copies` larger than the devices means
  // every device that has room.
  ReplicaPlacer(std::span<const PlacementDevice> devices, size_t copies);

  // The devices, ordered by key: what Place's indices refer to.
  const std::vector<DeviceId>& devices() const { return devices_; }
  // Places `blob`: indices into devices(), best first. Valid until the next
  // call.
  std::span<const uint8_t> Place(const BlobId& blob, uint64_t size);
  PlacementTotals Totals() const;

 private:
  std::vector<DeviceId> devices_;
  std::vector<double> weights_;
  std::vector<std::optional<uint64_t>> room_;
  std::vector<uint64_t> used_;
  size_t want_ = 0;
  size_t short_of_room_ = 0;
  uint64_t short_bytes_ = 0;
  std::vector<std::pair<double, size_t>> scored_;  // scratch
  std::vector<uint8_t> picked_;                    // scratch
};

// A device index in ReplicaPlacer is one byte: more devices than this in
// one household are not placed on (the first ones by key are).
inline constexpr size_t kMaxPlacementDevices = 255;

// A plan's rows, wherever they are kept: the node keeps them in SQLite
// (node/store/placement_plan.h), so that they cost no memory however big the
// library; the simulator and tests in memory (MemoryPlan). Single-threaded.
class PlanRows {
 public:
  virtual ~PlanRows() = default;
  // The sealed size of a blob a live claim names; nullopt for any other.
  virtual std::optional<uint64_t> SizeOf(const BlobId& blob) = 0;
  // The devices assigned `blob`, best first (empty: none has room for it,
  // or no claim names it).
  virtual std::vector<DeviceId> Assigned(const BlobId& blob) = 0;
  // Every blob assigned to `device`, with its sealed size, in blob order.
  virtual void ForEachAssignedTo(const DeviceId& device,
                                 const std::function<void(const BlobId&, uint64_t size)>& fn) = 0;

  bool IsAssigned(const BlobId& blob, const DeviceId& device);
};

// A plan held in memory, whole.
class MemoryPlan final : public PlanRows {
 public:
  PlacementPlan plan;
  std::map<BlobId, uint64_t> sizes;  // every claimed blob's ciphertext size

  std::optional<uint64_t> SizeOf(const BlobId& blob) override;
  std::vector<DeviceId> Assigned(const BlobId& blob) override { return plan.Assigned(blob); }
  void ForEachAssignedTo(const DeviceId& device,
                         const std::function<void(const BlobId&, uint64_t size)>& fn) override;
};

// The plan for `blobs` over `devices` with `copies` replicas each. Duplicate
// devices or blobs count once. `copies` larger than the devices means every
// device that has room.
PlacementPlan PlaceReplicas(std::span<const PlacementDevice> devices, std::span<const PlacementBlob> blobs,
                            size_t copies);

}  // namespace hearth

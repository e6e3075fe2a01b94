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

// The plan for `blobs` over `devices` with `copies` replicas each. Duplicate
// devices or blobs count once. `copies` larger than the devices means every
// device that has room.
PlacementPlan PlaceReplicas(std::span<const PlacementDevice> devices, std::span<const PlacementBlob> blobs,
                            size_t copies);

}  // namespace hearth

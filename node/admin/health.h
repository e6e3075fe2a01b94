// The household's health as this device knows it (`hearth status`): what
// each device holds and has room for, tracks with fewer copies than the
// policy asks, tracks whose every copy is on a device that is away, and
// whether the household has room for `copies` at all. Read from the home
// only (the ledger, what members last reported, their HAVE sets), so it
// works with or without a running node; what is "online" is as the node
// last saw it.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "node/store/home.h"
#include "protocol/entry_body.h"
#include "protocol/ids.h"

namespace hearth::admin {

struct DeviceHealth {
  DeviceId id;
  std::string name;
  Role role = Role::kFull;
  bool admin = false;
  bool this_device = false;
  bool online = false;        // this device: its node is running
  int64_t last_seen_us = 0;   // 0: never seen
  std::string address;        // where it was last reached (host:port); "" for this device or never
  std::string path;           // while online: lan, direct, mapped, punched or relayed ("" unknown)
  std::optional<DeviceId> via;  // the relaying member when path is "relayed"
  bool reported = false;      // the fields below came from the device itself
  uint16_t availability = 0;  // thousandths
  uint64_t held_bytes = 0;    // of the household's blobs, by what it says it holds
  size_t held_blobs = 0;
  std::optional<uint64_t> capacity;  // the admin's cap (policy)
  std::optional<uint64_t> room;      // what it reported it can hold in all
  bool disk_full = false;
};

struct BlobHealth {
  BlobId blob;
  uint64_t bytes = 0;
  std::vector<DeviceId> holders;  // every device known to hold it
  size_t replicas = 0;            // of them, full and storage devices
};

// An original kept in place on this device that is gone (deleted, changed)
// while its claim stands (store/missing_originals.h).
struct MissingOriginalHealth {
  FileId file;
  std::string path;     // where it was (bytes as the filesystem named it)
  std::string reason;
  int64_t since_us = 0;
  EntryId claim;
  BlobHealth blob;      // holders: who still has a copy
};

struct Health {
  size_t copies = 1;          // the policy's
  size_t replica_devices = 0; // unrevoked full and storage devices
  size_t blobs = 0;
  std::vector<DeviceHealth> devices;       // unrevoked members
  std::vector<BlobHealth> under_replicated;  // fewer replicas than min(copies, replica devices)
  std::vector<BlobHealth> only_away;         // held, but by no device online now
  std::vector<BlobHealth> no_copy;           // no device is known to hold it
  // Copies here that failed verification: set aside, being fetched again
  // (node/mesh/blob_repair.h); a blob leaves this list once whole here.
  std::vector<BlobHealth> damaged;
  // Originals gone from this device's folders; those whose blob no device
  // holds are tracks with no copy left (`hearth forget --missing`).
  std::vector<MissingOriginalHealth> missing;
  size_t short_of_room = 0;  // blobs placement cannot give `copies` devices with room
  uint64_t short_bytes = 0;
};

std::expected<Health, std::string> ComputeHealth(store::Home& home, bool node_running);

}  // namespace hearth::admin

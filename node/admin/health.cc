#include "node/admin/health.h"

#include <algorithm>
#include <map>
#include <set>

#include "crypto/blob_cipher.h"
#include "node/store/mesh_tables.h"
#include "node/store/missing_originals.h"
#include "node/store/placement_tables.h"
#include "node/store/live_claims.h"
#include "protocol/placement.h"

namespace hearth::admin {

std::expected<Health, std::string> ComputeHealth(store::Home& home, bool node_running) {
  const LedgerState& state = home.ledger().ledger().state();
  Health h;
  h.copies = state.policy.copies;

  std::map<BlobId, uint64_t> sizes;
  auto read = store::ForEachLiveClaim(home.db(), [&](const store::LiveClaim& c) {
    sizes.emplace(c.blob, crypto::SealedLength(c.plaintext_length));
  });
  if (!read) return std::unexpected(read.error().message);
  h.blobs = sizes.size();

  auto peers = store::ListPeers(home.db());
  if (!peers) return std::unexpected(peers.error().message);
  auto reports = store::ListDeviceReports(home.db());
  if (!reports) return std::unexpected(reports.error().message);
  auto own = store::LoadOwnReport(home.db());
  if (!own) return std::unexpected(own.error().message);
  auto peer_blobs = store::AllPeerBlobs(home.db());
  if (!peer_blobs) return std::unexpected(peer_blobs.error().message);
  auto local = home.blobs().List();
  if (!local) return std::unexpected(local.error().message);

  std::map<BlobId, std::vector<DeviceId>> holders = std::move(*peer_blobs);
  for (const BlobId& b : *local) holders[b].push_back(home.device_id());
  if (auto quarantined = home.blobs().ListQuarantined(); quarantined) {
    for (const BlobId& b : *quarantined) {
      if (home.blobs().Has(b)) continue;  // whole again; the node deletes the old copy
      BlobHealth d{b, home.blobs().SizeOf(b).value_or(0), {}, 0};
      if (auto it = sizes.find(b); it != sizes.end()) d.bytes = it->second;
      h.damaged.push_back(std::move(d));
    }
  }
  std::map<DeviceId, uint64_t> capacity;
  for (const DeviceCapacity& c : state.policy.capacities) capacity[c.device] = c.bytes;

  std::set<DeviceId> online, replica_devices;
  std::vector<PlacementDevice> candidates;
  for (const auto& [id, m] : state.members) {
    if (m.revoked) continue;
    DeviceHealth d;
    d.id = id;
    d.name = m.name;
    d.role = m.role;
    d.admin = m.admin;
    d.this_device = id == home.device_id();
    if (d.this_device) {
      d.online = node_running;
      if (*own) {
        d.reported = true;
        d.availability = (*own)->availability;
        d.room = (*own)->room;
        d.disk_full = (*own)->disk_full;
      }
    } else {
      for (const auto& p : *peers) {
        if (p.device != id) continue;
        d.online = p.online && node_running;
        d.last_seen_us = p.last_seen_us;
        d.address = p.host + (p.control_port ? ":" + std::to_string(p.control_port) : "");
        if (d.online) d.path = p.path, d.via = p.via;
      }
      if (auto r = reports->find(id); r != reports->end()) {
        d.reported = true;
        d.availability = r->second.availability;
        d.room = r->second.room;
        d.disk_full = r->second.disk_full;
      }
    }
    if (auto c = capacity.find(id); c != capacity.end()) d.capacity = c->second;
    if (d.online || d.this_device) online.insert(id);
    if (m.role != Role::kPhone) {
      replica_devices.insert(id);
      std::optional<uint64_t> room = d.room;  // a full disk's is cut to what it holds, below
      if (d.capacity) room = std::min(room.value_or(UINT64_MAX), *d.capacity);
      candidates.push_back({id, d.availability, room});
    }
    h.devices.push_back(std::move(d));
  }
  h.replica_devices = replica_devices.size();

  std::map<DeviceId, DeviceHealth*> by_id;
  for (DeviceHealth& d : h.devices) by_id[d.id] = &d;
  const size_t target = std::min(h.copies, h.replica_devices);
  for (const auto& [blob, bytes] : sizes) {
    BlobHealth b{blob, bytes, {}, 0};
    if (auto it = holders.find(blob); it != holders.end()) b.holders = it->second;
    bool any_online = false;
    for (const DeviceId& d : b.holders) {
      if (auto dev = by_id.find(d); dev != by_id.end()) {
        dev->second->held_bytes += bytes;
        ++dev->second->held_blobs;
      }
      b.replicas += replica_devices.contains(d);
      any_online = any_online || online.contains(d);
    }
    if (b.holders.empty()) h.no_copy.push_back(b);
    else if (!any_online) h.only_away.push_back(b);
    if (b.replicas < target) h.under_replicated.push_back(std::move(b));
  }
  auto missing = store::ListMissingOriginals(home.db());
  if (!missing) return std::unexpected(missing.error().message);
  for (const store::MissingOriginal& m : *missing) {
    auto live = store::FindLiveClaim(home.db(), m.claim);
    if (!live) return std::unexpected(live.error().message);
    if (!*live) continue;  // released since: settled
    BlobHealth b{m.blob, 0, {}, 0};
    if (auto it = sizes.find(m.blob); it != sizes.end()) b.bytes = it->second;
    if (auto it = holders.find(m.blob); it != holders.end()) b.holders = it->second;
    for (const DeviceId& d : b.holders) b.replicas += replica_devices.contains(d);
    h.missing.push_back({m.file, m.path, m.reason, m.since_us, m.claim, std::move(b)});
  }
  // A full disk takes nothing more than it holds. What placement cannot fit
  // is what the household lacks room for.
  for (auto& c : candidates)
    if (auto dev = by_id.find(c.device); dev != by_id.end() && dev->second->disk_full && c.room)
      c.room = std::min(*c.room, dev->second->held_bytes);
  std::vector<PlacementBlob> blobs;
  for (const auto& [blob, bytes] : sizes) blobs.push_back({blob, bytes});
  const PlacementPlan plan = PlaceReplicas(candidates, blobs, h.copies);
  h.short_of_room = plan.short_of_room;
  h.short_bytes = plan.short_bytes;
  return h;
}

}  // namespace hearth::admin

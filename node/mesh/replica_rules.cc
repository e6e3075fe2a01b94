#include "node/mesh/replica_rules.h"

#include <algorithm>
#include <cstdlib>

#include "crypto/blob_cipher.h"

namespace hearth::mesh {

std::pair<std::vector<PlacementDevice>, std::string> EligibleDevices(const PlacementInputs& in) {
  std::map<DeviceId, uint64_t> capacity;
  for (const DeviceCapacity& c : in.state.policy.capacities) capacity[c.device] = c.bytes;
  std::vector<PlacementDevice> eligible;
  std::string key = std::to_string(in.ledger_size) + "/" + std::to_string(in.state.policy.copies);
  for (const auto& [id, m] : in.state.members) {
    if (m.revoked || m.role == Role::kPhone) continue;
    auto seen = in.last_seen_us.find(id);
    const bool recent = seen != in.last_seen_us.end() && in.now_us - seen->second < in.away_us;
    if (id != in.me && !in.online(id) && !recent) continue;
    const DeviceState* report = in.report(id);
    PlacementDevice d{id, report ? report->availability : uint16_t{0}, std::nullopt};
    // A full disk holds what it holds and takes nothing more.
    if (report)
      d.room = report->disk_full ? std::min(report->held_bytes, report->room.value_or(UINT64_MAX)) : report->room;
    if (auto c = capacity.find(id); c != capacity.end()) d.room = std::min(d.room.value_or(UINT64_MAX), c->second);
    static constexpr char kHex[] = "0123456789abcdef";
    key += '|';
    for (int b = 0; b < 4; ++b) {
      key += kHex[id.bytes[b] >> 4];
      key += kHex[id.bytes[b] & 15];
    }
    key += ':' + std::to_string(d.availability / kAvailabilityStep) + ':' + (d.room ? std::to_string(*d.room) : "-");
    eligible.push_back(d);
  }
  return {std::move(eligible), std::move(key)};
}

Placement BuildPlacement(const LedgerState& state, std::map<BlobId, uint64_t> sizes,
                         std::vector<PlacementDevice> eligible, std::string key, MemoryPlan& rows) {
  Placement p;
  p.key = std::move(key);
  p.eligible = std::move(eligible);
  p.copies = state.policy.copies;
  rows.sizes = std::move(sizes);
  std::vector<PlacementBlob> blobs;
  blobs.reserve(rows.sizes.size());
  for (const auto& [blob, size] : rows.sizes) blobs.push_back({blob, size});
  rows.plan = PlaceReplicas(p.eligible, blobs, p.copies);
  p.totals = {rows.plan.assigned_bytes, rows.plan.short_of_room, rows.plan.short_bytes};
  return p;
}

Surplus SurplusBlobs(const std::function<bool(const BlobId&)>& imported, PlanRows& rows, const DeviceId& me,
                     const std::set<BlobId>& held, const std::function<uint16_t(const DeviceId&)>& availability,
                     bool short_of_room) {
  Surplus surplus;
  const uint16_t my_level = availability(me) / kAvailabilityStep;
  for (const BlobId& blob : held) {
    const std::vector<DeviceId> assigned = rows.Assigned(blob);
    if (assigned.empty()) continue;  // no claim names it, or no device has room for it: keep ours
    if (std::find(assigned.begin(), assigned.end(), me) != assigned.end()) continue;
    if (std::any_of(assigned.begin(), assigned.end(),
                    [&](const DeviceId& d) { return availability(d) / kAvailabilityStep <= my_level; }) &&
        imported(blob)) {
      if (!short_of_room) continue;  // ours, and not outranked by more available holders
      surplus.only_when_short.insert(blob);
    }
    surplus.blobs.emplace(blob, assigned);
  }
  return surplus;
}

uint64_t Shortfall(PlanRows& rows, const DeviceId& me, const std::set<BlobId>& held, uint64_t room_left) {
  uint64_t need = 0;
  rows.ForEachAssignedTo(me, [&](const BlobId& blob, uint64_t size) {
    if (!held.contains(blob)) need += size;
  });
  return need > room_left ? need - room_left : 0;
}

SurplusPass PlanSurplus(const SurplusInputs& in) {
  SurplusPass pass;
  struct Seen {
    bool everyone = false;  // every assigned device online and listing it
    size_t confirmed = 0;
    std::vector<DeviceId> ask;
  };
  std::map<BlobId, Seen> seen;
  for (const auto& [blob, assigned] : in.surplus.blobs) {
    if (assigned.empty() || in.keep(blob)) continue;
    Seen& s = seen[blob];
    size_t reachable = 0;
    for (const DeviceId& d : assigned) {
      if (!in.online(d) || !in.lists(d, blob)) continue;  // away, or does not say it holds it
      ++reachable;
      const auto status = in.proofs.StatusOf(blob, d, in.now);
      if (status == PossessionProofs::Status::kConfirmed) ++s.confirmed;
      else if (status == PossessionProofs::Status::kNone) s.ask.push_back(d);
    }
    s.everyone = reachable == assigned.size();
  }
  auto size_of = [&](const BlobId& blob) { return in.rows.SizeOf(blob).value_or(0); };
  // Drops on every assigned device's word first: they free room too.
  uint64_t budget = in.shortfall;
  std::set<BlobId> dropped;
  for (const auto& [blob, s] : seen) {
    if (!s.everyone || s.confirmed != in.surplus.blobs.at(blob).size() || in.surplus.only_when_short.contains(blob))
      continue;
    pass.drop.push_back(blob);
    dropped.insert(blob);
    budget -= std::min(budget, size_of(blob));
  }
  // Then, while short, on one device's word until the shortfall is covered.
  for (const auto& [blob, s] : seen) {
    if (dropped.contains(blob)) continue;
    if (budget > 0 && s.confirmed > 0) {
      pass.drop.push_back(blob);
      budget -= std::min(budget, std::max<uint64_t>(size_of(blob), 1));
      continue;
    }
    // Proofs are worth asking for only when they can lead to a drop.
    if (s.everyone || budget > 0)
      for (const DeviceId& d : s.ask) pass.ask.emplace_back(blob, d);
  }
  return pass;
}

uint16_t ReportedAvailability(std::optional<uint16_t> last_reported, uint16_t measured) {
  if (!last_reported) return measured;
  const int diff = static_cast<int>(measured) - static_cast<int>(*last_reported);
  const bool same_step = measured / kAvailabilityStep == *last_reported / kAvailabilityStep;
  return same_step || std::abs(diff) >= kAvailabilityStep / 2 ? measured : *last_reported;
}

uint32_t SealedChunks(uint64_t sealed) {
  return static_cast<uint32_t>((sealed + crypto::kSealedChunkSize - 1) / crypto::kSealedChunkSize);
}

}  // namespace hearth::mesh

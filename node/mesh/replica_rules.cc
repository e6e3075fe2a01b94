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

Placement BuildPlacement(const LedgerState& state, std::vector<PlacementDevice> eligible, std::string key) {
  Placement p;
  p.key = std::move(key);
  p.eligible = std::move(eligible);
  p.copies = state.policy.copies;
  for (const auto& [entry, claim] : state.claims)
    p.sizes.emplace(claim.claim().blob, crypto::SealedLength(claim.claim().plaintext_length));
  std::vector<PlacementBlob> blobs;
  blobs.reserve(p.sizes.size());
  for (const auto& [blob, size] : p.sizes) blobs.push_back({blob, size});
  p.plan = PlaceReplicas(p.eligible, blobs, p.copies);
  return p;
}

std::map<BlobId, std::vector<DeviceId>> SurplusBlobs(const LedgerState& state, const Placement& placement,
                                                     const DeviceId& me, const std::set<BlobId>& held,
                                                     const std::function<uint16_t(const DeviceId&)>& availability,
                                                     bool short_of_room) {
  std::map<BlobId, std::vector<DeviceId>> surplus;
  std::set<BlobId> imported;
  for (const auto& [entry, claim] : state.claims)
    if (claim.author == me) imported.insert(claim.claim().blob);
  const uint16_t my_level = availability(me) / kAvailabilityStep;
  for (const BlobId& blob : held) {
    if (!placement.sizes.contains(blob)) continue;  // no claim names it
    const auto& assigned = placement.plan.Assigned(blob);
    if (assigned.empty()) continue;  // no device has room for it: keep ours
    if (std::find(assigned.begin(), assigned.end(), me) != assigned.end()) continue;
    if (!short_of_room && imported.contains(blob) && std::any_of(assigned.begin(), assigned.end(), [&](const DeviceId& d) {
          return availability(d) / kAvailabilityStep <= my_level;
        }))
      continue;  // ours, and not outranked by more available holders
    surplus.emplace(blob, assigned);
  }
  return surplus;
}

SurplusCheck CheckSurplus(const BlobId& blob, const std::vector<DeviceId>& assigned,
                          const std::function<bool(const DeviceId&)>& online,
                          const std::function<bool(const DeviceId&, const BlobId&)>& lists,
                          const PossessionProofs& proofs, PossessionProofs::Time now, bool short_of_room) {
  SurplusCheck check;
  size_t reachable = 0, confirmed = 0;
  for (const DeviceId& d : assigned) {
    if (!online(d) || !lists(d, blob)) continue;  // away, or does not say it holds it
    ++reachable;
    const auto status = proofs.StatusOf(blob, d, now);
    if (status == PossessionProofs::Status::kConfirmed) ++confirmed;
    else if (status == PossessionProofs::Status::kNone) check.ask.push_back(d);
  }
  const bool everyone = !assigned.empty() && reachable == assigned.size();
  if (!everyone && !short_of_room) check.ask.clear();  // wait for them all before asking
  check.drop = short_of_room ? confirmed > 0 : everyone && confirmed == assigned.size();
  return check;
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

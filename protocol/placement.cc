#include "protocol/placement.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>

#include "crypto/hash.h"

namespace hearth {
namespace {

struct Candidate {
  DeviceId device;
  double weight = 0;
  std::optional<uint64_t> room;
};

// u(d, b) in (0, 1), uniform: the first 8 bytes of the hash, centred in
// their 2^-64 interval so that neither 0 nor 1 occurs.
double Uniform(const DeviceId& device, const BlobId& blob) {
  constexpr std::string_view kLabel = "hearth/placement/v2";
  uint8_t in[kLabel.size() + 64];
  std::memcpy(in, kLabel.data(), kLabel.size());
  std::memcpy(in + kLabel.size(), device.bytes.data(), 32);
  std::memcpy(in + kLabel.size() + 32, blob.bytes.data(), 32);
  const crypto::Digest h = crypto::Blake2b256(ByteSpan(in, sizeof in));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | h[i];
  return (static_cast<double>(v >> 11) + 0.5) / 9007199254740992.0;  // 53 bits: exact in a double
}

double Score(const Candidate& c, const BlobId& blob) { return c.weight / -std::log(Uniform(c.device, blob)); }

// Candidates by device, duplicates dropped (the first wins).
std::vector<Candidate> Candidates(std::span<const PlacementDevice> devices) {
  std::vector<Candidate> out;
  for (const PlacementDevice& d : devices) {
    if (std::any_of(out.begin(), out.end(), [&](const Candidate& c) { return c.device == d.device; })) continue;
    out.push_back(Candidate{d.device, PlacementWeight(d.availability), d.room});
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.device < b.device; });
  return out;
}

// Indexes into `candidates`, best first for `blob`.
std::vector<size_t> Rank(const BlobId& blob, const std::vector<Candidate>& candidates) {
  std::vector<std::pair<double, size_t>> scored;
  scored.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) scored.emplace_back(Score(candidates[i], blob), i);
  // Candidates are sorted by device, so on equal scores the smaller key (the
  // smaller index) wins.
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<size_t> out;
  out.reserve(scored.size());
  for (const auto& [score, i] : scored) out.push_back(i);
  return out;
}

}  // namespace

double PlacementWeight(uint16_t availability) {
  const uint16_t a = std::min(availability, kMaxAvailability);
  const uint16_t step = static_cast<uint16_t>(a / kAvailabilityStep * kAvailabilityStep);
  // One step added, so a device never seen online still ranks (last).
  const double x = static_cast<double>(step + kAvailabilityStep) / (kMaxAvailability + kAvailabilityStep);
  return x * x * x * x;
}

std::vector<DeviceId> RankDevices(const BlobId& blob, std::span<const PlacementDevice> devices) {
  const auto candidates = Candidates(devices);
  std::vector<DeviceId> out;
  for (size_t i : Rank(blob, candidates)) out.push_back(candidates[i].device);
  return out;
}

const std::vector<DeviceId>& PlacementPlan::Assigned(const BlobId& blob) const {
  static const std::vector<DeviceId> kNone;
  auto it = assigned.find(blob);
  return it == assigned.end() ? kNone : it->second;
}

bool PlacementPlan::IsAssigned(const BlobId& blob, const DeviceId& device) const {
  const auto& a = Assigned(blob);
  return std::find(a.begin(), a.end(), device) != a.end();
}

ReplicaPlacer::ReplicaPlacer(std::span<const PlacementDevice> devices, size_t copies) {
  std::vector<Candidate> candidates = Candidates(devices);
  if (candidates.size() > kMaxPlacementDevices) candidates.resize(kMaxPlacementDevices);
  for (const Candidate& c : candidates) {
    devices_.push_back(c.device);
    weights_.push_back(c.weight);
    room_.push_back(c.room);
  }
  used_.assign(devices_.size(), 0);
  want_ = std::min(copies, devices_.size());
}

std::span<const uint8_t> ReplicaPlacer::Place(const BlobId& blob, uint64_t size) {
  scored_.clear();
  for (size_t i = 0; i < devices_.size(); ++i)
    scored_.emplace_back(weights_[i] / -std::log(Uniform(devices_[i], blob)), i);
  // Devices are sorted by key, so on equal scores the smaller key (the
  // smaller index) wins.
  std::sort(scored_.begin(), scored_.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  picked_.clear();
  for (const auto& [score, i] : scored_) {
    if (picked_.size() == want_) break;
    const auto& room = room_[i];
    if (room && (size > *room || used_[i] > *room - size)) continue;
    used_[i] += size;
    picked_.push_back(static_cast<uint8_t>(i));
  }
  // Fewer devices than `copies` is not a lack of room; fewer than could
  // hold it is.
  if (picked_.size() < want_) {
    ++short_of_room_;
    short_bytes_ += size * (want_ - picked_.size());
  }
  return picked_;
}

PlacementTotals ReplicaPlacer::Totals() const {
  PlacementTotals t;
  for (size_t i = 0; i < devices_.size(); ++i)
    if (used_[i] > 0) t.assigned_bytes[devices_[i]] = used_[i];
  t.short_of_room = short_of_room_;
  t.short_bytes = short_bytes_;
  return t;
}

bool PlanRows::IsAssigned(const BlobId& blob, const DeviceId& device) {
  const std::vector<DeviceId> assigned = Assigned(blob);
  return std::find(assigned.begin(), assigned.end(), device) != assigned.end();
}

std::optional<uint64_t> MemoryPlan::SizeOf(const BlobId& blob) {
  auto it = sizes.find(blob);
  return it == sizes.end() ? std::nullopt : std::optional<uint64_t>(it->second);
}

void MemoryPlan::ForEachAssignedTo(const DeviceId& device,
                                   const std::function<void(const BlobId&, uint64_t size)>& fn) {
  for (const auto& [blob, assigned] : plan.assigned)
    if (std::find(assigned.begin(), assigned.end(), device) != assigned.end()) fn(blob, sizes.at(blob));
}

PlacementPlan PlaceReplicas(std::span<const PlacementDevice> devices, std::span<const PlacementBlob> blobs,
                            size_t copies) {
  // Blob-id order, so that where room runs out every device agrees on which
  // blobs got it first.
  std::vector<PlacementBlob> order(blobs.begin(), blobs.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.blob < b.blob; });
  order.erase(std::unique(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.blob == b.blob; }),
              order.end());
  ReplicaPlacer placer(devices, copies);
  PlacementPlan plan;
  for (const PlacementBlob& b : order) {
    auto& assigned = plan.assigned[b.blob];
    for (uint8_t i : placer.Place(b.blob, b.size)) assigned.push_back(placer.devices()[i]);
  }
  PlacementTotals totals = placer.Totals();
  plan.assigned_bytes = std::move(totals.assigned_bytes);
  plan.short_of_room = totals.short_of_room;
  plan.short_bytes = totals.short_bytes;
  return plan;
}

}  // namespace hearth

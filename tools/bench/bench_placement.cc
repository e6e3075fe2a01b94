// Replica placement (protocol/placement.h): how many bytes move when a
// device joins or leaves, against its fair share (target: joining moves at
// most 1.5x its fair share), and how long a plan takes for 100,000 blobs,
// against the bare BLAKE2b-256 hashing of the same (device, blob) pairs in
// the same run.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "protocol/placement.h"
#include "tools/bench/bench_timer.h"

namespace {

using namespace hearth;

DeviceId Device(int i) {
  DeviceId d;
  d.bytes = crypto::Blake2b256(AsBytes("bench device " + std::to_string(i)));
  return d;
}

std::vector<PlacementBlob> Blobs(size_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<uint64_t> size(1'000'000, 50'000'000);
  std::vector<PlacementBlob> out(n);
  for (auto& b : out) {
    for (auto& byte : b.blob.bytes) byte = static_cast<uint8_t>(rng());
    b.size = size(rng);
  }
  return out;
}

// Bytes of copies `after` puts on a device that `before` did not.
uint64_t Moved(const PlacementPlan& before, const PlacementPlan& after, const std::vector<PlacementBlob>& blobs) {
  uint64_t moved = 0;
  for (const auto& b : blobs) {
    const auto& old = before.Assigned(b.blob);
    for (const DeviceId& d : after.Assigned(b.blob))
      if (std::find(old.begin(), old.end(), d) == old.end()) moved += b.size;
  }
  return moved;
}

uint64_t TotalCopies(const PlacementPlan& plan) {
  uint64_t total = 0;
  for (const auto& [d, bytes] : plan.assigned_bytes) total += bytes;
  return total;
}

void JoinAndLeave(const char* label, std::vector<PlacementDevice> devices, PlacementDevice newcomer, size_t copies,
                  const std::vector<PlacementBlob>& blobs) {
  const PlacementPlan before = PlaceReplicas(devices, blobs, copies);
  devices.push_back(newcomer);
  const PlacementPlan after = PlaceReplicas(devices, blobs, copies);
  const uint64_t moved = Moved(before, after, blobs);
  // Its fair share: what the plan gives it when it is there.
  const uint64_t share = after.assigned_bytes.count(newcomer.device) ? after.assigned_bytes.at(newcomer.device) : 0;
  double weights = 0;
  for (const auto& d : devices) weights += PlacementWeight(d.availability);
  // With one copy a device's share is its weight's; with more, placement
  // can give a device at most one copy of each blob, so this is an estimate.
  const double ideal = static_cast<double>(TotalCopies(after)) * PlacementWeight(newcomer.availability) / weights;
  devices.pop_back();
  const PlacementPlan back = PlaceReplicas(devices, blobs, copies);
  const uint64_t moved_back = Moved(after, back, blobs);
  std::printf("  %-46s join: moved %7.1f GB, its share %7.1f GB (weight-proportional %7.1f GB), ratio %.2f"
              "  (target <= 1.5); leave: re-made %7.1f GB, ratio %.2f\n",
              label, moved / 1e9, share / 1e9, ideal / 1e9, share ? static_cast<double>(moved) / share : 0.0,
              moved_back / 1e9, share ? static_cast<double>(moved_back) / share : 0.0);
}

}  // namespace

int main() {
  std::mt19937_64 rng(2026);
  const auto blobs = Blobs(100'000, rng);
  std::printf("placement: 100,000 blobs of 1-50 MB\n");

  std::vector<PlacementDevice> three = {{Device(1), 1000, {}}, {Device(2), 1000, {}}, {Device(3), 1000, {}}};
  JoinAndLeave("3 always-on devices + 1, copies=1", three, {Device(4), 1000, {}}, 1, blobs);
  JoinAndLeave("3 always-on devices + 1, copies=2", three, {Device(4), 1000, {}}, 2, blobs);
  std::vector<PlacementDevice> home = {{Device(1), 990, {}}, {Device(2), 970, {}}, {Device(3), 300, {}},
                                       {Device(4), 250, {}}, {Device(5), 600, {}}};
  JoinAndLeave("PC, NAS, 2 laptops, desktop + NAS, copies=2", home, {Device(6), 1000, {}}, 2, blobs);
  JoinAndLeave("PC, NAS, 2 laptops, desktop + laptop, copies=2", home, {Device(6), 300, {}}, 2, blobs);
  std::vector<PlacementDevice> tight = {{Device(1), 1000, 1'200'000'000'000}, {Device(2), 1000, 1'500'000'000'000},
                                        {Device(3), 1000, {}}};
  JoinAndLeave("3 devices, two nearly full + 1, copies=2", tight, {Device(4), 1000, {}}, 2, blobs);
  std::vector<PlacementDevice> twelve;
  for (int i = 1; i <= 12; ++i) twelve.push_back({Device(i), static_cast<uint16_t>(300 + 60 * i), {}});
  JoinAndLeave("12 devices of mixed availability + 1, copies=3", twelve, {Device(13), 900, {}}, 3, blobs);

  // Speed of a whole plan, and the hashing it cannot avoid.
  std::vector<PlacementDevice> six(home.begin(), home.end());
  six.push_back({Device(6), 800, 2'000'000'000'000});
  size_t sink = 0;
  const std::vector<double> hashing = hearth::bench::Runs(3, [&] {
    uint8_t in[96] = {};
    for (const auto& b : blobs)
      for (const auto& d : six) {
        std::memcpy(in, d.device.bytes.data(), 32);
        std::memcpy(in + 32, b.blob.bytes.data(), 32);
        sink += crypto::Blake2b256(ByteSpan(in, 64))[0];
      }
  });
  const std::vector<double> plan =
      hearth::bench::Runs(3, [&] { sink += PlaceReplicas(six, blobs, 2).short_of_room; });
  std::printf("  a plan for 100,000 blobs on 6 devices (3 runs): %s s; baseline, BLAKE2b-256 of the 600,000 pairs: "
              "%s s  (%zu)\n",
              hearth::bench::List(plan, "%.3f").c_str(), hearth::bench::List(hashing, "%.3f").c_str(), sink % 2);
  return 0;
}

#include "protocol/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "crypto/hash.h"

namespace hearth {
namespace {

DeviceId Device(int i) {
  DeviceId d;
  d.bytes = crypto::Blake2b256(AsBytes("device " + std::to_string(i)));
  return d;
}

std::vector<PlacementBlob> Blobs(int n, uint64_t size = 1000) {
  std::vector<PlacementBlob> out;
  for (int i = 0; i < n; ++i) {
    BlobId b;
    b.bytes = crypto::Blake2b256(AsBytes("blob " + std::to_string(i)));
    out.push_back({b, size});
  }
  return out;
}

std::map<DeviceId, size_t> Counts(const PlacementPlan& plan) {
  std::map<DeviceId, size_t> n;
  for (const auto& [blob, devices] : plan.assigned)
    for (const DeviceId& d : devices) ++n[d];
  return n;
}

TEST(PlacementTest, EveryDeviceComputesTheSamePlanWhateverTheOrderOfItsInputs) {
  std::vector<PlacementDevice> devices = {{Device(1), 900, std::nullopt}, {Device(2), 400, 40'000},
                                          {Device(3), 1000, 100'000}};
  auto blobs = Blobs(200);
  const auto plan = PlaceReplicas(devices, blobs, 2);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(devices.begin(), devices.end(), rng);
    std::shuffle(blobs.begin(), blobs.end(), rng);
    const auto again = PlaceReplicas(devices, blobs, 2);
    EXPECT_EQ(again.assigned, plan.assigned);
    EXPECT_EQ(again.assigned_bytes, plan.assigned_bytes);
  }
}

TEST(PlacementTest, DevicesEquallyAvailableShareTheBlobsEvenly) {
  const std::vector<PlacementDevice> devices = {{Device(1), 1000, {}}, {Device(2), 1000, {}}, {Device(3), 1000, {}}};
  const auto plan = PlaceReplicas(devices, Blobs(3000), 1);
  for (const auto& [device, n] : Counts(plan)) {
    EXPECT_GT(n, 850u);
    EXPECT_LT(n, 1150u);
  }
  EXPECT_EQ(plan.short_of_room, 0u);
}

TEST(PlacementTest, AnAlwaysOnDeviceRanksBeforeALaptop) {
  // A PC online 98% of the time, a laptop 30%: nearly every blob's one copy
  // is on the PC; with two copies, on both.
  const std::vector<PlacementDevice> devices = {{Device(1), 980, {}}, {Device(2), 300, {}}};
  const auto one = Counts(PlaceReplicas(devices, Blobs(2000), 1));
  EXPECT_GT(one.at(Device(1)), 1940u);
  const auto two = Counts(PlaceReplicas(devices, Blobs(2000), 2));
  EXPECT_EQ(two.at(Device(1)), 2000u);
  EXPECT_EQ(two.at(Device(2)), 2000u);
}

TEST(PlacementTest, SmallUpsAndDownsOfAvailabilityMoveNothing) {
  const auto blobs = Blobs(1000);
  const auto a = PlaceReplicas(std::vector<PlacementDevice>{{Device(1), 910, {}}, {Device(2), 620, {}}}, blobs, 1);
  const auto b = PlaceReplicas(std::vector<PlacementDevice>{{Device(1), 949, {}}, {Device(2), 601, {}}}, blobs, 1);
  EXPECT_EQ(a.assigned, b.assigned);
  EXPECT_EQ(PlacementWeight(1000), 1.0);
  EXPECT_EQ(PlacementWeight(60000), 1.0) << "an impossible availability counts as full, no more";
  EXPECT_GT(PlacementWeight(0), 0.0);
}

TEST(PlacementTest, NoDeviceIsAssignedMoreThanItsRoomAndTheRestGoesToTheNext) {
  const std::vector<PlacementDevice> devices = {
      {Device(1), 1000, 50'000}, {Device(2), 1000, 300'000}, {Device(3), 500, std::nullopt}};
  const auto plan = PlaceReplicas(devices, Blobs(300), 2);
  EXPECT_LE(plan.assigned_bytes.at(Device(1)), 50'000u);
  EXPECT_LE(plan.assigned_bytes.at(Device(2)), 300'000u);
  EXPECT_EQ(plan.short_of_room, 0u) << "the device without a limit takes what does not fit";
  for (const auto& [blob, holders] : plan.assigned) EXPECT_EQ(holders.size(), 2u);
  EXPECT_EQ(plan.assigned_bytes.at(Device(1)), 50'000u) << "filled to its room, not less";
}

TEST(PlacementTest, WhatFitsNowhereIsCountedShortOfRoom) {
  const std::vector<PlacementDevice> devices = {{Device(1), 1000, 10'000}, {Device(2), 1000, 5'000}};
  auto blobs = Blobs(20);          // 20,000 bytes
  blobs.push_back(Blobs(21).back());
  blobs.back().size = 1'000'000;  // fits on neither
  const auto plan = PlaceReplicas(devices, blobs, 1);
  EXPECT_EQ(plan.assigned_bytes.at(Device(1)), 10'000u);
  EXPECT_EQ(plan.assigned_bytes.at(Device(2)), 5'000u);
  EXPECT_EQ(plan.short_of_room, 6u);
  EXPECT_EQ(plan.short_bytes, 1'005'000u);
  EXPECT_TRUE(plan.Assigned(blobs.back().blob).empty());
}

TEST(PlacementTest, MoreCopiesThanDevicesIsEveryDeviceAndNotShortOfRoom) {
  const std::vector<PlacementDevice> devices = {{Device(1), 0, {}}, {Device(2), 0, {}}};
  const auto plan = PlaceReplicas(devices, Blobs(10), 5);
  for (const auto& [blob, holders] : plan.assigned) EXPECT_EQ(holders.size(), 2u);
  EXPECT_EQ(plan.short_of_room, 0u);
  EXPECT_TRUE(PlaceReplicas({}, Blobs(3), 1).assigned.begin()->second.empty());
}

TEST(PlacementTest, ADeviceJoiningTakesOnlyItsShareAndNothingElseMoves) {
  std::vector<PlacementDevice> devices = {{Device(1), 1000, {}}, {Device(2), 1000, {}}, {Device(3), 1000, {}}};
  const auto blobs = Blobs(3000);
  const auto before = PlaceReplicas(devices, blobs, 2);
  devices.push_back({Device(4), 1000, {}});
  const auto after = PlaceReplicas(devices, blobs, 2);
  size_t moved = 0;
  for (const auto& [blob, holders] : after.assigned) {
    const auto& old = before.Assigned(blob);
    for (const DeviceId& d : holders) {
      if (std::find(old.begin(), old.end(), d) != old.end()) continue;
      EXPECT_EQ(d, Device(4)) << "a copy moved between devices that were there all along";
      ++moved;
    }
  }
  // Its fair share is a quarter of the 6,000 copies.
  EXPECT_GT(moved, 1300u);
  EXPECT_LT(moved, 1700u);
}

TEST(PlacementTest, RankingIsTheOrderPlacementFillsIn) {
  const std::vector<PlacementDevice> devices = {{Device(1), 700, {}}, {Device(2), 700, {}}, {Device(3), 700, {}}};
  for (const auto& b : Blobs(50)) {
    const auto ranked = RankDevices(b.blob, devices);
    ASSERT_EQ(ranked.size(), 3u);
    const auto plan = PlaceReplicas(devices, std::vector<PlacementBlob>{b}, 2);
    EXPECT_EQ(plan.Assigned(b.blob), (std::vector<DeviceId>{ranked[0], ranked[1]}));
  }
}

}  // namespace
}  // namespace hearth

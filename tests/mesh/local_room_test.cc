// What a device says of its own room, from its disk and the floor it keeps.
#include "node/mesh/local_room.h"

#include <gtest/gtest.h>

namespace hearth::mesh {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(LocalRoom, RoomIsWhatItHoldsPlusTheDiskAboveTheFloorRoundedDown) {
  const DiskSpace disk{100 * kGiB, 1000 * kGiB};  // 5% floor: 50 GiB
  const DeviceState s = LocalState(950, 30 * kGiB, 0, std::nullopt, disk, FreeSpaceFloor{});
  EXPECT_EQ(s.availability, 950);
  EXPECT_EQ(s.held_bytes, 30 * kGiB);
  ASSERT_TRUE(s.room);
  EXPECT_EQ(*s.room, 80 * kGiB);
  EXPECT_FALSE(s.disk_full);
  // A few MB more or less free space reports the same room.
  EXPECT_EQ(LocalState(950, 30 * kGiB, 0, std::nullopt, DiskSpace{100 * kGiB + 7 * kMiB, 1000 * kGiB}, {}).room,
            s.room);
  EXPECT_EQ(LocalState(950, 30 * kGiB, 0, std::nullopt, DiskSpace{100 * kGiB - 7 * kMiB, 1000 * kGiB}, {}).room,
            78 * kGiB) << "rounded down to a 32nd of its order of magnitude (2 GiB here)";
}

TEST(LocalRoom, ArrivingBytesCountAsOursAndACapacityCaps) {
  const DiskSpace disk{60 * kMiB, 200 * kMiB};  // floor 10 MiB
  EXPECT_EQ(LocalState(0, 0, 0, std::nullopt, disk, {}).room, 50 * kMiB);
  EXPECT_EQ(LocalState(0, 0, 20 * kMiB, std::nullopt, disk, {}).room, 70 * kMiB)
      << "a replica arriving does not shrink the room it was placed in";
  EXPECT_EQ(LocalState(0, 0, 0, 12 * kMiB, disk, {}).room, 12 * kMiB);
  EXPECT_EQ(LocalState(5000, UINT64_MAX, UINT64_MAX, std::nullopt, disk, {}).availability, 1000);
}

TEST(LocalRoom, AtTheFloorTheDiskIsFullAndNothingFits) {
  FreeSpaceFloor floor;
  floor.bytes = 10 * kMiB;
  const DiskSpace disk{10 * kMiB, 100 * kMiB};
  const DeviceState s = LocalState(0, 3 * kMiB, 0, std::nullopt, disk, floor);
  EXPECT_TRUE(s.disk_full);
  EXPECT_EQ(s.room, 3 * kMiB);
  EXPECT_FALSE(Fits(1, disk, floor));
  EXPECT_TRUE(Fits(5 * kMiB, DiskSpace{15 * kMiB, 100 * kMiB}, floor));
  EXPECT_FALSE(Fits(5 * kMiB + 1, DiskSpace{15 * kMiB, 100 * kMiB}, floor));
}

TEST(LocalRoom, FloorsAreParsedOrRefusedWithAReason) {
  EXPECT_EQ(ParseFreeSpaceFloor("5%")->permille, 50);
  EXPECT_EQ(ParseFreeSpaceFloor("0.5%")->permille, 5);
  EXPECT_EQ(ParseFreeSpaceFloor("0%")->permille, 0);
  EXPECT_EQ(ParseFreeSpaceFloor("12.5%")->On(DiskSpace{0, 1000}), 125u);
  for (const char* bad : {"", "5", "%", "x%", "5.%", "5.25%", "-1%", "91%", "1234%"}) {
    auto r = ParseFreeSpaceFloor(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_FALSE(r.error().empty());
    }
  }
}

}  // namespace
}  // namespace hearth::mesh

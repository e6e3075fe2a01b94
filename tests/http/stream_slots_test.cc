// The stream limit's bookkeeping (node/http/stream_slots.h): per owned copy,
// one playback per listener and client however many requests it makes, at
// most two slots per client, other devices' slots from their whole sets,
// and every slot lapsing by itself.
#include <gtest/gtest.h>

#include "node/http/stream_slots.h"

namespace hearth::http {
namespace {

constexpr int64_t kSecond = 1'000'000;

TrackId Track(uint8_t n) {
  TrackId t;
  t.bytes.fill(n);
  return t;
}

DeviceId Device(uint8_t n) {
  DeviceId d;
  d.bytes.fill(n);
  return d;
}

TEST(StreamSlots, TheLimitCountsEveryDeviceAndEachOwnedCopy) {
  StreamSlots slots;
  const int64_t t0 = 1000 * kSecond;
  // Another device plays track 1.
  slots.SetPeer(Device(9), {StreamSlot{Track(1), 60'000}}, t0);
  EXPECT_EQ(slots.Playing(Track(1), t0), 1u);
  // One copy, limit 1: refused, with the reason.
  auto refused = slots.Acquire("anna", "10.0.0.5", Track(1), 180 * kSecond, 1, 1, t0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().playing, 1u);
  EXPECT_EQ(refused.error().limit, 1u);
  EXPECT_NE(refused.error().Message().find("stream_limit is 1 per owned copy"), std::string::npos);
  // Two copies (a track claimed twice): a second stream may play, a third not.
  EXPECT_TRUE(slots.Acquire("anna", "10.0.0.5", Track(1), 180 * kSecond, 1, 2, t0));
  EXPECT_FALSE(slots.Acquire("ben", "10.0.0.6", Track(1), 180 * kSecond, 1, 2, t0));
  // No limit: anything plays.
  EXPECT_TRUE(slots.Acquire("ben", "10.0.0.6", Track(1), 180 * kSecond, 0, 1, t0));
  // Another track is another count.
  EXPECT_TRUE(slots.Acquire("carl", "10.0.0.7", Track(2), 180 * kSecond, 1, 1, t0));
}

TEST(StreamSlots, OnePlaybackRenewsItsSlotAndItLapsesAfterTheTracksDuration) {
  StreamSlots slots;
  const int64_t t0 = 1000 * kSecond;
  auto first = slots.Acquire("anna", "10.0.0.5", Track(1), 3 * kSecond, 1, 1, t0);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);  // new: the mesh hears of it
  // Range requests and seeks of the same playback: allowed; news only when
  // they move its end by a second or more.
  auto again = slots.Acquire("anna", "10.0.0.5", Track(1), 3 * kSecond, 1, 1, t0 + kSecond / 2);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  // Someone else: refused while it plays...
  EXPECT_FALSE(slots.Acquire("ben", "10.0.0.6", Track(1), 3 * kSecond, 1, 1, t0 + 2 * kSecond));
  ASSERT_EQ(slots.Local(t0 + 2 * kSecond).size(), 1u);
  EXPECT_EQ(slots.Local(t0 + 2 * kSecond)[0].left_ms, 1500u);
  auto later = slots.Acquire("anna", "10.0.0.5", Track(1), 3 * kSecond, 1, 1, t0 + 2 * kSecond);
  ASSERT_TRUE(later);
  EXPECT_TRUE(*later);  // moved from 3.5 s to 5 s
  // ... and allowed once the duration since its latest request has passed.
  EXPECT_FALSE(slots.Acquire("ben", "10.0.0.6", Track(1), 3 * kSecond, 1, 1, t0 + 5 * kSecond - 1));
  EXPECT_TRUE(slots.Acquire("ben", "10.0.0.6", Track(1), 3 * kSecond, 1, 1, t0 + 5 * kSecond));
  EXPECT_EQ(slots.Playing(Track(1), t0 + 5 * kSecond), 1u);
}

TEST(StreamSlots, AClientHoldsTwoSlotsAndAThirdReleasesTheOldest) {
  StreamSlots slots;
  const int64_t t0 = 1000 * kSecond;
  ASSERT_TRUE(slots.Acquire("anna", "web", Track(1), 180 * kSecond, 1, 1, t0));
  ASSERT_TRUE(slots.Acquire("anna", "web", Track(2), 180 * kSecond, 1, 1, t0 + 1));  // loaded ahead
  EXPECT_EQ(slots.Playing(Track(1), t0 + 2), 1u);
  ASSERT_TRUE(slots.Acquire("anna", "web", Track(3), 180 * kSecond, 1, 1, t0 + 2));  // skipped on
  EXPECT_EQ(slots.Playing(Track(1), t0 + 3), 0u);
  EXPECT_EQ(slots.Playing(Track(2), t0 + 3), 1u);
  EXPECT_EQ(slots.Local(t0 + 3).size(), 2u);
}

TEST(StreamSlots, APeersWholeSetReplacesWhatItSaidAndItsSlotsLapseOnTheirOwn) {
  StreamSlots slots;
  const int64_t t0 = 1000 * kSecond;
  slots.SetPeer(Device(9), {StreamSlot{Track(1), 5'000}, StreamSlot{Track(2), 60'000}}, t0);
  EXPECT_EQ(slots.AllPlaying(t0).size(), 2u);
  slots.SetPeer(Device(9), {StreamSlot{Track(2), 60'000}}, t0 + kSecond);
  EXPECT_EQ(slots.Playing(Track(1), t0 + kSecond), 0u);
  EXPECT_EQ(slots.Playing(Track(2), t0 + kSecond), 1u);
  // The device goes silent: its slot still lapses when its time is up.
  EXPECT_EQ(slots.Playing(Track(2), t0 + 61 * kSecond + 1), 0u);
  // An empty set: the device plays nothing now.
  slots.SetPeer(Device(8), {StreamSlot{Track(2), 1'000}}, t0);
  EXPECT_EQ(slots.Playing(Track(2), t0), 2u);
  slots.SetPeer(Device(8), {}, t0);
  EXPECT_EQ(slots.Playing(Track(2), t0), 1u);
}

}  // namespace
}  // namespace hearth::http

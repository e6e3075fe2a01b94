// Whom the HTTP server lets go when a new client needs a slot, and whom it
// refuses.
#include "node/http/connection_table.h"

#include <gtest/gtest.h>

namespace hearth::http {
namespace {

using State = ConnectionTable::State;
using Address = ConnectionTable::Address;
using Id = ConnectionTable::Id;
const Address kA = boost::asio::ip::make_address("10.0.0.1");
const Address kB = boost::asio::ip::make_address("10.0.0.2");
const Address kC = boost::asio::ip::make_address("10.0.0.3");
// Seconds on the table's clock: far apart enough that nobody is fresh or
// out of tokens unless a test says so.
ConnectionTable::Time At(int s) { return ConnectionTable::Time{} + std::chrono::seconds(1000 + s); }

Id AddAt(ConnectionTable& t, const Address& a, int s, State state = State::kWaiting) {
  auto admitted = t.Admit(a, At(s));
  EXPECT_TRUE(admitted.id);
  if (state != State::kWaiting) t.Set(*admitted.id, state, At(s));
  return admitted.id.value_or(0);
}

TEST(ConnectionTableTest, AdmitsFreelyWhileThereIsRoom) {
  ConnectionTable t({.total = 3, .per_address = 2});
  AddAt(t, kA, 0);
  AddAt(t, kB, 1);
  auto d = t.Admit(kC, At(2));
  EXPECT_TRUE(d.id);
  EXPECT_FALSE(d.evicted);
  EXPECT_EQ(t.size(), 3u);
}

TEST(ConnectionTableTest, AnIdleConnectionMakesRoomBeforeAHalfSentRequest) {
  ConnectionTable t({.total = 3, .per_address = 3});
  const Id slow = AddAt(t, kA, 0, State::kReading);
  const Id idle_new = AddAt(t, kB, 5);
  const Id idle_old = AddAt(t, kC, 2);
  auto d = t.Admit(kA, At(10));
  ASSERT_TRUE(d.id);
  EXPECT_EQ(d.evicted, idle_old);  // idle first, the oldest of them
  EXPECT_FALSE(t.Contains(idle_old));
  // With no idle connection left (the newcomer is busy, so is another),
  // the half-sent request makes room.
  t.Set(*d.id, State::kBusy, At(10));
  t.Set(idle_new, State::kBusy, At(10));
  EXPECT_EQ(t.Admit(kC, At(11)).evicted, slow);
}

TEST(ConnectionTableTest, TheAddressHoldingMostGivesWayFirst) {
  ConnectionTable t({.total = 4, .per_address = 4});
  AddAt(t, kA, 0);  // the oldest, but its address holds one
  const Id b1 = AddAt(t, kB, 1);
  AddAt(t, kB, 2);
  AddAt(t, kB, 3);
  EXPECT_EQ(t.Admit(kC, At(10)).evicted, b1);
}

TEST(ConnectionTableTest, AFreshConnectionIsLetGoOnlyWhenAllAreFresh) {
  ConnectionTable t({.total = 2, .per_address = 4, .grace = std::chrono::milliseconds(250)});
  const Id slow = AddAt(t, kB, 0, State::kReading);
  // A client admitted a moment ago, whose request has not been read yet.
  const auto just = t.Admit(kA, At(10));
  ASSERT_TRUE(just.id);
  // The next newcomer pushes out the old slowloris, not the fresh one,
  // although the fresh one is (still) waiting.
  auto next = t.Admit(kC, At(10) + std::chrono::milliseconds(10));
  EXPECT_EQ(next.evicted, slow);
  // Now both are fresh: the older of them goes.
  EXPECT_EQ(t.Admit(kB, At(10) + std::chrono::milliseconds(20)).evicted, just.id);
}

TEST(ConnectionTableTest, ASlowlorisGivesWayWhenNothingIsIdle) {
  ConnectionTable t({.total = 2, .per_address = 2});
  AddAt(t, kA, 0, State::kBusy);
  const Id slow = AddAt(t, kB, 1, State::kReading);
  auto d = t.Admit(kC, At(10));
  EXPECT_TRUE(d.id);
  EXPECT_EQ(d.evicted, slow);
}

TEST(ConnectionTableTest, BusyConnectionsAreNeverLetGoSoTheNewcomerIsRefused) {
  ConnectionTable t({.total = 2, .per_address = 2});
  AddAt(t, kA, 0, State::kBusy);
  AddAt(t, kB, 0, State::kBusy);
  auto d = t.Admit(kC, At(10));
  EXPECT_FALSE(d.id);
  EXPECT_FALSE(d.evicted);
  EXPECT_EQ(d.refusal, ConnectionTable::Refusal::kAllBusy);
  EXPECT_FALSE(t.AnyVictim(At(10)));
  EXPECT_EQ(t.size(), 2u);
}

TEST(ConnectionTableTest, AnAddressAtItsLimitMakesRoomFromItsOwnConnections) {
  ConnectionTable t({.total = 10, .per_address = 2});
  AddAt(t, kB, 0);  // older, but another address's
  const Id a1 = AddAt(t, kA, 1);
  const Id a2 = AddAt(t, kA, 2);
  auto d = t.Admit(kA, At(10));
  EXPECT_TRUE(d.id);
  EXPECT_EQ(d.evicted, a1);
  t.Set(a2, State::kBusy, At(11));
  t.Set(*d.id, State::kBusy, At(11));
  d = t.Admit(kA, At(12));
  EXPECT_FALSE(d.id) << "all of its own are answering: refused, and nobody else's is taken";
  EXPECT_EQ(t.CountAt(kB), 1u);
  EXPECT_TRUE(t.Admit(kC, At(12)).id);
}

TEST(ConnectionTableTest, PushingOthersOutIsRationedPerAddress) {
  ConnectionTable t({.total = 2, .per_address = 4});  // 4 a second, bursts of 8
  AddAt(t, kB, 0);
  AddAt(t, kB, 0);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    auto d = t.Admit(kA, At(0));
    if (d.id) {
      ++admitted;
      EXPECT_TRUE(d.evicted);
      t.Remove(*d.id);  // gone at once, and back
      AddAt(t, kB, 0);  // (kB refills the slot; it has room, so it is not rationed)
    } else {
      EXPECT_EQ(d.refusal, ConnectionTable::Refusal::kTooFast);
    }
  }
  EXPECT_EQ(admitted, 8);
  EXPECT_TRUE(t.Admit(kC, At(0)).id) << "other addresses are not held back";
  EXPECT_TRUE(t.Admit(kA, At(1)).id) << "a second later it may again";
}

TEST(ConnectionTableTest, WithRoomToSpareNobodyIsRationed) {
  ConnectionTable t({.total = 1000, .per_address = 4});
  for (int i = 0; i < 100; ++i) {
    auto d = t.Admit(kA, At(0));
    ASSERT_TRUE(d.id) << i;
    t.Remove(*d.id);
  }
}

TEST(ConnectionTableTest, CountsFollowAddsAndRemovals) {
  ConnectionTable t({.total = 10, .per_address = 10});
  const Id a = AddAt(t, kA, 0);
  AddAt(t, kA, 0);
  EXPECT_EQ(t.CountAt(kA), 2u);
  t.Remove(a);
  t.Remove(a);  // twice: no effect
  t.Set(a, State::kBusy, At(1));  // unknown: no effect
  EXPECT_EQ(t.CountAt(kA), 1u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.CountIn(State::kWaiting), 1u);
  EXPECT_FALSE(t.Contains(a));
}

}  // namespace
}  // namespace hearth::http

// LoginThrottle on a clock the test moves: free mistakes, then waits that
// double up to a cap, per address and per user; a right password clears
// both; old entries are forgotten and the tables stay bounded.
#include "node/http/login_throttle.h"

#include <gtest/gtest.h>

namespace hearth::http {
namespace {

constexpr int64_t kS = 1'000'000;

TEST(LoginThrottle, MistakesAreFreeThenWaitsDoubleUpToTheCap) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(t.WaitUs("10.0.0.1", "ana"), 0) << i;
    t.Failed("10.0.0.1", "ana");
  }
  EXPECT_EQ(t.WaitUs("10.0.0.1", "ana"), 0) << "five mistakes cost nothing";
  t.Failed("10.0.0.1", "ana");
  EXPECT_EQ(t.WaitUs("10.0.0.1", "ana"), 1 * kS);
  now += 1 * kS;
  t.Failed("10.0.0.1", "ana");
  EXPECT_EQ(t.WaitUs("10.0.0.1", "ana"), 2 * kS);
  for (int i = 0; i < 20; ++i) t.Failed("10.0.0.1", "ana");
  EXPECT_EQ(t.WaitUs("10.0.0.1", "ana"), LoginThrottle::kMaxWaitUs);
  // Per address and per user: another address for the same user waits, and
  // another user from the same address too; others do not.
  EXPECT_GT(t.WaitUs("10.0.0.2", "ana"), 0);
  EXPECT_GT(t.WaitUs("10.0.0.1", "bo"), 0);
  EXPECT_EQ(t.WaitUs("10.0.0.2", "bo"), 0);
}

TEST(LoginThrottle, ARightPasswordClearsAndAnHourForgets) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  for (int i = 0; i < 8; ++i) t.Failed("a", "ana");
  EXPECT_GT(t.WaitUs("a", "ana"), 0);
  t.Succeeded("a", "ana");
  EXPECT_EQ(t.WaitUs("a", "ana"), 0);
  for (int i = 0; i < 8; ++i) t.Failed("a", "ana");
  now += LoginThrottle::kForgetAfterUs + 1;
  EXPECT_EQ(t.WaitUs("a", "ana"), 0);
  t.Failed("a", "ana");
  EXPECT_EQ(t.WaitUs("a", "ana"), 0) << "counting starts again after an hour";
}

TEST(LoginThrottle, AFloodOfAddressesStaysBounded) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  for (int i = 0; i < 8; ++i) t.Failed("first", "ana");
  for (size_t i = 0; i < LoginThrottle::kMaxEntries + 100; ++i) {
    now += 1;
    t.Failed("addr-" + std::to_string(i), "user-" + std::to_string(i));
  }
  // The oldest went first: the first address is forgotten, the newest kept.
  EXPECT_EQ(t.WaitUs("first", "nobody"), 0);
  for (int i = 0; i < 5; ++i) t.Failed("addr-x", "u");
  t.Failed("addr-x", "u");
  EXPECT_GT(t.WaitUs("addr-x", "someone-else"), 0);
}

}  // namespace
}  // namespace hearth::http

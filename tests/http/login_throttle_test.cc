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

TEST(LoginThrottle, AFloodOfAddressesStaysBoundedAndCannotPushOutAWaitingEntry) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  for (int i = 0; i < 8; ++i) t.Failed("guesser", "ana");
  const int64_t waiting = t.WaitUs("guesser", "nobody");
  ASSERT_GT(waiting, 0);
  for (size_t i = 0; i < LoginThrottle::kMaxEntries + 100; ++i) {
    now += 1;
    t.Failed("addr-" + std::to_string(i), "user-" + std::to_string(i));
  }
  EXPECT_LE(t.entries(), 3 * LoginThrottle::kMaxEntries);
  // The flood's own entries (one mistake each, nobody waiting) went first:
  // the guesser is still held back.
  EXPECT_GT(t.WaitUs("guesser", "nobody"), 0);
  EXPECT_GT(t.WaitUs("elsewhere", "ana"), 0);
}

// Someone guessing Ana's password from elsewhere: her own devices, which
// logged in as her before, still get in; a new place has to wait.
TEST(LoginThrottle, AGuesserCannotLockTheOwnerOut) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  t.Succeeded("home", "ana");
  now += 86'400 * kS;
  for (int i = 0; i < 20; ++i) t.Failed("guesser", "ana");
  EXPECT_EQ(t.WaitUs("home", "ana"), 0);
  EXPECT_GT(t.WaitUs("new-place", "ana"), 0);
  EXPECT_GT(t.WaitUs("guesser", "ana"), 0);
  // A device known that long ago is not known any more.
  now += LoginThrottle::kKnownForUs;
  for (int i = 0; i < 20; ++i) t.Failed("guesser", "ana");
  EXPECT_GT(t.WaitUs("home", "ana"), 0);
}

// A guesser with an account of its own cannot log in to it to clear the
// count its address earned guessing someone else's.
TEST(LoginThrottle, ARightPasswordForAnotherUserDoesNotClearTheAddress) {
  int64_t now = 1'000 * kS;
  LoginThrottle t([&] { return now; });
  for (int i = 0; i < 8; ++i) t.Failed("guesser", "ana");
  now += LoginThrottle::kMaxWaitUs;
  t.Succeeded("guesser", "mallory");
  t.Failed("guesser", "ana");
  EXPECT_GT(t.WaitUs("guesser", "bo"), 0) << "the ninth mistake from that address still costs a wait";
}

// IPv4 as is; IPv6 by its /64 (one network); IPv4 over IPv6 as IPv4.
TEST(LoginThrottle, ClientKeys) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(LoginThrottle::ClientKey(make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(LoginThrottle::ClientKey(make_address("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(LoginThrottle::ClientKey(make_address("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
  EXPECT_EQ(LoginThrottle::ClientKey(make_address("::ffff:192.0.2.7")), "192.0.2.7");
}

}  // namespace
}  // namespace hearth::http

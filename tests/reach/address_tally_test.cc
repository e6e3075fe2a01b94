#include "node/reach/address_tally.h"

#include <gtest/gtest.h>

namespace hearth::reach {
namespace {

using std::chrono::seconds;

TEST(AddressTally, TheFirstNodeToSaySetsTheAddressAndANewOneTakesAtOnce) {
  AddressTally t;
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(t.address(), "");
  EXPECT_TRUE(t.Vote("198.20.0.1", "198.20.0.2", t0));
  EXPECT_EQ(t.address(), "198.20.0.2");
  EXPECT_FALSE(t.Vote("198.20.0.1", "198.20.0.2", t0 + seconds(5))) << "no change";
  // The router's public address changed: the node now sees the new one.
  EXPECT_TRUE(t.Vote("198.20.0.1", "198.20.0.6", t0 + seconds(10)));
  EXPECT_EQ(t.address(), "198.20.0.6");
  EXPECT_EQ(t.voters(), 1u);
}

TEST(AddressTally, MostNodesWinAndOneHostHasOneVote) {
  AddressTally t;
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  t.Vote("10.0.0.1", "203.0.113.5", t0);
  t.Vote("10.0.0.2", "203.0.113.5", t0 + seconds(1));
  // A liar, many times (its ports do not count: the caller gives the IP).
  for (int i = 0; i < 10; ++i) t.Vote("10.0.0.3", "192.0.2.66", t0 + seconds(2 + i));
  EXPECT_EQ(t.address(), "203.0.113.5");
  EXPECT_EQ(t.voters(), 2u);
  // A tie goes to the address named last.
  t.Vote("10.0.0.4", "192.0.2.66", t0 + seconds(20));
  EXPECT_EQ(t.address(), "192.0.2.66");
  // Old votes are forgotten: one fresh vote outweighs them all.
  EXPECT_TRUE(t.Vote("10.0.0.5", "203.0.113.5", t0 + seconds(21) + AddressTally::kVoteMaxAge));
  EXPECT_EQ(t.address(), "203.0.113.5");
  EXPECT_EQ(t.voters(), 1u);
}

TEST(AddressTally, KeepsAtMostSoManyVoters) {
  AddressTally t;
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  for (size_t i = 0; i < 2 * AddressTally::kMaxVoters; ++i)
    t.Vote("10.1.0." + std::to_string(i), "203.0.113.5", t0 + seconds(static_cast<int>(i)));
  EXPECT_EQ(t.voters(), AddressTally::kMaxVoters);
  EXPECT_FALSE(t.Vote("", "192.0.2.1", t0)) << "no node, no vote";
  EXPECT_FALSE(t.Vote("10.9.9.9", "", t0));
}

}  // namespace
}  // namespace hearth::reach

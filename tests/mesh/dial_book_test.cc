// DialBook: which addresses a node dials, and when it tries again.
#include "node/mesh/dial_book.h"

#include <gtest/gtest.h>

namespace hearth::mesh {
namespace {

using std::chrono::seconds;

class DialBookTest : public ::testing::Test {
 protected:
  DialBookTest() { pc_.bytes.fill(1); }
  std::vector<std::string> Due(DialBook::Time at, bool skip_pc = false) {
    return book_.Due(at, [&](const DeviceId& d) { return skip_pc && d == pc_; });
  }

  DialBook book_;
  DeviceId pc_;
  DialBook::Time t0_ = DialBook::Time(std::chrono::hours(1));
};

TEST_F(DialBookTest, RetriesBackOffFromOneSecondDoublingUpToThirty) {
  ASSERT_TRUE(book_.Add("127.0.0.1:7601", "127.0.0.1", 7601));
  EXPECT_FALSE(book_.Add("127.0.0.1:7601", "10.0.0.9", 1));  // known: kept as it was
  EXPECT_EQ(book_.at("127.0.0.1:7601").host, "127.0.0.1");
  EXPECT_EQ(Due(t0_), std::vector<std::string>{"127.0.0.1:7601"});
  DialBook::Time now = t0_;
  const int expected[] = {1, 2, 4, 8, 16, 30, 30};
  for (int wait : expected) {
    book_.Dialing("127.0.0.1:7601");
    EXPECT_TRUE(Due(now + seconds(100)).empty()) << "not while connecting";
    book_.Failed("127.0.0.1:7601", now);
    EXPECT_TRUE(Due(now + seconds(wait) - std::chrono::milliseconds(1)).empty()) << wait;
    EXPECT_EQ(Due(now + seconds(wait)).size(), 1u) << wait;
    now += seconds(wait);
  }
  // An admitted session starts the backoff over.
  book_.Dialing("127.0.0.1:7601");
  book_.Connected("127.0.0.1:7601", pc_);
  book_.Failed("127.0.0.1:7601", now);
  EXPECT_EQ(Due(now + seconds(1)).size(), 1u);
}

TEST_F(DialBookTest, ConnectedOrRevokedDevicesAndUndialableAddressesAreSkipped) {
  book_.Learn("10.0.0.2:7601", "10.0.0.2", 7601, pc_, t0_ + seconds(1));
  book_.Add("[::1]:7601", "::1", 7601);
  EXPECT_EQ(Due(t0_), std::vector<std::string>{"[::1]:7601"});  // the HELLO's address waits a second
  EXPECT_EQ(Due(t0_ + seconds(1)).size(), 2u);
  EXPECT_EQ(Due(t0_ + seconds(1), /*skip_pc=*/true), std::vector<std::string>{"[::1]:7601"});
  book_.Failed("[::1]:7601", t0_, /*for_good=*/true);
  EXPECT_EQ(Due(t0_ + std::chrono::hours(24 * 365)), std::vector<std::string>{"10.0.0.2:7601"});
}

}  // namespace
}  // namespace hearth::mesh

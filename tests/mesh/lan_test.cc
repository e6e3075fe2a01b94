// LAN discovery, inside network namespaces this test creates (and only
// there): three namespaces on one bridge. Two devices of a household that do
// not know each other's address find each other by beacon; a node of another
// household on the same LAN hears the beacons and learns nothing it can use.
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "node/store/database.h"
#include "protocol/beacon.h"
#include "tests/mesh/mesh_fixture.h"
#include "tests/mesh/netns_bridge.h"

namespace hearth::testing {
namespace {

TEST(BeaconTest, OnlyTheHouseholdRecognisesItsBeacon) {
  HouseholdId ours, theirs;
  ours.bytes[0] = 1;
  theirs.bytes[0] = 2;
  Beacon b;
  b.nonce[3] = 9;
  b.control_port = 7601;
  Bytes d = EncodeBeacon(ours, b);
  ASSERT_EQ(d.size(), kBeaconSize);
  ASSERT_TRUE(DecodeBeacon(ours, d).has_value());
  EXPECT_EQ(DecodeBeacon(ours, d)->control_port, 7601);
  EXPECT_FALSE(DecodeBeacon(theirs, d).has_value());
  // The household id does not appear in the datagram.
  EXPECT_EQ(std::search(d.begin(), d.end(), ours.bytes.begin(), ours.bytes.end()), d.end());
  for (size_t i = 0; i < d.size(); ++i) {
    Bytes bad = d;
    bad[i] ^= 1;
    EXPECT_FALSE(DecodeBeacon(ours, bad).has_value()) << i;
  }
  EXPECT_FALSE(DecodeBeacon(ours, Bytes(d.begin(), d.end() - 1)).has_value());
}

class LanTest : public MeshFixture {
 protected:
  void SetUp() override {
    std::string error;
    const std::string skip = net_.Make({"a", "b", "o"}, &error);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_EQ(error, "");
  }
  std::vector<std::string> In(const std::string& n) const { return net_.In(n); }
  CommandResult HearthIn(const std::string& n, const std::string& home, const std::string& args) {
    return RunCommand("ip netns exec " + net_.Ns(n) + " " + std::string(HEARTH_BIN) + " --home " + Quote(Home(home)) +
                      " " + args);
  }

  NetnsBridge net_{'h', "10.77.0", /*multicast=*/true};
};

TEST_F(LanTest, HouseholdDevicesFindEachOtherByBeaconAndOutsidersLearnNothing) {
  InitAndImport("a", 1);
  {
    NodeProcess a(HEARTH_BIN, Home("a"), {"--no-lan"}, In("a"), "10.77.0.1:7601");
    ASSERT_TRUE(a.started()) << a.Log();
    auto join = HearthIn("b", "b", "join " + Quote(Invite("a", "--address 10.77.0.1:7601")) + " --device-name b");
    ASSERT_EQ(join.exit_code, 0) << join.err;
  }
  // Neither knows where the other is now.
  ForgetAddresses(Home("a"));
  ForgetAddresses(Home("b"));
  ASSERT_EQ(Hearth("o", "init --name Other --device-name o").exit_code, 0);

  NodeProcess o(HEARTH_BIN, Home("o"), {}, In("o"), "10.77.0.3:7601");
  NodeProcess a(HEARTH_BIN, Home("a"), {}, In("a"), "10.77.0.1:7601");
  NodeProcess b(HEARTH_BIN, Home("b"), {}, In("b"), "10.77.0.2:7601");
  ASSERT_TRUE(o.started() && a.started() && b.started()) << a.Log() << b.Log() << o.Log();
  EXPECT_TRUE(b.WaitForLog("connected to a", std::chrono::seconds(20))) << b.Log();
  EXPECT_TRUE(a.WaitForLog("found a household device at 10.77.0.2")) << a.Log();
  EXPECT_TRUE(Eventually([&] { return TrackIds("b").size() == 1; })) << b.Log();
  // The outsider heard both devices' beacons: it recognised neither, dialed
  // no one, and no node heard from it.
  EXPECT_TRUE(o.WaitForLog("heard a LAN beacon from 10.77.0.1 that is not this household's")) << o.Log();
  EXPECT_TRUE(o.WaitForLog("heard a LAN beacon from 10.77.0.2 that is not this household's")) << o.Log();
  // And the devices heard the outsider's, and ignored it.
  EXPECT_TRUE(a.WaitForLog("heard a LAN beacon from 10.77.0.3 that is not this household's")) << a.Log();
  EXPECT_EQ(o.Log().find("found"), std::string::npos) << o.Log();
  EXPECT_EQ(o.Log().find("connected"), std::string::npos) << o.Log();
  // The devices' only word of the outsider is that its beacon was ignored.
  for (const NodeProcess* n : {&a, &b}) {
    std::istringstream lines(n->Log());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("10.77.0.3") == std::string::npos) continue;
      EXPECT_NE(line.find("heard a LAN beacon from 10.77.0.3 that is not this household's"), std::string::npos)
          << line;
    }
  }
}

}  // namespace
}  // namespace hearth::testing

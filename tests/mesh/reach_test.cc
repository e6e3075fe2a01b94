// Reach through the DHT, inside network namespaces this test creates (and
// only there): a private DHT node and two devices of a household on one
// bridge, with no LAN beacon. Once neither device knows where the other
// listens, they find each other only through their rendezvous records in
// the DHT -- and only while the household's policy says reach=on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>

#include "node/store/database.h"
#include "tests/mesh/mesh_fixture.h"
#include "tests/mesh/netns_bridge.h"
#include "tests/support/logged_process.h"

namespace hearth::testing {
namespace {

class ReachTest : public MeshFixture {
 protected:
  void SetUp() override {
    std::string error;
    const std::string skip = net_.Make({"d", "a", "b"}, &error);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_EQ(error, "");
  }
  std::string Ns(const std::string& n) const { return net_.Ns(n); }
  std::vector<std::string> In(const std::string& n) const { return net_.In(n); }

  NetnsBridge net_{'r', "10.78.0"};
};

TEST_F(ReachTest, DevicesThatLostEachOthersAddressesMeetAgainThroughTheDht) {
  InitAndImport("a", 1);
  const std::string track = TrackIds("a").at(0);
  std::vector<std::string> dht_argv = In("d");
  for (const char* arg : {HEARTH_BIN, "dht-node", "--listen", "10.78.0.1:6881"}) dht_argv.push_back(arg);
  for (const char* arg : {"--record", ""}) dht_argv.push_back(arg);
  dht_argv.back() = Home("outsider.jsonl");
  LoggedProcess dht(dht_argv, Home("dht.log"));
  ASSERT_TRUE(dht.WaitForLog("listening on UDP 10.78.0.1:6881")) << dht.Log();
  const std::vector<std::string> reach = {"--no-lan", "--dht-bootstrap", "10.78.0.1:6881"};
  {
    NodeProcess a(HEARTH_BIN, Home("a"), reach, In("a"), "10.78.0.2:7601");
    ASSERT_TRUE(a.started()) << a.Log();
    // Off by default: no DHT until an admin says so.
    EXPECT_FALSE(Json("a", "policy show")["reach"].get<bool>());
    EXPECT_EQ(a.Log().find("reach:"), std::string::npos) << a.Log();
    auto outsider_saw = [&] {
      const std::vector<uint8_t> bytes = ReadFileBytes(Home("outsider.jsonl"));
      return std::string(bytes.begin(), bytes.end());
    };
    EXPECT_EQ(outsider_saw().find("10.78.0.2"), std::string::npos) << outsider_saw();  // not a packet
    ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
    EXPECT_TRUE(Json("a", "policy show")["reach"].get<bool>());
    EXPECT_TRUE(a.WaitForLog("reach: in the DHT on UDP port")) << a.Log();
    EXPECT_TRUE(a.WaitForLog("reach: published this device's addresses (10.78.0.2:7601)")) << a.Log();
    EXPECT_NE(outsider_saw().find(R"("from":"10.78.0.2:)"), std::string::npos) << outsider_saw();
    auto join = RunCommand("ip netns exec " + Ns("b") + " " + std::string(HEARTH_BIN) + " --home " +
                           Quote(Home("b")) + " join " + Quote(Invite("a", "--address 10.78.0.2:7601")) +
                           " --device-name b");
    ASSERT_EQ(join.exit_code, 0) << join.err;
  }
  // While b is away, a asks for two copies of everything: b must fetch.
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  // What must never show in the DHT: the household's id and its devices'.
  std::vector<std::string> secrets = {Json("a", "status")["household"]["id"].get<std::string>()};
  for (const char* home : {"a", "b"}) {
    auto db = store::Database::Open(Home(home) + "/hearth.db", false);
    ASSERT_TRUE(db.has_value());
    auto st = db->Prepare("SELECT lower(hex(device)) FROM peers");
    ASSERT_TRUE(st.has_value());
    ASSERT_TRUE(st->ForEach([&](const store::Statement& row) { secrets.push_back(*row.Text(0)); }).has_value());
  }
  ASSERT_EQ(secrets.size(), 3u);
  // Neither knows where the other is now, and a listens elsewhere.
  ForgetAddresses(Home("a"));
  ForgetAddresses(Home("b"));
  NodeProcess a(HEARTH_BIN, Home("a"), reach, In("a"), "10.78.0.2:7611");
  NodeProcess b(HEARTH_BIN, Home("b"), reach, In("b"), "10.78.0.3:7601");
  ASSERT_TRUE(a.started() && b.started()) << a.Log() << b.Log();
  EXPECT_TRUE(a.WaitForLog("reach: published this device's addresses (10.78.0.2:7611)", std::chrono::seconds(30)))
      << a.Log();
  EXPECT_TRUE(b.WaitForLog("connected to a", std::chrono::seconds(60))) << b.Log() << a.Log();
  // Whichever dialed, it dialed what it found in the DHT: b may first meet
  // a's record of before (same day, port 7601) until a's new one replaces it.
  EXPECT_TRUE(a.Log().find("reach: found b (") != std::string::npos ||
              b.Log().find(") through the DHT at 10.78.0.2:7611") != std::string::npos)
      << a.Log() << b.Log();
  // The session is a whole one: the policy arrives, and b fetches its copy.
  EXPECT_TRUE(Eventually([&] { return Json("b", "policy show")["copies"].get<int>() == 2; })) << b.Log();
  EXPECT_TRUE(Eventually([&] { return Holds("b", track); }, std::chrono::seconds(60))) << b.Log();
  EXPECT_TRUE(Json("b", "status")["reach"]["dht"].get<bool>());
  // How b reaches a: on this bridge, a LAN path, with its round trip.
  EXPECT_TRUE(Eventually([&] {
    for (const auto& d : Json("b", "devices"))
      if (d["name"] == "a") return d["path"] == "lan" && d["rtt_ms"].is_number() && d["rtt_ms"].get<double>() > 0;
    return false;
  })) << Json("b", "devices").dump();
  EXPECT_EQ(Json("a", "status")["reach"]["published"], nlohmann::json::array({"10.78.0.2:7611"}));
  // a came back to the DHT as itself, at its UDP port of before (HOME/dht.state).
  std::vector<std::string> ports;
  const std::string log = a.Log(), mark = "reach: in the DHT on UDP port ";
  for (size_t at = log.find(mark); at != std::string::npos; at = log.find(mark, at + 1))
    ports.push_back(log.substr(at + mark.size(), log.find(',', at) - at - mark.size()));
  ASSERT_EQ(ports.size(), 2u) << log;
  EXPECT_EQ(ports[0], ports[1]) << log;

  // The outsider's DHT node took the puts and answered the gets, and saw
  // none of the household's ids in them.
  const std::vector<uint8_t> bytes = ReadFileBytes(Home("outsider.jsonl"));
  const std::string seen(bytes.begin(), bytes.end());
  EXPECT_NE(seen.find(R"("q":"put")"), std::string::npos) << seen;
  EXPECT_NE(seen.find(R"("q":"get")"), std::string::npos) << seen;
  for (const std::string& secret : secrets) {
    ASSERT_EQ(secret.size(), 64u);
    EXPECT_EQ(seen.find(secret), std::string::npos) << secret;
  }
  const size_t put = seen.find(R"("q":"put")");
  if (put != std::string::npos) {
    const size_t start = seen.rfind('\n', put) == std::string::npos ? 0 : seen.rfind('\n', put) + 1;
    std::cout << "what the outsider's DHT node saw of a put:\n" << seen.substr(start, seen.find('\n', put) - start)
              << "\n";
  }
}

}  // namespace
}  // namespace hearth::testing

namespace hearth::testing {
namespace {

// reach=on with a node on loopback: the DHT is never started (nothing to
// publish, and nothing may leave the machine), and status says why.
TEST_F(MeshFixture, ReachOnALoopbackNodeStartsNoDhtAndSaysWhy) {
  ASSERT_EQ(Hearth("a", "init --name Home --device-name a").exit_code, 0);
  ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
  auto a = Serve("a");
  EXPECT_TRUE(a->WaitForLog("reach: the policy says reach=on, but this node listens on loopback only")) << a->Log();
  nlohmann::json reach;
  EXPECT_TRUE(Eventually([&] {
    reach = Json("a", "status")["reach"];
    return reach["error"].is_string();
  })) << reach.dump();
  EXPECT_EQ(reach["error"], "this node listens on loopback only");
  EXPECT_TRUE(reach["policy"].get<bool>());
  EXPECT_FALSE(reach["dht"].get<bool>());
  EXPECT_NE(Hearth("a", "status").out.find("reach      on, but not in the DHT: this node listens on loopback only"),
            std::string::npos)
      << Hearth("a", "status").out;
  EXPECT_EQ(a->Log().find("in the DHT on UDP port"), std::string::npos) << a->Log();
  // Off again: the line goes.
  ASSERT_EQ(Hearth("a", "policy set reach=off").exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return !Json("a", "status")["reach"]["policy"].get<bool>(); }));
}

}  // namespace
}  // namespace hearth::testing

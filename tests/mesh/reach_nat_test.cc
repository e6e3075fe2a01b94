// Reach through a home router, inside network namespaces this test creates
// (and only there): a small internet (198.20.0.0/24, a range miniupnpd
// accepts as public; the namespaces have no route out) with a DHT node, a
// home router doing NAT with miniupnpd (UPnP IGD and NAT-PMP), and a café
// router doing NAT without either. The PC at home asks its router to
// forward its ports; the device at the café finds it through the DHT and
// reaches it through the forwarded port: it joins, syncs and fetches a track
// held only by the PC.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "tests/mesh/mesh_fixture.h"
#include "tests/mesh/netns_bridge.h"
#include "tests/support/logged_process.h"

namespace hearth::testing {
namespace {

class ReachNatTest : public MeshFixture {
 protected:
  void SetUp() override {
    if (::geteuid() == 0 && Sh("command -v nft >/dev/null && command -v miniupnpd >/dev/null") != 0)
      GTEST_SKIP() << "needs nftables and miniupnpd-nftables (tools/setup installs them)";
    // The internet: the DHT node, and the two routers' WAN sides.
    std::string error;
    const std::string skip = net_.Make({"d", "h", "c"}, &error);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_EQ(error, "");
    ASSERT_NO_FATAL_FAILURE(Router("h", 1, /*upnp=*/true));
    ASSERT_NO_FATAL_FAILURE(Router("c", 2, /*upnp=*/false));
  }
  void TearDown() override {
    upnpd_.reset();
    for (const std::string& ns : devices_) Sh("ip netns del " + ns);
  }
  static int Sh(const std::string& cmd) { return RunCommand(cmd).exit_code; }
  std::string Ns(const std::string& n) const { return net_.Ns(n); }
  std::vector<std::string> In(const std::string& n) const { return net_.In(n); }
  std::string HearthIn(const std::string& ns, const std::string& home) const {
    return "ip netns exec " + Ns(ns) + " " + std::string(HEARTH_BIN) + " --home " + Quote(home) + " ";
  }

  // Host `r` of the internet made a router doing NAT for one device in
  // namespace `r`+"x" at 10.77.N.2 behind it; with miniupnpd when `upnp`.
  void Router(const std::string& r, int n, bool upnp) {
    const std::string tag = std::to_string(::getpid() % 100000);  // as NetnsBridge names things
    const std::string rns = Ns(r), dns = Ns(r + "x"), l = "rl" + r + tag, d = "rd" + r + tag;
    const std::string net = "10.77." + std::to_string(n);
    ASSERT_EQ(Sh("ip netns add " + dns), 0);
    devices_.push_back(dns);
    ASSERT_EQ(Sh("ip link add " + l + " type veth peer name " + d), 0);
    ASSERT_EQ(Sh("ip link set " + l + " netns " + rns + " && ip link set " + d + " netns " + dns), 0);
    ASSERT_EQ(Sh("ip -n " + rns + " addr add " + net + ".1/24 dev " + l + " && ip -n " + rns + " link set " + l + " up"), 0);
    ASSERT_EQ(Sh("ip -n " + dns + " addr add " + net + ".2/24 dev " + d + " && ip -n " + dns + " link set " + d +
                 " up && ip -n " + dns + " link set lo up && ip -n " + dns + " route add default via " + net + ".1"),
              0);
    ASSERT_EQ(Sh("ip netns exec " + rns + " sysctl -qw net.ipv4.ip_forward=1"), 0);
    const std::string wan = "rv" + r + tag;
    const std::string rules = Home("nft-" + r);
    std::ofstream(rules) << "table inet filter {\n"
                            "  chain forward {\n"
                            "    type filter hook forward priority 0; policy drop;\n"
                            "    ct state established,related accept\n"
                            "    iifname \"" << l << "\" oifname \"" << wan << "\" accept\n"
                            "    jump miniupnpd\n"
                            "  }\n"
                            "  chain miniupnpd {\n  }\n"
                            "  chain prerouting {\n"
                            "    type nat hook prerouting priority -100; policy accept;\n"
                            "    jump prerouting_miniupnpd\n"
                            "  }\n"
                            "  chain postrouting {\n"
                            "    type nat hook postrouting priority 100; policy accept;\n"
                            "    jump postrouting_miniupnpd\n"
                            "    oifname \"" << wan << "\" masquerade\n"
                            "  }\n"
                            "  chain prerouting_miniupnpd {\n  }\n"
                            "  chain postrouting_miniupnpd {\n  }\n"
                            "}\n";
    const auto nft = RunCommand("ip netns exec " + rns + " nft -f " + Quote(rules));
    ASSERT_EQ(nft.exit_code, 0) << "nft: " << nft.err;
    if (!upnp) return;
    const std::string conf = Home("upnpd-" + r + ".conf");
    std::ofstream(conf) << "ext_ifname=" << wan << "\nlistening_ip=" << l << "\nhttp_port=0\nenable_upnp=yes\n"
                        << "enable_natpmp=yes\nsecure_mode=yes\nsystem_uptime=no\n"
                        << "uuid=3f1c0000-0000-4000-8000-000000000001\n"
                        << "allow 1024-65535 " << net << ".0/24 1024-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n";
    std::vector<std::string> argv = In(r);
    for (const std::string& a : {std::string("miniupnpd"), std::string("-d"), std::string("-f"), conf,
                                 std::string("-P"), Home("upnpd-" + r + ".pid")})
      argv.push_back(a);
    upnpd_ = std::make_unique<LoggedProcess>(argv, Home("upnpd-" + r + ".log"));
    ASSERT_TRUE(upnpd_->WaitForLog("HTTP listening on port")) << upnpd_->Log();
  }

  NetnsBridge net_{'r', "198.20.0"};
  std::vector<std::string> devices_;  // the namespaces behind the routers
  std::unique_ptr<LoggedProcess> upnpd_;
};

TEST_F(ReachNatTest, ADeviceAtTheCafeReachesHomeThroughTheForwardedPort) {
  InitAndImport("a", 1);
  const std::string track = TrackIds("a").at(0);
  ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
  std::vector<std::string> dht_argv = In("d");
  for (const char* arg : {HEARTH_BIN, "dht-node", "--listen", "198.20.0.1:6881"}) dht_argv.push_back(arg);
  LoggedProcess dht(dht_argv, Home("dht.log"));
  ASSERT_TRUE(dht.WaitForLog("listening on UDP 198.20.0.1:6881")) << dht.Log();
  const std::vector<std::string> reach = {"--no-lan", "--dht-bootstrap", "198.20.0.1:6881"};

  // At home: the router forwards the PC's ports, and the PC publishes the
  // address outside first.
  NodeProcess a(HEARTH_BIN, Home("a"), reach, In("hx"), "10.77.1.2:7601");
  ASSERT_TRUE(a.started()) << a.Log();
  EXPECT_TRUE(a.WaitForLog("reach: the router forwards TCP port 7601 to 7601", std::chrono::seconds(30)))
      << a.Log() << upnpd_->Log();
  EXPECT_TRUE(a.WaitForLog("reach: published this device's addresses (198.20.0.2:7601, 10.77.1.2:7601)",
                           std::chrono::seconds(30)))
      << a.Log();
  // serve.json follows within a tick.
  nlohmann::json status;
  EXPECT_TRUE(Eventually([&] {
    status = Json("a", "status")["reach"];
    return status["reachable_from_outside"].get<bool>();
  })) << status.dump();
  EXPECT_EQ(status["outside_address"], "198.20.0.2:7601") << status.dump();
  EXPECT_EQ(status["mapped"][0], "7601->7601") << status.dump();

  // At the café: joins through the forwarded port, then forgets it.
  auto join = RunCommand(HearthIn("cx", Home("b")) + "join " + Quote(Invite("a", "--address 198.20.0.2:7601")) +
                         " --device-name b");
  ASSERT_EQ(join.exit_code, 0) << join.err << a.Log();
  ForgetAddresses(Home("b"));
  // A damaged DHT state file is said and set aside, not fatal.
  std::ofstream(Home("b") + "/dht.state") << "d4:porti-5e";

  NodeProcess b(HEARTH_BIN, Home("b"), reach, In("cx"), "10.77.2.2:7601");
  ASSERT_TRUE(b.started()) << b.Log();
  EXPECT_TRUE(b.WaitForLog("reach: the DHT's saved state in " + Home("b") + "/dht.state is unreadable: starting afresh"))
      << b.Log();
  EXPECT_TRUE(b.WaitForLog("reach: found a (", std::chrono::seconds(60))) << b.Log();
  EXPECT_TRUE(b.WaitForLog("connected to a", std::chrono::seconds(30))) << b.Log() << a.Log();
  // The track is only at home: the café device fetches it through the
  // router's forwarded BitTorrent port.
  auto fetch = RunCommand(HearthIn("cx", Home("b")) + "fetch " + track + " --timeout 60");
  EXPECT_EQ(fetch.exit_code, 0) << fetch.out << fetch.err << b.Log();
  EXPECT_TRUE(Holds("b", track));
  for (const auto& d : Json("b", "devices")) {
    if (d["name"] == "a") {
      EXPECT_EQ(d["path"], "direct") << d.dump();
    }
  }
  // The router forwards 7601 while the PC runs, and no longer once it stops.
  const std::string forwards = "ip netns exec " + Ns("h") + " nft list chain inet filter prerouting_miniupnpd";
  EXPECT_NE(RunCommand(forwards).out.find("dport 7601"), std::string::npos) << RunCommand(forwards).out;
  EXPECT_EQ(a.Stop(), 0) << a.Log();
  EXPECT_TRUE(Eventually([&] { return RunCommand(forwards).out.find("dport 7601") == std::string::npos; }))
      << RunCommand(forwards).out << upnpd_->Log();
}

}  // namespace
}  // namespace hearth::testing

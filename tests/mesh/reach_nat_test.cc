// Reach through routers, inside network namespaces these tests create (and
// only there): a small internet (198.20.0.0/24, a range miniupnpd accepts as
// public; the namespaces have no route out) with a DHT node, a home router
// doing NAT with miniupnpd (UPnP IGD and NAT-PMP), and a café router doing
// NAT without either.
//   - The PC at home asks its router to forward its ports; the device at
//     the café finds it through the DHT and reaches it through the
//     forwarded port: it joins, syncs and fetches a track held only by the
//     PC. Then the router loses UPnP and its public address: the PC learns
//     the new one from the DHT, and the two punch a hole from each other's
//     records.
//   - Without UPnP at home, the café device and the PC punch a hole through
//     both NATs with the help of a storage box on the internet; a phone
//     behind a carrier-grade double NAT (random source ports: no hole to
//     punch) is relayed through the box, and plays and fetches the track.
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
    // The internet: the DHT node, and the two routers' WAN sides.
    ASSERT_NO_FATAL_FAILURE(Internet({"d", "h", "c"}));
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(Router("h", 1, /*upnp=*/true));
    ASSERT_NO_FATAL_FAILURE(Router("c", 2, /*upnp=*/false));
  }
  // Hosts on the internet, 198.20.0.1 on in this order.
  void Internet(const std::vector<std::string>& hosts) {
    if (::geteuid() == 0 && Sh("command -v nft >/dev/null && command -v miniupnpd >/dev/null") != 0)
      GTEST_SKIP() << "needs nftables and miniupnpd-nftables (tools/setup installs them)";
    std::string error;
    const std::string skip = net_.Make(hosts, &error);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_EQ(error, "");
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
    Nat(Ns(r), "rv" + r + tag, r + "x", "10.77." + std::to_string(n), upnp, /*fully_random=*/false);
  }

  // Namespace `router` (reaching the internet through `wan`) made a router
  // doing NAT (masquerade; with random source ports when `fully_random`, as
  // a carrier-grade NAT does) for a new namespace `inner` at NET.2 behind it
  // (NET.1 the router's side); with miniupnpd when `upnp`.
  void Nat(const std::string& rns, const std::string& wan, const std::string& inner, const std::string& net,
           bool upnp, bool fully_random) {
    const std::string tag = std::to_string(::getpid() % 100000);
    const std::string dns = Ns(inner), l = "rl" + inner + tag, d = "rd" + inner + tag;
    ASSERT_EQ(Sh("ip netns add " + dns), 0);
    devices_.push_back(dns);
    ASSERT_EQ(Sh("ip link add " + l + " type veth peer name " + d), 0);
    ASSERT_EQ(Sh("ip link set " + l + " netns " + rns + " && ip link set " + d + " netns " + dns), 0);
    ASSERT_EQ(Sh("ip -n " + rns + " addr add " + net + ".1/24 dev " + l + " && ip -n " + rns + " link set " + l + " up"), 0);
    ASSERT_EQ(Sh("ip -n " + dns + " addr add " + net + ".2/24 dev " + d + " && ip -n " + dns + " link set " + d +
                 " up && ip -n " + dns + " link set lo up && ip -n " + dns + " route add default via " + net + ".1"),
              0);
    ASSERT_EQ(Sh("ip netns exec " + rns + " sysctl -qw net.ipv4.ip_forward=1"), 0);
    const std::string rules = Home("nft-" + inner);
    std::ofstream(rules) << "table inet filter {\n"
                            "  chain forward {\n"
                            "    type filter hook forward priority 0; policy drop;\n"
                            "    ct state established,related accept\n"
                            "    iifname \"" << l << "\" oifname \"" << wan << "\" accept\n"
                            "    jump miniupnpd\n"
                            "  }\n"
                            "  chain miniupnpd {\n  }\n"
                            // Like a home router: nothing answers a stranger
                            // on the WAN (a SYN there is dropped, not reset).
                            "  chain input {\n"
                            "    type filter hook input priority 0; policy accept;\n"
                            "    iifname \"" << wan << "\" ct state new drop\n"
                            "  }\n"
                            "  chain prerouting {\n"
                            "    type nat hook prerouting priority -100; policy accept;\n"
                            "    jump prerouting_miniupnpd\n"
                            "  }\n"
                            "  chain postrouting {\n"
                            "    type nat hook postrouting priority 100; policy accept;\n"
                            "    jump postrouting_miniupnpd\n"
                            "    oifname \"" << wan << "\" masquerade" << (fully_random ? " fully-random" : "") << "\n"
                            "  }\n"
                            "  chain prerouting_miniupnpd {\n  }\n"
                            "  chain postrouting_miniupnpd {\n  }\n"
                            "}\n";
    const auto nft = RunCommand("ip netns exec " + rns + " nft -f " + Quote(rules));
    ASSERT_EQ(nft.exit_code, 0) << "nft: " << nft.err;
    if (!upnp) return;
    const std::string conf = Home("upnpd-" + inner + ".conf");
    std::ofstream(conf) << "ext_ifname=" << wan << "\nlistening_ip=" << l << "\nhttp_port=0\nenable_upnp=yes\n"
                        << "enable_natpmp=yes\nsecure_mode=yes\nsystem_uptime=no\n"
                        << "uuid=3f1c0000-0000-4000-8000-000000000001\n"
                        << "allow 1024-65535 " << net << ".0/24 1024-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n";
    std::vector<std::string> argv = {"ip", "netns", "exec", rns};
    for (const std::string& a : {std::string("miniupnpd"), std::string("-d"), std::string("-f"), conf,
                                 std::string("-P"), Home("upnpd-" + inner + ".pid")})
      argv.push_back(a);
    upnpd_ = std::make_unique<LoggedProcess>(argv, Home("upnpd-" + inner + ".log"));
    ASSERT_TRUE(upnpd_->WaitForLog("HTTP listening on port")) << upnpd_->Log();
  }

  NetnsBridge net_{'r', "198.20.0"};
  std::vector<std::string> devices_;  // the namespaces behind the routers
  std::unique_ptr<LoggedProcess> upnpd_;
};

TEST_F(ReachNatTest, ADeviceAtTheCafeReachesHomeThroughTheForwardedPortThenThroughAHole) {
  InitAndImport("a", 2);
  const std::string track = TrackIds("a").at(0);
  const std::string second = TrackIds("a").at(1);
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
  EXPECT_TRUE(a.WaitForLog("reach: published this device's addresses (198.20.0.2:7601 (forwarded), 10.77.1.2:7601)",
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
      EXPECT_EQ(d["path"], "mapped") << d.dump();  // the record marks the router's forward
    }
  }
  // The router forwards 7601 while the PC runs, and no longer once it stops.
  const std::string forwards = "ip netns exec " + Ns("h") + " nft list chain inet filter prerouting_miniupnpd";
  EXPECT_NE(RunCommand(forwards).out.find("dport 7601"), std::string::npos) << RunCommand(forwards).out;
  EXPECT_EQ(a.Stop(), 0) << a.Log();
  EXPECT_TRUE(Eventually([&] { return RunCommand(forwards).out.find("dport 7601") == std::string::npos; }))
      << RunCommand(forwards).out << upnpd_->Log();

  // The PC again: forwarded again, and the café device back through it.
  NodeProcess a2(HEARTH_BIN, Home("a"), reach, In("hx"), "10.77.1.2:7601");
  ASSERT_TRUE(a2.started()) << a2.Log();
  ASSERT_TRUE(a2.WaitForLog("connected to b", std::chrono::seconds(60))) << a2.Log() << b.Log();

  // The router reboots without UPnP and with a new public address: its
  // forwards are gone, and so is every connection through it. (The old
  // address's flows are dropped: masquerade forgets its own, not the
  // forwards'.)
  upnpd_.reset();
  const std::string tag = std::to_string(::getpid() % 100000);
  const std::string in_h = "ip netns exec " + Ns("h") + " ";
  ASSERT_EQ(Sh(in_h + "nft flush chain inet filter prerouting_miniupnpd && " + in_h +
               "nft flush chain inet filter postrouting_miniupnpd && " + in_h + "nft flush chain inet filter miniupnpd"),
            0);
  ASSERT_EQ(Sh(in_h + "nft insert rule inet filter forward ct original ip daddr 198.20.0.2 drop"), 0);
  ASSERT_EQ(Sh("ip -n " + Ns("h") + " addr del 198.20.0.2/24 dev rvh" + tag + " && ip -n " + Ns("h") +
               " addr add 198.20.0.6/24 dev rvh" + tag),
            0);
  // The PC learns its new address from the DHT's answers and publishes it;
  // with no third member to help, both ends punch from each other's
  // records, and the café device is home again.
  EXPECT_TRUE(a2.WaitForLog("reach: this device's address outside is now 198.20.0.6 (was 198.20.0.2)",
                            std::chrono::seconds(120)))
      << a2.Log();
  EXPECT_TRUE(a2.WaitForLog("reach: published this device's addresses (198.20.0.6:7601", std::chrono::seconds(60)))
      << a2.Log();
  EXPECT_TRUE(b.WaitForLog(") at 198.20.0.6 (a punched hole)", std::chrono::seconds(120)))
      << b.Log() << a2.Log();
  for (const auto& d : Json("b", "devices")) {
    if (d["name"] == "a") {
      EXPECT_EQ(d["path"], "punched") << d.dump();
    }
  }
  auto fetched = RunCommand(HearthIn("cx", Home("b")) + "fetch " + second + " --timeout 60");
  EXPECT_EQ(fetched.exit_code, 0) << fetched.out << fetched.err << b.Log();
  EXPECT_TRUE(Holds("b", second));
}


// Home without UPnP (10.77.1.2 behind 198.20.0.3), the café (10.77.2.2
// behind 198.20.0.4), a phone behind a customer router (10.77.4.2) behind a
// carrier's NAT with random source ports (100.64.3.2 behind 198.20.0.5),
// and a storage box on the internet (198.20.0.2).
class ReachNatsTest : public ReachNatTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Internet({"d", "s", "h", "c", "g"}));
    if (IsSkipped()) return;
    const std::string tag = std::to_string(::getpid() % 100000);
    ASSERT_NO_FATAL_FAILURE(Router("h", 1, /*upnp=*/false));
    ASSERT_NO_FATAL_FAILURE(Router("c", 2, /*upnp=*/false));
    ASSERT_NO_FATAL_FAILURE(Nat(Ns("g"), "rvg" + tag, "gx", "100.64.3", /*upnp=*/false, /*fully_random=*/true));
    ASSERT_NO_FATAL_FAILURE(Nat(Ns("gx"), "rdgx" + tag, "gxx", "10.77.4", /*upnp=*/false, /*fully_random=*/false));
  }
  // `home`'s view of device `name` in `hearth devices --json`.
  nlohmann::json DeviceSeenBy(const std::string& ns, const std::string& home, const std::string& name) {
    auto r = RunCommand(HearthIn(ns, Home(home)) + "devices --json");
    for (const auto& d : nlohmann::json::parse(r.out, nullptr, false))
      if (d.is_object() && d["name"] == name) return d;
    return nlohmann::json();
  }
};

TEST_F(ReachNatsTest, BehindNatsDevicesPunchAHoleOrAreRelayedThroughTheStorageBox) {
  InitAndImport("a", 1, /*seconds=*/30);
  const std::string track = TrackIds("a").at(0);
  ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
  // A household listener, added on the PC: the phone has it from the ledger it joins with.
  const std::string password = Home("password");
  std::ofstream(password) << "a long enough password\n";
  auto user = Hearth("a", "user add carol --json --password-file " + Quote(password));
  {
    // Everyone pairs at home first (on loopback), then goes out.
    auto a = Serve("a");
    ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
    ASSERT_EQ(Hearth("a", "policy set capacity=s:1").exit_code, 0);  // the box keeps no copy: the PC's is the one
    ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
    ASSERT_EQ(Join("p", Invite("a", "--role phone")).exit_code, 0);
  }
  for (const char* h : {"a", "s", "b", "p"}) ForgetAddresses(Home(h));
  std::vector<std::string> dht_argv = In("d");
  for (const char* arg : {HEARTH_BIN, "dht-node", "--listen", "198.20.0.1:6881"}) dht_argv.push_back(arg);
  LoggedProcess dht(dht_argv, Home("dht.log"));
  ASSERT_TRUE(dht.WaitForLog("listening on UDP 198.20.0.1:6881")) << dht.Log();
  const std::vector<std::string> reach = {"--no-lan", "--dht-bootstrap", "198.20.0.1:6881"};
  std::vector<std::string> to_box = reach;
  for (const char* arg : {"--peer", "198.20.0.2:7601"}) to_box.push_back(arg);

  NodeProcess box(HEARTH_BIN, Home("s"), reach, In("s"), "198.20.0.2:7601");
  ASSERT_TRUE(box.started()) << box.Log();
  NodeProcess a(HEARTH_BIN, Home("a"), to_box, In("hx"), "10.77.1.2:7601");
  NodeProcess b(HEARTH_BIN, Home("b"), to_box, In("cx"), "10.77.2.2:7601");
  NodeProcess p(HEARTH_BIN, Home("p"), to_box, In("gxx"), "10.77.4.2:7601");
  ASSERT_TRUE(a.started() && b.started() && p.started()) << a.Log() << b.Log() << p.Log();

  // The café and home punch a hole: the box tells each where the other is.
  EXPECT_TRUE(b.WaitForLog("at 198.20.0.3 (a punched hole)", std::chrono::seconds(60)))
      << b.Log() << box.Log() << a.Log();
  EXPECT_TRUE(box.WaitForLog("reach: helping")) << box.Log();
  // The phone's carrier picks a new source port for every connection: no
  // hole; the box carries its session with the PC.
  EXPECT_TRUE(p.WaitForLog(") through s (", std::chrono::seconds(60))) << p.Log() << box.Log();
  EXPECT_TRUE(box.WaitForLog("relay: carrying a session from ")) << box.Log();

  // The phone plays the track (the start of its stream, over the relay)...
  const std::string key = nlohmann::json::parse(user.out, nullptr, false).value("api_key", std::string());
  ASSERT_FALSE(key.empty()) << user.out << user.err;
  const std::string out = Home("played");
  auto played = RunCommand("ip netns exec " + Ns("gxx") + " curl -sSf -r 0-99999 -o " + Quote(out) +
                           " -H 'Authorization: Bearer " + key + "' http://127.0.0.1:" + std::to_string(p.http_port()) +
                           "/api/v1/tracks/" + track + "/stream");
  EXPECT_EQ(played.exit_code, 0) << played.err << p.Log();
  const std::string source = Json("a", "show " + track)["source_path"];
  const std::vector<uint8_t> original = ReadFileBytes(source);
  ASSERT_GT(original.size(), 100000u);
  EXPECT_EQ(ReadFileBytes(out), std::vector<uint8_t>(original.begin(), original.begin() + 100000));
  // ...then fetches it, as the café device does over its punched hole.
  for (const auto& [ns, home] : {std::pair{"gxx", "p"}, std::pair{"cx", "b"}}) {
    auto fetch = RunCommand(HearthIn(ns, Home(home)) + "fetch " + track + " --timeout 60");
    EXPECT_EQ(fetch.exit_code, 0) << home << ": " << fetch.out << fetch.err;
  }
  // The phone's holder is the PC, or the café device once it has the track:
  // either is reached only through the box. The café device's is the PC
  // (a punched hole) or the phone (relayed): neither has a swarm port it
  // can reach, so both fetches go over mesh sessions.
  EXPECT_TRUE(p.WaitForLog("over the mesh session with ")) << p.Log();
  EXPECT_TRUE(b.WaitForLog("over the mesh session with ")) << b.Log();

  // How each is reached, as `hearth devices` says.
  const auto seen_by_b = DeviceSeenBy("cx", "b", "a");
  EXPECT_EQ(seen_by_b["path"], "punched") << seen_by_b.dump();
  const auto seen_by_p = DeviceSeenBy("gxx", "p", "a");
  EXPECT_EQ(seen_by_p["path"], "relayed") << seen_by_p.dump();
  EXPECT_EQ(seen_by_p["via"]["name"], "s") << seen_by_p.dump();
}

}  // namespace
}  // namespace hearth::testing

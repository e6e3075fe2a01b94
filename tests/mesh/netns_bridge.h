// Hosts of a test's own: network namespaces on one bridge (root only), so
// that multi-node tests can use addresses other than loopback -- a LAN, a
// private DHT -- with nothing reaching beyond them. Each host gets one veth
// at SUBNET.N/24 (N = 1, 2, ... in the order given). Interface names are
// LETTER + a role letter + the host's name + the test's pid (at most 15
// characters). Everything is deleted when the object dies.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/run_command.h"

namespace hearth::testing {

class NetnsBridge {
 public:
  // `letter` keeps two tests' interfaces apart ('h' for the LAN test, 'r'
  // for reach); `multicast` routes 224.0.0.0/4 to the veth (LAN beacons).
  NetnsBridge(char letter, std::string subnet, bool multicast = false)
      : letter_(1, letter), subnet_(std::move(subnet)), multicast_(multicast),
        tag_(std::to_string(::getpid() % 100000)) {}
  ~NetnsBridge() {
    for (const std::string& h : hosts_) Sh("ip netns del " + Ns(h));
    if (made_) Sh("ip netns del " + Bridge());
  }
  NetnsBridge(const NetnsBridge&) = delete;
  NetnsBridge& operator=(const NetnsBridge&) = delete;

  // Makes the bridge and the hosts; "" when done, else why the test should
  // be skipped (not root, no namespaces here). A failing step after that
  // is an error, with the command.
  std::string Make(const std::vector<std::string>& hosts, std::string* error) {
    if (::geteuid() != 0) return "needs root for network namespaces";
    if (Sh("ip netns add " + Bridge()) != 0) return "cannot create network namespaces here";
    made_ = true;
    std::vector<std::string> steps = {"ip -n " + Bridge() + " link add br0 type bridge",
                                      "ip -n " + Bridge() + " link set br0 up"};
    int n = 1;
    for (const std::string& h : hosts) {
      const std::string ns = Ns(h), v = letter_ + "v" + h + tag_, p = letter_ + "p" + h + tag_;
      const std::string ip = subnet_ + "." + std::to_string(n++) + "/24";
      for (const std::string& s :
           {"ip netns add " + ns, "ip link add " + v + " type veth peer name " + p, "ip link set " + v + " netns " + ns,
            "ip link set " + p + " netns " + Bridge(), "ip -n " + Bridge() + " link set " + p + " master br0 up",
            "ip -n " + ns + " addr add " + ip + " dev " + v, "ip -n " + ns + " link set " + v + " up",
            "ip -n " + ns + " link set lo up"})
        steps.push_back(s);
      if (multicast_) steps.push_back("ip -n " + ns + " route add 224.0.0.0/4 dev " + v);
      hosts_.push_back(h);
    }
    for (const std::string& s : steps) {
      if (Sh(s) != 0) {
        *error = "failed: " + s;
        return "";
      }
    }
    return "";
  }
  std::string Ns(const std::string& host) const { return letter_ + "n" + host + tag_; }
  std::vector<std::string> In(const std::string& host) const { return {"ip", "netns", "exec", Ns(host)}; }

 private:
  static int Sh(const std::string& cmd) { return RunCommand(cmd).exit_code; }
  std::string Bridge() const { return letter_ + "sw" + tag_; }

  std::string letter_, subnet_;
  bool multicast_;
  std::string tag_;
  bool made_ = false;
  std::vector<std::string> hosts_;
};

}  // namespace hearth::testing

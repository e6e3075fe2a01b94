// AddressTally: this host's address outside, as the DHT nodes that answer
// it say. Every DHT response carries the address it came to (BEP 42's
// "ip"); behind a NAT that is the router's public address. Each node has
// one vote, its latest, kept for kVoteMaxAge; a node is told apart by its
// IP address alone, so one host cannot outvote others through many ports.
// The answer is the address most nodes name; on a tie, the one named last.
//
// libtorrent keeps a voter of its own, but once it knows an address it
// waits up to five minutes (or fifty voters) before taking a new one. A
// router whose public address changes would leave this device publishing
// the old one for that long; here the change shows as soon as the nodes
// that answer say so. A lying node can only make this device publish an
// address where it cannot be reached (records are signed by the device).
//
// Not thread-safe; the caller's thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace hearth::reach {

class AddressTally {
 public:
  static constexpr std::chrono::minutes kVoteMaxAge{10};
  static constexpr size_t kMaxVoters = 64;  // past it, the oldest vote goes

  // `node` (an IP address) says this host is at `address`. True when the
  // answer changed.
  bool Vote(const std::string& node, const std::string& address, std::chrono::steady_clock::time_point now);
  // "" until a node has said.
  const std::string& address() const { return answer_; }
  // How many nodes name the answer.
  size_t voters() const;

 private:
  struct Vote_ {
    std::string address;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Vote_> votes_;  // by node
  std::string answer_;
};

}  // namespace hearth::reach

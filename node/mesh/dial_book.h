// DialBook: the addresses a node dials to reach the rest of its household --
// from --peer, the store's known peers, HELLOs, PEERS messages and the LAN
// beacon -- and when to try each again. Plain state, no I/O, no clock: the
// node asks which are due and says how each attempt went. One thread.
//
// Retries back off: 1 s after the first failure (or the end of a session
// dialed at the address), doubling up to 30 s; a session admitted from the
// address starts the backoff over.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/ids.h"

namespace hearth::mesh {

class DialBook {
 public:
  using Time = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::seconds kFirstBackoff{1};
  static constexpr std::chrono::seconds kMaxBackoff{30};

  struct Target {
    std::string host;
    uint16_t port = 0;
    std::optional<DeviceId> device;  // once known
    Time next_attempt{};
    std::chrono::seconds backoff = kFirstBackoff;
    bool connecting = false;
  };

  // Adds `key` (how the address was written) unless it is known already;
  // returns whether it was new.
  bool Add(const std::string& key, const std::string& host, uint16_t port,
           std::optional<DeviceId> device = std::nullopt);
  // Records where `device` listens (its HELLO, the store), adding or
  // updating `key`; not dialed before `not_before`.
  void Learn(const std::string& key, const std::string& host, uint16_t port, const DeviceId& device,
             Time not_before);
  bool Contains(const std::string& key) const { return targets_.contains(key); }
  const Target& at(const std::string& key) const { return targets_.at(key); }
  size_t size() const { return targets_.size(); }

  // The keys due for an attempt at `now`, in key order: not connecting, past
  // their next attempt, and not of a device `skip` rules out (connected
  // already, no longer a member).
  std::vector<std::string> Due(Time now, const std::function<bool(const DeviceId&)>& skip) const;

  void Dialing(const std::string& key);
  // The dial failed, or a session dialed at `key` ended: try again after the
  // backoff, which then doubles. `for_good`: never again (an address that
  // cannot be dialed at all).
  void Failed(const std::string& key, Time now, bool for_good = false);
  // A session dialed at `key` was admitted as `device`.
  void Connected(const std::string& key, const DeviceId& device);
  // `key` turned out to be `device` (a duplicate session, dropped).
  void Identify(const std::string& key, const DeviceId& device) { targets_[key].device = device; }

 private:
  std::map<std::string, Target> targets_;
};

}  // namespace hearth::mesh

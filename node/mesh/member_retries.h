// MemberRetries: for each member this device lacks a session of some kind
// with (relays.h: any session; hole_punch.h: a direct one), when to ask
// another member for help next, and whom: first after `first_wait`, then
// after `first_retry` doubling up to `max_retry`, each time the next of the
// members that could help, in turn. Plain state, no I/O; one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "protocol/ids.h"

namespace hearth::mesh {

class MemberRetries {
 public:
  using Time = std::chrono::steady_clock::time_point;
  MemberRetries(std::chrono::seconds first_wait, std::chrono::seconds first_retry, std::chrono::seconds max_retry)
      : first_wait_(first_wait), first_retry_(first_retry), max_retry_(max_retry) {}

  // The member to ask about `device` now -- one of `helpers` other than
  // `device` -- or nullopt when it is not yet time or nobody can help. An
  // answer counts as a try: the next is after the backoff.
  std::optional<DeviceId> Due(const DeviceId& device, Time now, const std::vector<DeviceId>& helpers) {
    auto [it, added] = waits_.try_emplace(device);
    Wait& w = it->second;
    if (added) {
      w.next = now + first_wait_;
      w.backoff = first_retry_;
    }
    if (now < w.next) return std::nullopt;
    std::vector<DeviceId> candidates;
    for (const DeviceId& h : helpers)
      if (h != device) candidates.push_back(h);
    if (candidates.empty()) return std::nullopt;
    w.next = now + w.backoff;
    w.backoff = std::min(w.backoff * 2, max_retry_);
    return candidates[w.turn++ % candidates.size()];
  }
  // `device` has what was missing, or is to start over.
  void Forget(const DeviceId& device) { waits_.erase(device); }
  void Clear() { waits_.clear(); }

 private:
  struct Wait {
    Time next{};
    std::chrono::seconds backoff{};
    size_t turn = 0;
  };
  std::chrono::seconds first_wait_, first_retry_, max_retry_;
  std::map<DeviceId, Wait> waits_;
};

}  // namespace hearth::mesh

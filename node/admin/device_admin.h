// What an admin device changes of the household: revoking a device and
// setting the policy. `hearth revoke` / `hearth policy set` and the control
// room's JSON API (POST /api/v1/devices/ID/revoke, PUT /api/v1/policy) both
// write through here, so they check the same things. Not thread-safe: one
// caller per Home.
#pragma once

#include <algorithm>
#include <cstdint>
#include <expected>
#include <string>

#include <nlohmann/json.hpp>

#include "node/admin/admin_error.h"
#include "node/store/home.h"
#include "protocol/ledger_entry.h"

namespace hearth::admin {

// kNotAllowed unless this device is an unrevoked admin.
std::expected<void, AdminError> RequireAdmin(store::Home& home);

struct Revoked {
  EntryId entry;
  std::string name;
  // It could read the listeners' app passwords and API keys (any role but
  // storage): the caller replaces them (http::ListenerBook::RotateSecrets).
  bool knew_listener_secrets = false;
};

// Writes device.revoke for `device`. A running node cuts it off at once; the
// other devices as the entry reaches them.
std::expected<Revoked, AdminError> RevokeDevice(store::Home& home, const DeviceId& device, const std::string& reason,
                                                int64_t now_us);

// Checks `policy` against the household (copies 1..16, stream_limit
// 0..1000, budgets and capacities of members only, no capacity for a phone)
// and writes it as the new policy.set.
std::expected<void, AdminError> WritePolicy(store::Home& home, const PolicySet& policy, int64_t now_us);

// The policy as `hearth policy show --json` prints it and GET /api/v1/policy
// answers: copies, stream_limit, reach, and budgets / capacities /
// relay_limits as lists of {device, name, bytes (bytes_per_second)}.
nlohmann::json PolicyJson(const LedgerState& state, const PolicySet& policy);

// Sets (or with 0 bytes removes) `device`'s entry in a list kept sorted by
// device: the phones' budgets or the devices' capacities.
template <typename Entry>
void SetDeviceSize(std::vector<Entry>& list, const DeviceId& device, uint64_t bytes) {
  std::erase_if(list, [&](const Entry& e) { return e.device == device; });
  if (bytes > 0) list.push_back(Entry{device, bytes});
  std::sort(list.begin(), list.end(), [](const Entry& x, const Entry& y) { return x.device < y.device; });
}

}  // namespace hearth::admin

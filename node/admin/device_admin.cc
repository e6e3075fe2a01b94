#include "node/admin/device_admin.h"

#include <fmt/format.h>

#include "node/admin/health_json.h"

namespace hearth::admin {

std::expected<void, AdminError> RequireAdmin(store::Home& home) {
  const auto& members = home.ledger().ledger().state().members;
  auto me = members.find(home.device_id());
  if (me == members.end() || !me->second.admin || me->second.revoked)
    return std::unexpected(AdminError{AdminErrc::kNotAllowed,
                                      "only an admin device can do this (`hearth admin list` names them; with none "
                                      "left, `hearth recover` makes this device one)"});
  return {};
}

std::expected<Revoked, AdminError> RevokeDevice(store::Home& home, const DeviceId& device, const std::string& reason,
                                                int64_t now_us) {
  if (auto a = RequireAdmin(home); !a) return std::unexpected(a.error());
  const LedgerState& state = home.ledger().ledger().state();
  auto m = state.members.find(device);
  if (m == state.members.end())
    return std::unexpected(AdminError{AdminErrc::kNotFound, "no device " + DeviceShort(device) + " in the household"});
  if (device == home.device_id()) return std::unexpected(AdminError{AdminErrc::kConflict, "a device cannot revoke itself"});
  if (m->second.revoked) return std::unexpected(AdminError{AdminErrc::kConflict, "that device is already revoked"});
  Revoked out{.entry = {}, .name = m->second.name, .knew_listener_secrets = m->second.role != Role::kStorage};
  auto e = home.ledger().Author(home.device_key(), DeviceRevoke{device, reason}, now_us);
  if (!e) return std::unexpected(AdminError{AdminErrc::kStore, "cannot revoke: " + e.error().Message()});
  out.entry = e->id;
  return out;
}

std::expected<void, AdminError> WritePolicy(store::Home& home, const PolicySet& policy, int64_t now_us) {
  if (auto a = RequireAdmin(home); !a) return std::unexpected(a.error());
  const LedgerState& state = home.ledger().ledger().state();
  auto bad = [](std::string message) { return std::unexpected(AdminError{AdminErrc::kBadRequest, std::move(message)}); };
  if (policy.copies < 1 || policy.copies > kMaxCopies) return bad("copies must be 1..16");
  if (policy.stream_limit > 1000) return bad("stream_limit must be 0..1000 streams per owned copy (0: no limit)");
  auto member = [&](const DeviceId& d) -> const Member* {
    auto m = state.members.find(d);
    return m == state.members.end() ? nullptr : &m->second;
  };
  for (const auto& b : policy.budgets)
    if (!member(b.device)) return bad("budget: no device " + DeviceShort(b.device) + " in the household");
  for (const auto& c : policy.capacities) {
    const Member* m = member(c.device);
    if (!m) return bad("capacity: no device " + DeviceShort(c.device) + " in the household");
    if (m->role == Role::kPhone)
      return bad("a phone holds no replicas; give " + m->name + " a cache budget instead");
  }
  for (const auto& l : policy.relay_limits)
    if (!member(l.device)) return bad("relay_limit: no device " + DeviceShort(l.device) + " in the household");
  auto e = home.ledger().Author(home.device_key(), policy, now_us);
  if (!e) return std::unexpected(AdminError{AdminErrc::kStore, "cannot set the policy: " + e.error().Message()});
  return {};
}

nlohmann::json PolicyJson(const LedgerState& state, const PolicySet& policy) {
  auto sizes = [&](const auto& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : list)
      out.push_back({{"device", DeviceText(e.device)}, {"name", MemberName(state, e.device)}, {"bytes", e.bytes}});
    return out;
  };
  nlohmann::json relay_limits = nlohmann::json::array();
  for (const auto& l : policy.relay_limits)
    relay_limits.push_back({{"device", DeviceText(l.device)},
                            {"name", MemberName(state, l.device)},
                            {"bytes_per_second", l.bytes_per_second}});
  return {{"copies", policy.copies},     {"stream_limit", policy.stream_limit},
          {"budgets", sizes(policy.budgets)}, {"capacities", sizes(policy.capacities)},
          {"reach", policy.reach},       {"relay_limits", relay_limits}};
}

}  // namespace hearth::admin

// hearth admin grant | revoke | list: which devices may pair and revoke
// devices and set the policy. A grant or a revoke is a device.add of the
// device as it is, with the admin flag set or cleared (ledger_rules.md,
// "Admins"); it takes effect on every node as the entry reaches it.
#include <ostream>

#include <fmt/format.h>

#include "node/admin/device_admin.h"
#include "node/cli/commands.h"
#include "node/cli/describe.h"

namespace hearth::cli {
namespace {

// The household's unrevoked admins.
std::vector<DeviceId> Admins(const LedgerState& state) {
  std::vector<DeviceId> out;
  for (const auto& [id, m] : state.members)
    if (m.admin && !m.revoked) out.push_back(id);
  return out;
}

CliResult RunAdminChange(const Context& ctx, const std::string& key, bool grant, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  if (auto a = RequireAdminDevice(*home); !a) return a;
  const LedgerState& state = home->ledger().ledger().state();
  auto device = ResolveDevice(state, key);
  if (!device) return std::unexpected(CliError{device.error()});
  const Member m = state.members.at(*device);  // a copy: writing the entry below replaces the state
  if (m.revoked) return std::unexpected(CliError{m.name + " is revoked"});
  if (grant && m.admin) return std::unexpected(CliError{m.name + " is an admin already"});
  if (!grant && !m.admin) return std::unexpected(CliError{m.name + " is not an admin"});
  if (grant && m.role == Role::kStorage)
    return std::unexpected(CliError{"a storage device cannot be an admin (it holds no content secret)"});
  if (!grant && Admins(state).size() == 1)
    return std::unexpected(CliError{m.name + " is the household's only admin: grant another device first "
                                             "(`hearth admin grant DEVICE`)"});
  auto e = home->ledger().Author(home->device_key(), DeviceAdd{*device, m.role, grant, m.name}, ctx.clock());
  if (!e) return std::unexpected(CliError{"cannot write the entry: " + e.error().Message()});
  if (json) {
    ctx.PrintJson({{"device", DeviceText(*device)}, {"short", DeviceShort(*device)}, {"name", m.name},
                   {"admin", grant}, {"entry", e->id.Hex()}});
  } else {
    *ctx.out << fmt::format("{} ({}) {} an admin; other devices follow as the entry reaches them\n", m.name,
                            DeviceShort(*device), grant ? "is now" : "is no longer");
  }
  return {};
}

CliResult RunAdminList(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  const LedgerState& state = home->ledger().ledger().state();
  const std::vector<DeviceId> admins = Admins(state);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const DeviceId& d : admins) {
      const Member& m = state.members.at(d);
      list.push_back({{"id", DeviceText(d)}, {"short", DeviceShort(d)}, {"name", m.name},
                      {"role", RoleName(m.role)}, {"this_device", d == home->device_id()}});
    }
    ctx.PrintJson(list);
    return {};
  }
  for (const DeviceId& d : admins)
    *ctx.out << fmt::format("{}  {}{}\n", DeviceShort(d), state.members.at(d).name,
                            d == home->device_id() ? " (this device)" : "");
  if (admins.size() == 1) *ctx.out << SingleAdminWarning(state) << '\n';
  return {};
}

}  // namespace

CliResult RequireAdminDevice(store::Home& home) {
  if (auto a = admin::RequireAdmin(home); !a) return std::unexpected(CliError{a.error().message});
  return {};
}

std::string SingleAdminWarning(const LedgerState& state) {
  for (const auto& [id, m] : state.members)
    if (m.admin && !m.revoked)
      return fmt::format("warning: {} is the household's only admin; if it is lost, nobody can pair or revoke "
                         "devices or change the policy. Make another: hearth admin grant DEVICE",
                         m.name.empty() ? DeviceShort(id) : m.name);
  return "warning: the household has no admin left; nobody can pair or revoke devices or change the policy";
}

size_t AdminCount(const LedgerState& state) { return Admins(state).size(); }

void RegisterAdmin(CLI::App& app, Context& ctx, Action* action) {
  CLI::App* admin = AddCommand(app, "admin", "Which devices are admins: list, grant, revoke");
  admin->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  CLI::App* list = AddCommand(*admin, "list", "List the household's admin devices");
  list->add_flag("--json", *json, "Print the result as JSON");
  list->callback([&ctx, json, action] { *action = [&ctx, json] { return RunAdminList(ctx, *json); }; });
  for (const bool grant : {true, false}) {
    auto key = std::make_shared<std::string>();
    auto cjson = std::make_shared<bool>(false);
    CLI::App* c = AddCommand(*admin, grant ? "grant" : "revoke",
                             grant ? "Make a device an admin (admins)"
                                   : "Take a device's admin rights away; it stays a member (admins)");
    c->add_option("device", *key, "Device short id, id prefix or name")->required();
    c->add_flag("--json", *cjson, "Print the result as JSON");
    c->callback([&ctx, key, cjson, grant, action] {
      *action = [&ctx, key, cjson, grant] { return RunAdminChange(ctx, *key, grant, *cjson); };
    });
  }
}

}  // namespace hearth::cli

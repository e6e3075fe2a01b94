// hearth status: what this home holds.
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/cli/serve_info.h"

namespace hearth::cli {
namespace {

CliResult RunStatus(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  const Ledger& ledger = home->ledger().ledger();
  const LedgerState& state = ledger.state();
  auto blobs = home->blobs().List();
  if (!blobs) return std::unexpected(CliError{blobs.error().message});
  const DeviceId me = home->device_id();
  auto self = state.members.find(me);
  size_t revoked = 0;
  for (const auto& [id, m] : state.members) revoked += m.revoked ? 1 : 0;
  size_t effective = ledger.effective_count();
  // Matched copies share their original's blob, so distinct blobs are the
  // household's tracks; this needs no content secret.
  std::set<BlobId> track_blobs;
  for (const auto& [id, c] : state.claims) track_blobs.insert(c.claim().blob);

  const auto node = RunningNode(home->dir());
  if (json) {
    nlohmann::json node_json = {{"running", node.has_value()}};
    if (node) {
      node_json["pid"] = node->pid;
      node_json["control"] = node->control;
      node_json["torrent_port"] = node->torrent_port;
    }
    nlohmann::json device = {{"id", DeviceText(me)}, {"short", DeviceShort(me)}};
    if (self != state.members.end()) {
      device["name"] = self->second.name;
      device["role"] = RoleName(self->second.role);
      device["admin"] = self->second.admin;
      device["revoked"] = self->second.revoked;
    }
    device["has_content_secret"] = home->content_secret() != nullptr;
    ctx.PrintJson({{"home", home->dir()},
                   {"household", {{"id", home->household().Hex()}, {"name", state.household_name}}},
                   {"device", device},
                   {"ledger", {{"entries", ledger.size()},
                               {"effective", effective},
                               {"kept_as_evidence", ledger.size() - effective},
                               {"authors", ledger.Heads().size()}}},
                   {"counts", {{"devices", state.members.size() - revoked},
                               {"revoked_devices", revoked},
                               {"tracks", track_blobs.size()},
                               {"claims", state.claims.size()},
                               {"blobs", blobs->size()}}},
                   {"policy", {{"copies", state.policy.copies}}},
                   {"node", node_json}});
    return {};
  }
  std::string role = "not a member";
  if (self != state.members.end()) {
    role = std::string(RoleName(self->second.role)) + (self->second.admin ? ", admin" : "") +
           (self->second.revoked ? ", REVOKED" : "");
  }
  auto& out = *ctx.out;
  out << fmt::format("household  \"{}\" ({})\n", state.household_name, home->household().ShortHex());
  out << fmt::format("device     \"{}\" {} ({})\n",
                     self != state.members.end() ? self->second.name : "?", DeviceShort(me), role);
  out << fmt::format("ledger     {} entries ({} effective, {} kept as evidence)\n", ledger.size(),
                     effective, ledger.size() - effective);
  out << fmt::format("devices    {} ({} revoked)\n", state.members.size() - revoked, revoked);
  out << fmt::format("tracks     {} ({} claims)\n", track_blobs.size(), state.claims.size());
  out << fmt::format("blobs      {} stored here\n", blobs->size());
  out << fmt::format("home       {}\n", home->dir());
  out << (node ? fmt::format("node       serving on {} (pid {})\n", node->control, node->pid)
               : std::string("node       not running (`hearth serve`)\n"));
  return {};
}

}  // namespace

void RegisterStatus(CLI::App& app, Context& ctx, Action* action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = AddCommand(app, "status", "Show the household, this device and the ledger");
  cmd->add_flag("--json", *json, "Print as JSON");
  cmd->callback([&ctx, json, action] { *action = [&ctx, json] { return RunStatus(ctx, *json); }; });
}

}  // namespace hearth::cli

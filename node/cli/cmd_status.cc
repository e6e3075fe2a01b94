// hearth status: what this home holds.
#include <algorithm>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/admin/health_json.h"
#include "node/library/catalog.h"
#include "node/cli/serve_info.h"
#include "node/store/live_claims.h"

namespace hearth::cli {
namespace {

constexpr size_t kListedTracks = 20;  // per list, in status; counts are whole

void PrintHealth(std::ostream& out, store::Home& home, const admin::Health& h) {
  const LedgerState& state = home.ledger().ledger().state();
  library::Catalog catalog(home.db());
  auto track_name = [&](const admin::BlobHealth& b) {
    if (auto t = catalog.AnyClaimOfBlob(b.blob); t && *t) return fmt::format("\"{}\" by {}", (*t)->title, (*t)->artist);
    return "blob " + b.blob.ShortHex();
  };
  auto holder_names = [&](const admin::BlobHealth& b) {
    std::string names;
    for (const DeviceId& d : b.holders) names += (names.empty() ? "" : ", ") + admin::MemberName(state, d);
    return names;
  };
  const bool healthy = h.under_replicated.empty() && h.only_away.empty() && h.no_copy.empty() &&
                       h.short_of_room == 0 && h.damaged.empty() && admin::NoCopyLeft(h) == 0;
  out << fmt::format("health     {} track(s), copies={}: {}\n", h.blobs, h.copies,
                     healthy ? "every track has its copies" : "see below");
  if (h.replica_devices < h.copies)
    out << fmt::format("           only {} full/storage device(s) for copies={}\n", h.replica_devices, h.copies);
  if (h.short_of_room > 0)
    out << fmt::format("           the household lacks room for copies={}: {} track(s), {} find no device with room\n",
                       h.copies, h.short_of_room, HumanBytes(h.short_bytes));
  auto list = [&](const std::vector<admin::BlobHealth>& blobs, const std::string& what) {
    if (blobs.empty()) return;
    out << fmt::format("           {} track(s) {}\n", blobs.size(), what);
    for (size_t i = 0; i < blobs.size() && i < kListedTracks; ++i)
      out << fmt::format("             {}{}\n", track_name(blobs[i]),
                         blobs[i].holders.empty() ? "" : " (on " + holder_names(blobs[i]) + ")");
    if (blobs.size() > kListedTracks) out << fmt::format("             ... and {} more\n", blobs.size() - kListedTracks);
  };
  list(h.under_replicated, fmt::format("with fewer than {} cop{}", std::min(h.copies, h.replica_devices),
                                       std::min(h.copies, h.replica_devices) == 1 ? "y" : "ies"));
  list(h.only_away, "held only by devices that are away");
  list(h.no_copy, "that no device is known to hold");
  list(h.damaged, "whose copy here failed verification (set aside; fetching a good copy from another holder)");
  if (!h.missing.empty()) {
    const size_t lost = admin::NoCopyLeft(h);
    out << fmt::format("           {} original(s) gone from this device's folders; {} with no copy left{}\n",
                       h.missing.size(), lost,
                       lost ? " (the file coming back restores it; `hearth forget --missing` lets it go)" : "");
    size_t shown = 0;
    for (const admin::MissingOriginalHealth& m : h.missing) {
      if (shown++ == kListedTracks) {
        out << fmt::format("             ... and {} more\n", h.missing.size() - kListedTracks);
        break;
      }
      out << fmt::format("             {} was {}: {} since {}{}\n", track_name(m.blob), ToUtf8Lossy(m.path), m.reason,
                         FormatTime(m.since_us),
                         m.blob.holders.empty() ? ", NO COPY LEFT" : " (still on " + holder_names(m.blob) + ")");
    }
  }
  for (const admin::DeviceHealth& d : h.devices) {
    std::string line = fmt::format("  {:<12} {:<8} {:<8} holds {}", d.name, RoleName(d.role),
                                   d.this_device ? (d.online ? "serving" : "stopped") : (d.online ? "online" : "away"),
                                   HumanBytes(d.held_bytes));
    if (d.capacity) line += " of capacity " + HumanBytes(*d.capacity);
    if (d.room && d.role != Role::kPhone) line += ", room " + HumanBytes(*d.room);
    if (d.disk_full) line += ", DISK AT ITS FREE-SPACE FLOOR";
    if (d.reported) line += fmt::format(", online {:.0f}% of the week", d.availability / 10.0);
    out << line << (d.this_device ? " (this device)" : "") << '\n';
  }
}

// One line on how this device reaches the others beyond the LAN.
std::string ReachLine(bool policy, const nlohmann::json& reach) {
  if (!policy) return "reach      off (the household's policy: `hearth policy set reach=on` to use the DHT)\n";
  if (reach.is_null()) return "reach      on; the node is not running\n";
  if (!reach.value("dht", false))
    return fmt::format("reach      on, but not in the DHT: {}\n", reach.value("error", nlohmann::json()).is_string()
                                                                      ? reach["error"].get<std::string>()
                                                                      : "starting");
  std::string published;
  for (const auto& a : reach["published"]) published += (published.empty() ? "" : ", ") + a.get<std::string>();
  return fmt::format("reach      on: in the DHT ({} nodes), {}\n", reach.value("dht_nodes", 0),
                     published.empty() ? std::string("not published yet")
                                       : "published at " + published +
                                             (reach["external_address"].is_string()
                                                  ? "; seen from outside as " +
                                                        reach["external_address"].get<std::string>()
                                                  : ""));
}

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
  auto live = store::CountLive(home->db());
  if (!live) return std::unexpected(CliError{live.error().message});

  const auto node = RunningNode(home->dir());
  auto health = admin::ComputeHealth(*home, node.has_value());
  if (!health) return std::unexpected(CliError{"cannot work out the household's health: " + health.error()});
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
    nlohmann::json admins = nlohmann::json::array();
    for (const auto& [id, m] : state.members)
      if (m.admin && !m.revoked) admins.push_back({{"id", DeviceText(id)}, {"short", DeviceShort(id)}, {"name", m.name}});
    nlohmann::json warnings = nlohmann::json::array();
    if (admins.size() <= 1) warnings.push_back(SingleAdminWarning(state));
    if (!state.recovery_key) warnings.push_back(NoRecoveryKeyWarning());
    ctx.PrintJson({{"home", home->dir()},
                   {"household", {{"id", home->household().Hex()}, {"name", state.household_name}}},
                   {"device", device},
                   {"ledger", {{"entries", ledger.size()},
                               {"effective", effective},
                               {"kept_as_evidence", ledger.size() - effective},
                               {"authors", ledger.Heads().size()}}},
                   {"counts", {{"devices", state.members.size() - revoked},
                               {"revoked_devices", revoked},
                               {"tracks", live->blobs},
                               {"claims", live->claims},
                               {"blobs", blobs->size()}}},
                   {"policy", {{"copies", state.policy.copies}, {"reach", state.policy.reach}}},
                   {"reach", node && !node->reach.is_null()
                                 ? node->reach
                                 : nlohmann::json{{"policy", state.policy.reach}, {"dht", false}}},
                   {"health", admin::HealthJson(*home, *health)},
                   {"admins", admins},
                   {"recovery_key", state.recovery_key.has_value()},
                   {"warnings", warnings},
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
  out << fmt::format("tracks     {} ({} claims)\n", live->blobs, live->claims);
  out << fmt::format("blobs      {} stored here\n", blobs->size());
  out << fmt::format("home       {}\n", home->dir());
  out << (node ? fmt::format("node       serving on {} (pid {})\n", node->control, node->pid)
               : std::string("node       not running (`hearth serve`)\n"));
  out << ReachLine(state.policy.reach, node ? node->reach : nlohmann::json());
  PrintHealth(out, *home, *health);
  if (AdminCount(state) <= 1) out << SingleAdminWarning(state) << '\n';
  if (!state.recovery_key) out << NoRecoveryKeyWarning() << '\n';
  return {};
}

}  // namespace

void RegisterStatus(CLI::App& app, Context& ctx, Action* action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = AddCommand(app, "status", "Show the household, this device, the ledger and the household's health");
  cmd->add_flag("--json", *json, "Print as JSON");
  cmd->callback([&ctx, json, action] { *action = [&ctx, json] { return RunStatus(ctx, *json); }; });
}

}  // namespace hearth::cli

// hearth devices | where | revoke | policy: the household's devices and
// who holds what.
#include <algorithm>
#include <ctime>
#include <map>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "node/admin/device_admin.h"
#include "node/admin/health_json.h"
#include "node/cli/commands.h"
#include "node/http/listener_book.h"
#include "node/cli/describe.h"
#include "node/cli/library_access.h"
#include "node/cli/serve_info.h"
#include "node/cli/track_json.h"
#include "node/store/mesh_tables.h"
#include "node/store/placement_tables.h"
#include "node/store/live_claims.h"

namespace hearth::cli {
namespace {

std::string Ago(int64_t now_us, int64_t then_us) {
  int64_t s = (now_us - then_us) / 1'000'000;
  if (s < 60) return fmt::format("{} s ago", std::max<int64_t>(s, 0));
  if (s < 3600) return fmt::format("{} min ago", s / 60);
  if (s < 86400) return fmt::format("{} h ago", s / 3600);
  return fmt::format("{} days ago", s / 86400);
}

// Plaintext bytes per blob, from the ledger's claims (visible to every member).
std::map<BlobId, uint64_t> BlobSizes(store::Database& db) {
  std::map<BlobId, uint64_t> sizes;
  (void)store::ForEachLiveClaim(db, [&](const store::LiveClaim& c) { sizes[c.blob] = c.plaintext_length; });
  return sizes;
}

CliResult RunDevices(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  const LedgerState& state = home->ledger().ledger().state();
  auto peers = store::ListPeers(home->db());
  if (!peers) return std::unexpected(CliError{peers.error().message});
  std::map<DeviceId, store::PeerRecord> seen;
  for (auto& p : *peers) seen[p.device] = p;
  const auto sizes = BlobSizes(home->db());
  // What each device last said of its availability and room (STATE); this
  // device's own, as its node last worked it out.
  auto reports = store::ListDeviceReports(home->db());
  if (!reports) return std::unexpected(CliError{reports.error().message});
  if (auto own = store::LoadOwnReport(home->db()); own && *own) (*reports)[home->device_id()] = **own;
  const bool serving = RunningNode(home->dir()).has_value();
  const int64_t now = ctx.clock();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, m] : state.members) {
    std::vector<BlobId> held;
    std::string status, address, path;
    std::optional<int64_t> rtt_us;
    std::optional<DeviceId> via;
    if (id == home->device_id()) {
      auto local = home->blobs().List();
      if (local) held = *local;
      status = serving ? "this device (serving)" : "this device";
    } else {
      auto b = store::BlobsOfPeer(home->db(), id);
      if (b) held = *b;
      auto it = seen.find(id);
      if (m.revoked) status = "revoked";
      else if (it == seen.end()) status = "never seen";
      else if (it->second.online && serving) {
        status = "online";
        path = it->second.path;
        rtt_us = it->second.rtt_us;
        via = it->second.via;
      }
      else status = "last seen " + Ago(now, it->second.last_seen_us);
      if (it != seen.end()) address = it->second.host + (it->second.control_port ? ":" + std::to_string(it->second.control_port) : "");
    }
    uint64_t bytes = 0;
    for (const BlobId& b : held)
      if (auto s = sizes.find(b); s != sizes.end()) bytes += s->second;
    const auto report = reports->find(id);
    if (json) {
      nlohmann::json row = {{"id", DeviceText(id)}, {"short", DeviceShort(id)}, {"name", m.name},
                            {"role", RoleName(m.role)}, {"admin", m.admin}, {"revoked", m.revoked},
                            {"this_device", id == home->device_id()}, {"status", status}, {"address", address},
                            {"blobs", held.size()}, {"bytes", bytes}, {"availability", nullptr},
                            {"room", nullptr}, {"disk_full", false}, {"path", nullptr}, {"via", nullptr},
                            {"rtt_ms", nullptr}};
      // How the session up now reaches it: lan, direct, mapped, punched or
      // relayed (through `via`).
      if (!path.empty()) row["path"] = path;
      if (via) row["via"] = {{"id", DeviceText(*via)}, {"short", DeviceShort(*via)}, {"name", admin::MemberName(state, *via)}};
      if (rtt_us) row["rtt_ms"] = static_cast<double>(*rtt_us) / 1000.0;
      if (report != reports->end()) {
        row["availability"] = report->second.availability / 1000.0;
        if (report->second.room) row["room"] = *report->second.room;
        row["disk_full"] = report->second.disk_full;
      }
      list.push_back(std::move(row));
    } else {
      std::string seen_online = report == reports->end()
                                    ? "-"
                                    : fmt::format("{:.0f}% of the week", report->second.availability / 10.0);
      if (via) path += " via " + admin::MemberName(state, *via);
      if (!path.empty()) status += " (" + path + (rtt_us ? fmt::format(", {:.1f} ms", *rtt_us / 1000.0) : "") + ")";
      *ctx.out << fmt::format("{:<8}  {:<16} {:<8}{:<6} {:<26} {:<22} {:>5} blobs  {:<9} online {}\n", DeviceShort(id),
                              m.name.substr(0, 16), RoleName(m.role), m.admin ? "admin" : "", status, address,
                              held.size(), HumanBytes(bytes), seen_online);
    }
  }
  if (json) ctx.PrintJson(list);
  return {};
}

CliResult RunWhere(const Context& ctx, const std::string& key, bool json) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto track = ResolveTrack((*lib)->catalog, key);
  if (!track) return std::unexpected(track.error());
  store::Home& home = (*lib)->home;
  const LedgerState& state = home.ledger().ledger().state();
  std::vector<DeviceId> holders;
  if (home.blobs().Has(track->blob)) holders.push_back(home.device_id());
  auto others = store::HoldersOf(home.db(), track->blob);
  if (!others) return std::unexpected(CliError{others.error().message});
  for (const DeviceId& d : *others)
    if (d != home.device_id()) holders.push_back(d);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const DeviceId& d : holders) {
      auto m = state.members.find(d);
      list.push_back({{"id", DeviceText(d)}, {"short", DeviceShort(d)},
                      {"name", m == state.members.end() ? "" : m->second.name},
                      {"this_device", d == home.device_id()}});
    }
    ctx.PrintJson({{"track", track->track.Hex()}, {"blob", track->blob.Hex()}, {"holders", list}});
    return {};
  }
  *ctx.out << TrackLine(*track) << '\n';
  if (holders.empty()) *ctx.out << "  no device is known to hold it\n";
  for (const DeviceId& d : holders) {
    auto m = state.members.find(d);
    *ctx.out << fmt::format("  {}  {}{}\n", DeviceShort(d), m == state.members.end() ? "?" : m->second.name,
                            d == home.device_id() ? " (this device)" : "");
  }
  return {};
}

CliResult RunRevoke(const Context& ctx, const std::string& key, const std::string& reason, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  if (auto a = RequireAdminDevice(*home); !a) return a;
  auto device = ResolveDevice(home->ledger().ledger().state(), key);
  if (!device) return std::unexpected(CliError{device.error()});
  auto revoked = admin::RevokeDevice(*home, *device, reason, ctx.clock());
  if (!revoked) return std::unexpected(CliError{revoked.error().message});
  const std::string& name = revoked->name;
  // The device could open the listeners' app passwords and API keys: replace them.
  size_t rotated = 0;
  std::string rotate_error;
  if (revoked->knew_listener_secrets && home->content_secret()) {
    auto r = http::ListenerBook(*home).RotateSecrets(ctx.clock());
    if (r) rotated = *r;
    else rotate_error = r.error().message;
  }
  if (json) {
    nlohmann::json out{{"revoked", DeviceText(*device)}, {"name", name}, {"entry", revoked->entry.Hex()},
                       {"listeners_rotated", rotated}};
    if (!rotate_error.empty()) out["rotate_error"] = rotate_error;
    ctx.PrintJson(out);
  } else {
    *ctx.out << fmt::format("revoked {} ({}); a running node cuts it off now, the others as the entry reaches them\n",
                            name, DeviceShort(*device));
    if (rotated > 0)
      *ctx.out << fmt::format("new app passwords and API keys for {} listener(s), which {} could read: "
                              "`hearth user show NAME` prints them for Subsonic apps\n",
                              rotated, name);
  }
  if (!rotate_error.empty())
    return std::unexpected(CliError{"revoked, but the listeners' app passwords were not replaced: " + rotate_error});
  return {};
}

CliResult RunPolicy(const Context& ctx, const std::string& setting, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  const LedgerState& state = home->ledger().ledger().state();
  PolicySet policy = state.policy;
  if (!setting.empty()) {
    if (auto a = RequireAdminDevice(*home); !a) return a;
    size_t eq = setting.find('=');
    std::string k = setting.substr(0, eq), v = eq == std::string::npos ? "" : setting.substr(eq + 1);
    if (k == "copies") {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 3)
        return std::unexpected(CliError{"expected copies=N (1..16)", 2});
      int n = std::stoi(v);
      if (n < 1 || n > kMaxCopies) return std::unexpected(CliError{"copies must be 1..16", 2});
      policy.copies = static_cast<uint8_t>(n);
    } else if (k == "budget" || k == "capacity") {
      // DEVICE:SIZE, the same for both; a size of 0 removes the device's entry.
      const size_t colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return std::unexpected(CliError{k == "budget" ? "expected budget=DEVICE:SIZE (e.g. budget=phone:2G; 0 removes it)"
                                                      : "expected capacity=DEVICE:SIZE (e.g. capacity=nas:2T; 0 removes it)",
                                        2});
      auto device = ResolveDevice(state, v.substr(0, colon));
      if (!device) return std::unexpected(CliError{device.error()});
      if (k == "capacity" && state.members.at(*device).role == Role::kPhone)
        return std::unexpected(CliError{"a phone holds no replicas; give it a cache budget instead (budget=" +
                                            v.substr(0, colon) + ":SIZE)", 2});
      auto bytes = ParseSize(v.substr(colon + 1));
      if (!bytes) return std::unexpected(CliError{bytes.error(), 2});
      if (k == "budget") admin::SetDeviceSize(policy.budgets, *device, *bytes);
      else admin::SetDeviceSize(policy.capacities, *device, *bytes);
    } else if (k == "stream_limit") {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 4 || std::stoi(v) > 1000)
        return std::unexpected(CliError{"expected stream_limit=N: streams per owned copy at once, 0..1000 (0: no limit)", 2});
      policy.stream_limit = static_cast<uint16_t>(std::stoi(v));
    } else if (k == "reach") {
      if (v != "on" && v != "off") return std::unexpected(CliError{"expected reach=on or reach=off", 2});
      policy.reach = v == "on";
    } else if (k == "relay_limit") {
      // DEVICE:RATE, RATE a size per second ("2M", "500K/s"); 0 removes it.
      const size_t colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return std::unexpected(CliError{"expected relay_limit=DEVICE:RATE (e.g. relay_limit=nas:2M/s; 0 removes it)", 2});
      auto device = ResolveDevice(state, v.substr(0, colon));
      if (!device) return std::unexpected(CliError{device.error()});
      std::string rate = v.substr(colon + 1);
      if (rate.ends_with("/s")) rate.resize(rate.size() - 2);
      auto bytes = ParseSize(rate);
      if (!bytes) return std::unexpected(CliError{bytes.error(), 2});
      std::erase_if(policy.relay_limits, [&](const RelayLimit& l) { return l.device == *device; });
      if (*bytes > 0) policy.relay_limits.push_back(RelayLimit{*device, *bytes});
      std::sort(policy.relay_limits.begin(), policy.relay_limits.end(),
                [](const RelayLimit& x, const RelayLimit& y) { return x.device < y.device; });
    } else {
      return std::unexpected(CliError{
          "expected copies=N, stream_limit=N, budget=DEVICE:SIZE, capacity=DEVICE:SIZE, reach=on|off or "
          "relay_limit=DEVICE:RATE", 2});
    }
    if (auto written = admin::WritePolicy(*home, policy, ctx.clock()); !written)
      return std::unexpected(CliError{written.error().message, written.error().code == admin::AdminErrc::kBadRequest ? 2 : 1});
  }
  auto name = [&](const DeviceId& d) { return admin::MemberName(state, d); };
  if (json) {
    ctx.PrintJson(admin::PolicyJson(state, policy));
  } else {
    *ctx.out << fmt::format("copies={}\nstream_limit={}{}\nreach={}\n", policy.copies, policy.stream_limit,
                            policy.stream_limit == 0 ? " (no limit)" : " per owned copy", policy.reach ? "on" : "off");
    for (const auto& b : policy.budgets)
      *ctx.out << fmt::format("budget {}={} bytes ({})\n", name(b.device), b.bytes, HumanBytes(b.bytes));
    for (const auto& c : policy.capacities)
      *ctx.out << fmt::format("capacity {}={} bytes ({})\n", name(c.device), c.bytes, HumanBytes(c.bytes));
    for (const auto& l : policy.relay_limits)
      *ctx.out << fmt::format("relay_limit {}={} bytes/s ({}/s)\n", name(l.device), l.bytes_per_second,
                              HumanBytes(l.bytes_per_second));
  }
  return {};
}

}  // namespace

void RegisterDevices(CLI::App& app, Context& ctx, Action* action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* devices = AddCommand(app, "devices", "List the household's devices: role, status, what each holds");
  devices->add_flag("--json", *json, "Print the result as JSON");
  devices->callback([&ctx, json, action] { *action = [&ctx, json] { return RunDevices(ctx, *json); }; });

  auto where_key = std::make_shared<std::string>();
  auto where_json = std::make_shared<bool>(false);
  CLI::App* where = AddCommand(app, "where", "Which devices hold a track's blob");
  where->add_option("track", *where_key, "Track id (prefix)")->required();
  where->add_flag("--json", *where_json, "Print the result as JSON");
  where->callback([&ctx, where_key, where_json, action] {
    *action = [&ctx, where_key, where_json] { return RunWhere(ctx, *where_key, *where_json); };
  });

  auto rk = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>("revoked by an admin");
  auto rjson = std::make_shared<bool>(false);
  CLI::App* revoke = AddCommand(app, "revoke", "Cut a device off the household (admins)");
  revoke->add_option("device", *rk, "Device short id, id prefix or name")->required();
  revoke->add_option("--reason", *reason, "Why (recorded in the ledger)");
  revoke->add_flag("--json", *rjson, "Print the result as JSON");
  revoke->callback([&ctx, rk, reason, rjson, action] {
    *action = [&ctx, rk, reason, rjson] { return RunRevoke(ctx, *rk, *reason, *rjson); };
  });

  auto setting = std::make_shared<std::string>();
  auto pjson = std::make_shared<bool>(false);
  CLI::App* policy = AddCommand(app, "policy", "Show or set the replication policy");
  policy->require_subcommand(1);
  CLI::App* show = AddCommand(*policy, "show", "Print the policy");
  show->add_flag("--json", *pjson, "Print the result as JSON");
  show->callback([&ctx, pjson, action] { *action = [&ctx, pjson] { return RunPolicy(ctx, "", *pjson); }; });
  CLI::App* set = AddCommand(*policy, "set",
                             "Set copies=N (full replicas of every blob), budget=DEVICE:SIZE (a phone's cache) or "
                             "capacity=DEVICE:SIZE (the most a full/storage device holds); SIZE 0 removes one; "
                             "reach=on|off (devices may find and reach each other over the internet: the "
                             "mainline DHT, router port mapping, relays through members; off by default); "
                             "relay_limit=DEVICE:RATE (the most a device relays for others, e.g. nas:2M/s; 0 "
                             "removes it) (admins)");
  set->add_option("setting", *setting,
                  "copies=N | budget=DEVICE:SIZE | capacity=DEVICE:SIZE | reach=on|off | relay_limit=DEVICE:RATE")
      ->required();
  set->add_flag("--json", *pjson, "Print the result as JSON");
  set->callback([&ctx, setting, pjson, action] {
    *action = [&ctx, setting, pjson] { return RunPolicy(ctx, *setting, *pjson); };
  });
}

}  // namespace hearth::cli

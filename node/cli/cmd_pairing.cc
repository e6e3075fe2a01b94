// hearth invite | join: pairing a new device with the household.

#include <filesystem>
#include <iostream>
#include <ostream>

#include <fmt/format.h>

#include "crypto/sodium.h"
#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/admin/invites.h"
#include "node/admin/qr_code.h"
#include "node/cli/serve_info.h"
#include "node/mesh/join_client.h"
#include "node/store/mesh_tables.h"
#include "protocol/pairing.h"
#include "protocol/recovery_key.h"

namespace hearth::cli {
namespace {

struct InviteArgs {
  std::string role = "full";
  std::string ttl = "24h";
  std::vector<std::string> addresses;
  bool for_recovery = false;
  bool qr = false;
  bool json = false;
};

std::optional<int64_t> ParseDurationSeconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0) return std::nullopt;
  int64_t n = std::stoll(text.substr(0, digits));
  std::string unit = digits == std::string::npos ? "s" : text.substr(digits);
  if (unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return std::nullopt;
}

CliResult RunInvite(const Context& ctx, const InviteArgs& a) {
  auto role = admin::ParseRoleName(a.role);
  if (!role) return std::unexpected(CliError{"--role must be full, phone or storage", 2});
  auto ttl = ParseDurationSeconds(a.ttl);
  if (!ttl || *ttl <= 0 || *ttl > admin::kMaxInviteTtlSeconds)
    return std::unexpected(CliError{"--ttl must be like 90s, 30m, 24h or 7d (at most 30d)", 2});
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  admin::InviteRequest request{.role = *role, .ttl_s = *ttl, .addresses = a.addresses, .for_recovery = a.for_recovery};
  if (request.addresses.empty()) {
    if (auto running = RunningNode(home->dir())) {
      request.addresses.push_back(running->control);
    } else {
      request.addresses.push_back("127.0.0.1:7601");
      std::cerr << "hearth: warning: no node is running on this home; start `hearth serve` "
                   "before the new device joins\n";
    }
  }
  auto created = admin::CreateInvite(*home, request, ctx.clock());
  if (!created)
    return std::unexpected(CliError{created.error().message, created.error().code == admin::AdminErrc::kBadRequest ? 2 : 1});
  const InviteCode& code = created->code;
  const store::Invite& invite = created->invite;
  const std::string& text = created->text;
  std::string qr;
  if (a.qr) {
    // The letters in capitals: a QR code holds them more compactly (the
    // code reads the same either way).
    std::string upper = text;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto drawn = admin::QrText(upper);
    if (!drawn) return std::unexpected(CliError{"cannot draw the invite as a QR code"});
    qr = *drawn;
  }
  if (a.json) {
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& ad : code.addresses) addrs.push_back(ad.ToString());
    ctx.PrintJson({{"code", text}, {"role", a.role}, {"expires", FormatTime(invite.expires_us)},
                   {"expires_us", invite.expires_us}, {"addresses", addrs}, {"for_recovery", a.for_recovery},
                   {"qr", a.qr ? nlohmann::json(qr) : nlohmann::json(nullptr)}});
    return {};
  }
  *ctx.out << text << '\n';
  if (a.qr) std::cerr << qr << "(scan it with the new device's camera: it holds the code above)\n";
  std::cerr << fmt::format("one-time code for a {} device, valid until {}; on the new device run:\n"
                           "  hearth join {}{}\n",
                           a.role, FormatTime(invite.expires_us), text.substr(0, 16) + "…",
                           a.for_recovery ? " --recovery-key-file FILE   (it adds itself as an admin)" : "");
  return {};
}

struct JoinArgs {
  std::string code;
  std::string device_name;
  std::vector<std::string> peers;
  int timeout_s = 30;
  std::string recovery_key_file;
  bool with_recovery_key = false;
  bool json = false;
};

CliResult RunJoin(const Context& ctx, const JoinArgs& a) {
  auto code = DecodeInviteCode(a.code);
  if (!code) return std::unexpected(CliError{code.error(), 2});
  const std::string dir = ctx.HomeDir();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir + "/hearth.db", ec) || fs::exists(dir + "/device.key", ec))
    return std::unexpected(CliError{dir + " already holds a hearth home; use another --home to join"});
  // Built aside and moved into place only once joined, so a failed join
  // leaves nothing behind: beside a new home, inside an existing empty one
  // (which may be a mount point, so it cannot be replaced).
  const bool existing = fs::is_directory(dir, ec);
  const std::string staging = existing ? dir + "/.joining" : dir + ".joining";
  fs::remove_all(staging, ec);
  if (existing && !fs::is_empty(dir, ec))
    return std::unexpected(CliError{dir + " is not empty; use an empty or new directory"});
  auto created = store::Home::CreateJoining(staging, code->household);
  if (!created) return std::unexpected(CliError{created.error().message});
  std::optional<store::Home> home(std::move(*created));
  // The whole ledger arrives at once: a page cache of 64 MB (SQLite's
  // default is 2 MB) keeps its indexes' pages in memory rather than reading
  // them again for every batch, and no batch waits for the disk -- the home
  // is staged aside and thrown away if the join fails, and it is synced
  // whole below before it takes its place. Only this process's connection.
  if (auto r = home->db().Exec("PRAGMA cache_size = -65536; PRAGMA synchronous = OFF"); !r)
    return std::unexpected(CliError{r.error().message});
  const std::string name = a.device_name.empty() ? HostName() : a.device_name;
  std::optional<crypto::DeviceKey> recovery;
  if (a.with_recovery_key || !a.recovery_key_file.empty()) {
    auto text = ReadSecretLine(a.recovery_key_file, "recovery key");
    if (!text) return std::unexpected(text.error());
    auto seed = DecodeRecoveryKey(*text);
    if (!seed) return std::unexpected(CliError{std::string(Describe(seed.error())), 2});
    recovery = crypto::DeviceKey::FromSeed(*seed);
  }
  auto outcome = mesh::JoinHousehold(*home, *code, name, a.peers, std::chrono::seconds(a.timeout_s),
                                     [&](const std::string& line) {
                                       if (!a.json) std::cerr << "hearth: " << line << '\n';
                                     },
                                     recovery ? &*recovery : nullptr);
  const std::string device = DeviceText(home->device_id());
  if (outcome) {
    // Durable before it takes its place: the log folded into the database
    // file and both synced.
    if (auto r = home->db().Exec("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE)"); !r)
      outcome = std::unexpected("cannot write the joined home to disk: " + r.error().message);
  }
  home.reset();  // close the database before moving the directory
  if (!outcome) {
    fs::remove_all(staging, ec);
    return std::unexpected(CliError{"could not join: " + outcome.error()});
  }
  if (existing) {
    for (const auto& entry : fs::directory_iterator(staging, ec)) {
      if (fs::rename(entry.path(), fs::path(dir) / entry.path().filename(), ec); ec) break;
    }
    if (!ec) fs::remove(staging, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);  // as a new home is
  } else {
    fs::rename(staging, dir, ec);
  }
  if (ec) return std::unexpected(CliError{"joined, but cannot move " + staging + " to " + dir + ": " + ec.message()});
  if (a.json) {
    ctx.PrintJson({{"household", outcome->household_name},
                   {"role", RoleName(outcome->role)},
                   {"device", device},
                   {"inviter", outcome->inviter_name},
                   {"inviter_address", outcome->inviter_address},
                   {"entries", outcome->entries},
                   {"admin", outcome->recovered},
                   {"home", dir}});
    return {};
  }
  *ctx.out << fmt::format("joined household \"{}\" as a {} device ({} ledger entries from {}).\n"
                          "Run `hearth serve` to take part in the mesh.\n",
                          outcome->household_name, RoleName(outcome->role), outcome->entries,
                          outcome->inviter_name.empty() ? outcome->inviter_address : outcome->inviter_name);
  if (outcome->recovered)
    *ctx.out << "The recovery key made this device an admin: it can revoke lost devices (`hearth revoke`), pair new "
                "ones and change the policy.\n";
  return {};
}

}  // namespace

void RegisterPairing(CLI::App& app, Context& ctx, Action* action) {
  auto ia = std::make_shared<InviteArgs>();
  CLI::App* invite = AddCommand(app, "invite", "Print a one-time code that lets a new device join (admins)");
  invite->add_option("--role", ia->role, "full | phone | storage (storage devices never get the content key)")
      ->capture_default_str();
  invite->add_option("--ttl", ia->ttl, "How long the code stays valid (90s, 30m, 24h, 7d)")->capture_default_str();
  invite->add_option("--address", ia->addresses,
                     "HOST:PORT where the new device can reach this one (default: the running node's)");
  invite->add_flag("--for-recovery", ia->for_recovery,
                   "For a device that joins with the household's recovery key and becomes an admin (any member "
                   "may invite one: for when no admin is left)");
  invite->add_flag("--qr", ia->qr, "Also draw the code as a QR code in the terminal (on stderr; `qr` in JSON)");
  invite->add_flag("--json", ia->json, "Print the result as JSON");
  invite->callback([&ctx, ia, action] { *action = [&ctx, ia] { return RunInvite(ctx, *ia); }; });

  auto ja = std::make_shared<JoinArgs>();
  CLI::App* join = AddCommand(app, "join", "Join a household with a code from `hearth invite`");
  join->add_option("code", ja->code, "The invite code")->required();
  join->add_option("--device-name", ja->device_name, "This device's name (default: the host name)");
  join->add_option("--peer", ja->peers, "HOST:PORT of the inviting device, tried before the code's addresses");
  join->add_option("--timeout", ja->timeout_s, "Seconds the inviting device may stay silent (a big ledger takes as long as it takes)")->capture_default_str();
  join->add_option("--recovery-key-file", ja->recovery_key_file,
                   "Join with the household's recovery key (from this file's first line) and become an admin; the "
                   "code must come from `hearth invite --for-recovery`");
  join->add_flag("--recovery-key", ja->with_recovery_key, "As --recovery-key-file, reading the key from the terminal");
  join->add_flag("--json", ja->json, "Print the result as JSON");
  join->callback([&ctx, ja, action] { *action = [&ctx, ja] { return RunJoin(ctx, *ja); }; });
}

}  // namespace hearth::cli

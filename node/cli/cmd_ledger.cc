// hearth ledger show | verify: read and check the ownership ledger.
#include <ostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"

namespace hearth::cli {
namespace {

CliResult RunLedgerShow(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  auto rows = store::ListStoredEntries(home->db());
  if (!rows) return std::unexpected(CliError{rows.error().message});
  const Ledger& ledger = home->ledger().ledger();
  const auto& members = ledger.state().members;
  auto name_of = [&](const DeviceId& d) {
    auto it = members.find(d);
    return it == members.end() ? std::string("?") : it->second.name;
  };
  nlohmann::json list = nlohmann::json::array();
  for (const auto& row : *rows) {
    auto e = DecodeEntry(row.bytes);
    if (!e) {
      return std::unexpected(CliError{fmt::format(
          "ledger row {} is damaged ({}); run `hearth ledger verify`", row.arrival,
          e.error().Message())});
    }
    const Entry& en = e->entry;
    std::string status = ledger.IsEffective(e->id) ? "effective" : "no effect";
    if (json) {
      nlohmann::json parents = nlohmann::json::array();
      for (const auto& p : en.parents) parents.push_back(p.Hex());
      nlohmann::json j = {{"arrival", row.arrival},
                          {"id", e->id.Hex()},
                          {"type", TypeName(en.type())},
                          {"author", DeviceText(en.author)},
                          {"author_name", name_of(en.author)},
                          {"seq", en.seq},
                          {"prev", en.seq > 1 ? nlohmann::json(en.prev.Hex()) : nlohmann::json()},
                          {"parents", parents},
                          {"time", FormatTime(en.time_us)},
                          {"effective", ledger.IsEffective(e->id)},
                          {"body", BodyJson(*e, home->content_secret())}};
      j["rejection"] = row.rejection ? nlohmann::json(*row.rejection) : nlohmann::json();
      list.push_back(std::move(j));
    } else {
      *ctx.out << fmt::format("#{:<5} {}  {:<13} by {} ({}) seq {}  {}  {}{}\n", row.arrival,
                              e->id.ShortHex(), TypeName(en.type()), name_of(en.author),
                              DeviceShort(en.author), en.seq, FormatTime(en.time_us),
                              BodySummary(*e, home->content_secret()),
                              status == "effective" ? ""
                                                    : "  [" + row.rejection.value_or(status) + "]");
    }
  }
  if (json) ctx.PrintJson(list);
  return {};
}

CliResult RunVerify(const Context& ctx, bool json) {
  auto home = store::Home::Open(ctx.HomeDir());
  // A damaged ledger may stop Open itself; verify straight from the database.
  std::optional<store::Database> db;
  HouseholdId household;
  if (home) {
    household = home->household();
  } else {
    auto opened = store::Database::Open(ctx.HomeDir() + "/hearth.db", false);
    if (!opened) return std::unexpected(CliError{home.error().message});
    auto st = opened->Prepare("SELECT value FROM meta WHERE key = 'household_id'");
    if (!st || !st->Step().value_or(false)) return std::unexpected(CliError{home.error().message});
    Bytes v = st->Blob(0);
    if (v.size() != 32) return std::unexpected(CliError{home.error().message});
    household = HouseholdId::From(std::span<const uint8_t, 32>(v.data(), 32));
    db = std::move(*opened);
  }
  auto report = store::VerifyStoredLedger(home ? home->db() : *db, household);
  if (!report) return std::unexpected(CliError{report.error().message});
  if (json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : report->problems) {
      problems.push_back({{"arrival", p.arrival}, {"id", p.entry_id}, {"code", p.code},
                          {"message", p.message}});
    }
    ctx.PrintJson({{"ok", report->ok()},
                   {"entries", report->entries},
                   {"effective", report->effective},
                   {"kept_as_evidence", report->evidence},
                   {"problems", problems}});
  } else if (report->ok()) {
    *ctx.out << fmt::format("ledger ok: {} entries ({} effective, {} kept as evidence)\n",
                            report->entries, report->effective, report->evidence);
  } else {
    for (const auto& p : report->problems) {
      *ctx.out << fmt::format("entry #{} (id {}): {}: {}\n", p.arrival, p.entry_id.substr(0, 12),
                              p.code, p.message);
    }
  }
  if (!report->ok()) {
    return std::unexpected(CliError{
        fmt::format("ledger verification failed: {} bad of {} entries", report->problems.size(),
                    report->entries)});
  }
  return {};
}

}  // namespace

void RegisterLedger(CLI::App& app, Context& ctx, Action* action) {
  CLI::App* ledger = AddCommand(app, "ledger", "Inspect the ownership ledger");
  ledger->require_subcommand(1);
  auto show_json = std::make_shared<bool>(false);
  CLI::App* show = AddCommand(*ledger, "show", "List every ledger entry in arrival order");
  show->add_flag("--json", *show_json, "Print as JSON");
  show->callback([&ctx, show_json, action] {
    *action = [&ctx, show_json] { return RunLedgerShow(ctx, *show_json); };
  });
  auto verify_json = std::make_shared<bool>(false);
  CLI::App* verify = AddCommand(*ledger, "verify",
                                "Re-verify every entry from its bytes; exit 1 on any problem");
  verify->add_flag("--json", *verify_json, "Print as JSON");
  verify->callback([&ctx, verify_json, action] {
    *action = [&ctx, verify_json] { return RunVerify(ctx, *verify_json); };
  });
}

}  // namespace hearth::cli

// hearth recover | recovery rotate | recovery show: the household's recovery
// key (ledger_rules.md, "Recovery"). `init` prints it once; with it, any
// member device makes itself an admin (a recovery.use entry), even when every
// admin device is gone; an admin replaces it (recovery.set), and the old one
// stops working.
#include <ostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "protocol/recovery_key.h"

namespace hearth::cli {
namespace {

CliResult RunRecover(const Context& ctx, const std::string& key_file, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  const LedgerState& state = home->ledger().ledger().state();
  auto me = state.members.find(home->device_id());
  if (me == state.members.end() || me->second.revoked)
    return std::unexpected(CliError{"this device is not a member of the household (or was revoked)"});
  if (me->second.admin) return std::unexpected(CliError{"this device is an admin already"});
  if (!state.recovery_key)
    return std::unexpected(CliError{"the household has no recovery key (an admin makes one: hearth recovery rotate)"});
  auto text = ReadSecretLine(key_file, "recovery key");
  if (!text) return std::unexpected(text.error());
  auto seed = DecodeRecoveryKey(*text);
  if (!seed) return std::unexpected(CliError{std::string(Describe(seed.error())), 2});
  const crypto::DeviceKey recovery = crypto::DeviceKey::FromSeed(*seed);
  if (recovery.public_key() != *state.recovery_key)
    return std::unexpected(CliError{"that is not this household's recovery key (or it was replaced since)"});
  const HouseholdId household = home->household();
  const DeviceId device = home->device_id();
  auto e = home->ledger().Author(
      home->device_key(),
      [&](uint64_t seq) -> Body {
        return RecoveryUse{recovery.public_key(), recovery.Sign(RecoveryProofBytes(household, device, seq))};
      },
      ctx.clock());
  if (!e) return std::unexpected(CliError{"cannot write the entry: " + e.error().Message()});
  if (json) {
    ctx.PrintJson({{"device", DeviceText(device)}, {"short", DeviceShort(device)}, {"admin", true},
                   {"entry", e->id.Hex()}});
  } else {
    *ctx.out << fmt::format("this device ({}) is now an admin; other devices follow as the entry reaches them\n",
                            DeviceShort(device));
  }
  return {};
}

CliResult RunRotate(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  if (auto a = RequireAdminDevice(*home); !a) return a;
  const crypto::DeviceKey recovery = crypto::DeviceKey::Generate();
  auto e = home->ledger().Author(home->device_key(), RecoverySet{recovery.public_key()}, ctx.clock());
  if (!e) return std::unexpected(CliError{"cannot write the entry: " + e.error().Message()});
  const std::string text = EncodeRecoveryKey(recovery.ExportSeed());
  if (json) ctx.PrintJson({{"recovery_key", text}, {"entry", e->id.Hex()}});
  else *ctx.out << RecoveryKeyNotice(text) << "the previous recovery key no longer works\n";
  return {};
}

}  // namespace

std::string RecoveryKeyNotice(const std::string& key_text) {
  return fmt::format(
      "\nrecovery key (write it down and keep it apart from your devices; it is shown this once and kept "
      "nowhere):\n\n  {}\n\nWith it, `hearth recover` makes any member device an admin, even when every admin "
      "device is lost.\n",
      key_text);
}

std::string NoRecoveryKeyWarning() {
  return "warning: the household has no recovery key (it was founded before them); an admin makes one: hearth "
         "recovery rotate";
}

void RegisterRecovery(CLI::App& app, Context& ctx, Action* action) {
  auto key_file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* recover = AddCommand(app, "recover",
                                 "Make this member device an admin with the household's recovery key (read from "
                                 "--key-file or stdin)");
  recover->add_option("--key-file", *key_file, "Read the recovery key from this file's first line");
  recover->add_flag("--json", *json, "Print the result as JSON");
  recover->callback([&ctx, key_file, json, action] {
    *action = [&ctx, key_file, json] { return RunRecover(ctx, *key_file, *json); };
  });

  CLI::App* recovery = AddCommand(app, "recovery", "The household's recovery key");
  recovery->require_subcommand(1);
  auto rjson = std::make_shared<bool>(false);
  CLI::App* rotate = AddCommand(*recovery, "rotate",
                                "Make a new recovery key and print it once; the old one stops working (admins)");
  rotate->add_flag("--json", *rjson, "Print the result as JSON");
  rotate->callback([&ctx, rjson, action] { *action = [&ctx, rjson] { return RunRotate(ctx, *rjson); }; });
}

}  // namespace hearth::cli

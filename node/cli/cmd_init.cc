// hearth init: make a household on this, its first device.
#include <ostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "protocol/byte_io.h"
#include "protocol/recovery_key.h"

namespace hearth::cli {
namespace {

struct InitArgs {
  std::string name = "Home";
  std::string device_name;
  bool json = false;
};

CliResult RunInit(const Context& ctx, const InitArgs& args) {
  for (const auto* field : {&args.name, &args.device_name}) {
    if (field->empty() || field->size() > kMaxNameBytes || !IsValidUtf8(*field)) {
      return std::unexpected(CliError{"names must be 1 to 256 bytes of UTF-8", 2});
    }
  }
  // The recovery key: its public half goes into the genesis; its secret
  // half is shown once, here, and kept nowhere.
  const crypto::DeviceKey recovery = crypto::DeviceKey::Generate();
  store::InitOptions options{args.name, args.device_name, ctx.clock, recovery.public_key()};
  auto home = store::Home::Init(ctx.HomeDir(), options);
  if (!home) return std::unexpected(CliError{home.error().message});
  const std::string recovery_text = EncodeRecoveryKey(recovery.ExportSeed());
  const auto& state = home->ledger().ledger().state();
  if (args.json) {
    ctx.PrintJson({{"home", home->dir()},
                   {"household", {{"id", home->household().Hex()}, {"name", state.household_name}}},
                   {"device", {{"id", DeviceText(home->device_id())},
                               {"short", DeviceShort(home->device_id())},
                               {"name", args.device_name},
                               {"role", "full"},
                               {"admin", true}}},
                   {"recovery_key", recovery_text}});
  } else {
    *ctx.out << fmt::format("created household \"{}\" ({}) in {}\n", state.household_name,
                            home->household().ShortHex(), home->dir())
             << fmt::format("this device: \"{}\" {} (full, admin)\n", args.device_name,
                            DeviceShort(home->device_id()))
             << RecoveryKeyNotice(recovery_text);
  }
  return {};
}

}  // namespace

void RegisterInit(CLI::App& app, Context& ctx, Action* action) {
  auto args = std::make_shared<InitArgs>();
  args->device_name = HostName();
  CLI::App* cmd = AddCommand(app, "init", "Create a household on this device (its first)");
  cmd->add_option("--name", args->name, "Household name")->capture_default_str();
  cmd->add_option("--device-name", args->device_name, "This device's name")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([&ctx, args, action] { *action = [&ctx, args] { return RunInit(ctx, *args); }; });
}

}  // namespace hearth::cli

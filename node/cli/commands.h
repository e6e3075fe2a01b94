// Registration of each command. Each Register* adds its subcommand to `app`
// and stores its action in `*action`, run by main() after parsing.
#pragma once

#include <functional>

#include <string>

#include "node/cli/cli_context.h"
#include "protocol/ledger_state.h"

namespace hearth::cli {

using Action = std::function<CliResult()>;

void RegisterInit(CLI::App& app, Context& ctx, Action* action);
void RegisterStatus(CLI::App& app, Context& ctx, Action* action);
void RegisterLedger(CLI::App& app, Context& ctx, Action* action);
void RegisterImport(CLI::App& app, Context& ctx, Action* action);
void RegisterLibrary(CLI::App& app, Context& ctx, Action* action);
void RegisterServe(CLI::App& app, Context& ctx, Action* action);
void RegisterPairing(CLI::App& app, Context& ctx, Action* action);
void RegisterDevices(CLI::App& app, Context& ctx, Action* action);
void RegisterFetch(CLI::App& app, Context& ctx, Action* action);
void RegisterUser(CLI::App& app, Context& ctx, Action* action);
void RegisterFolders(CLI::App& app, Context& ctx, Action* action);
void RegisterDhtNode(CLI::App& app, Context& ctx, Action* action);
void RegisterAdmin(CLI::App& app, Context& ctx, Action* action);
void RegisterRecovery(CLI::App& app, Context& ctx, Action* action);

// What `init` and `recovery rotate` print around a new recovery key
// (cmd_recovery.cc).
std::string RecoveryKeyNotice(const std::string& key_text);
std::string NoRecoveryKeyWarning();
// A secret from `file` (its first line), else from stdin -- without echo on
// a terminal, after the prompt "`what`: " (cmd_user.cc).
std::expected<std::string, CliError> ReadSecretLine(const std::string& file, const std::string& what);

// The household's unrevoked admins (cmd_admin.cc), and what `status` and
// `admin list` say while there is only one (or none).
size_t AdminCount(const LedgerState& state);
// Fails unless this device is an unrevoked admin (cmd_admin.cc).
CliResult RequireAdminDevice(store::Home& home);
std::string SingleAdminWarning(const LedgerState& state);

}  // namespace hearth::cli

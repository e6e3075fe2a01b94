// hearth: the command-line entry point. Wiring only: parse, run the chosen
// command's action, report its error.
#include <sys/stat.h>

#include <iostream>

#include "node/cli/commands.h"

int main(int argc, char** argv) {
  using namespace hearth::cli;
  ::umask(077);  // everything a node writes is private to its user
  CLI::App app{"hearth: your household's music on every device, one copy, no server"};
  app.name("hearth");
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth " HEARTH_VERSION);
  Context ctx{.home_flag = {}, .out = &std::cout};
  app.add_option("--home", ctx.home_flag,
                 "Home directory (default: $HEARTH_HOME, else $XDG_DATA_HOME/hearth)");

  Action action;
  RegisterInit(app, ctx, &action);
  RegisterStatus(app, ctx, &action);
  RegisterLedger(app, ctx, &action);
  RegisterImport(app, ctx, &action);
  RegisterLibrary(app, ctx, &action);
  RegisterServe(app, ctx, &action);
  RegisterPairing(app, ctx, &action);
  RegisterDevices(app, ctx, &action);
  RegisterFetch(app, ctx, &action);
  RegisterUser(app, ctx, &action);
  RegisterFolders(app, ctx, &action);
  RegisterDhtNode(app, ctx, &action);
  RegisterAdmin(app, ctx, &action);
  RegisterRecovery(app, ctx, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the usage problem
    return 2;
  }
  CliResult result;
  try {
    result = action ? action() : CliResult{};
  } catch (const std::exception& e) {
    result = std::unexpected(CliError{std::string("internal error: ") + e.what()});
  }
  if (!result) {
    std::cout.flush();
    if (!result.error().message.empty())
      std::cerr << "hearth: error: " << result.error().message << '\n';
    return result.error().exit_code;
  }
  return 0;
}

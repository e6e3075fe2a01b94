#include "node/cli/cli_context.h"

#include <ostream>

#include <unistd.h>

namespace hearth::cli {

std::string Context::HomeDir() const {
  return home_flag.empty() ? store::DefaultHomeDir() : home_flag;
}

std::expected<store::Home, CliError> Context::OpenHome() const {
  auto home = store::Home::Open(HomeDir());
  if (!home) return std::unexpected(CliError{home.error().message});
  return std::move(*home);
}

void Context::PrintJson(const nlohmann::json& j) const { *out << j.dump(2) << '\n'; }

CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& help) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->fallthrough();
  return cmd;
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "device";
  return buf;
}

}  // namespace hearth::cli

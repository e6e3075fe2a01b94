// What every command shares: the resolved home directory, output to stdout,
// and the error type that main() turns into "hearth: error: ..." and an exit
// code. Commands return CliResult; they never call exit().
#pragma once

#include <expected>
#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "node/store/home.h"

namespace hearth::cli {

struct CliError {
  std::string message;
  int exit_code = 1;
};
using CliResult = std::expected<void, CliError>;

struct Context {
  std::string home_flag;   // --home as given (empty: default)
  std::ostream* out;       // where data goes (stdout)
  Clock clock = SystemNowMicros;

  std::string HomeDir() const;
  // Opens the home or fails with a clear message.
  std::expected<store::Home, CliError> OpenHome() const;
  void PrintJson(const nlohmann::json& j) const;
};

// Adds a subcommand that also accepts the parent's options after its name.
CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& help);

// This machine's host name: the default device name ("device" if unknown).
std::string HostName();

}  // namespace hearth::cli

// Runs a command line through /bin/sh and captures its exit code, stdout and
// stderr (for tests that drive the real `hearth` binary).
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace hearth::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline CommandResult RunCommand(const std::string& command_line) {
  TempDir capture;
  std::string cmd = command_line + " >" + (capture / "out") + " 2>" + (capture / "err") + " </dev/null";
  int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(capture / "out");
  r.err = slurp(capture / "err");
  return r;
}

// Single-quotes `s` for the shell.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace hearth::testing

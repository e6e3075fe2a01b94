// hearth user add|list|remove|passwd: the household listeners who log in to
// this device's web player, JSON API and OpenSubsonic apps.
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/http/users.h"

namespace hearth::cli {
namespace {

struct UserArgs {
  std::string name;
  std::string password_file;
  bool admin = false;
  bool json = false;
};

CliResult RunAdd(const Context& ctx, const UserArgs& a, bool change) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  auto password = ReadSecretLine(a.password_file, "password");
  if (!password) return std::unexpected(password.error());
  http::Users users(home->db(), home->device_key());
  auto user = change ? users.SetPassword(a.name, *password) : users.Add(a.name, *password, a.admin, ctx.clock());
  if (!user) return std::unexpected(CliError{user.error()});
  if (a.json) {
    ctx.PrintJson({{"user", user->name}, {"admin", user->admin}, {"api_key", user->api_key}});
  } else {
    *ctx.out << fmt::format("{} user {}{}; API key {}\n", change ? "changed the password of" : "added",
                            user->name, user->admin ? " (admin)" : "", user->api_key);
  }
  return {};
}

CliResult RunList(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  http::Users users(home->db(), home->device_key());
  auto list = users.List();
  if (!list) return std::unexpected(CliError{list.error()});
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : *list) out.push_back({{"user", u.name}, {"admin", u.admin}});
    ctx.PrintJson(out);
    return {};
  }
  if (list->empty()) *ctx.out << "no users yet: add one with `hearth user add NAME`\n";
  for (const auto& u : *list) *ctx.out << u.name << (u.admin ? "  (admin)" : "") << '\n';
  return {};
}

CliResult RunRemove(const Context& ctx, const UserArgs& a) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  http::Users users(home->db(), home->device_key());
  if (auto r = users.Remove(a.name); !r) return std::unexpected(CliError{r.error()});
  if (a.json) ctx.PrintJson({{"removed", a.name}});
  else *ctx.out << "removed user " << a.name << "\n";
  return {};
}

}  // namespace

// A secret from `file` (its first line), else from stdin: a prompt without
// echo on a terminal, the first line otherwise.
std::expected<std::string, CliError> ReadSecretLine(const std::string& file, const std::string& what) {
  std::string line;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return std::unexpected(CliError{"cannot read " + file});
    std::getline(in, line);
  } else if (::isatty(STDIN_FILENO)) {
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::cerr << what << ": " << std::flush;
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << '\n';
  } else {
    std::getline(std::cin, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return std::unexpected(CliError{"the " + what + " is empty", 2});
  return line;
}

void RegisterUser(CLI::App& app, Context& ctx, Action* action) {
  CLI::App* user = AddCommand(app, "user", "Listeners who log in to this device's web player and APIs");
  user->require_subcommand(1);

  auto add_args = std::make_shared<UserArgs>();
  CLI::App* add = AddCommand(*user, "add", "Add a listener (the password is read from --password-file or stdin)");
  add->add_option("name", add_args->name, "User name")->required();
  add->add_option("--password-file", add_args->password_file, "Read the password from this file's first line");
  add->add_flag("--admin", add_args->admin, "May look up other users");
  add->add_flag("--json", add_args->json, "Print JSON");
  add->callback([&ctx, add_args, action] { *action = [&ctx, add_args] { return RunAdd(ctx, *add_args, false); }; });

  auto pw_args = std::make_shared<UserArgs>();
  CLI::App* passwd = AddCommand(*user, "passwd", "Change a listener's password (and API key)");
  passwd->add_option("name", pw_args->name, "User name")->required();
  passwd->add_option("--password-file", pw_args->password_file, "Read the password from this file's first line");
  passwd->add_flag("--json", pw_args->json, "Print JSON");
  passwd->callback([&ctx, pw_args, action] { *action = [&ctx, pw_args] { return RunAdd(ctx, *pw_args, true); }; });

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = AddCommand(*user, "list", "List the listeners");
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&ctx, list_json, action] { *action = [&ctx, list_json] { return RunList(ctx, *list_json); }; });

  auto rm_args = std::make_shared<UserArgs>();
  CLI::App* rm = AddCommand(*user, "remove", "Remove a listener");
  rm->add_option("name", rm_args->name, "User name")->required();
  rm->add_flag("--json", rm_args->json, "Print JSON");
  rm->callback([&ctx, rm_args, action] { *action = [&ctx, rm_args] { return RunRemove(ctx, *rm_args); }; });
}

}  // namespace hearth::cli

// hearth user add|passwd|show|list|remove: the household's listeners, who
// log in to every member device's web player, JSON API and OpenSubsonic apps.
// They live in the ledger (node/http/listener_book.h): an admin device
// writes them, every member device follows.
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/http/listener_book.h"
#include "node/http/users.h"
#include "node/store/play_tables.h"

namespace hearth::cli {
namespace {

struct UserArgs {
  std::string name;
  std::string password_file;
  bool admin = false;
  bool json = false;
};

CliError BookError(const http::ListenerBookError& e) {
  const bool usage = e.code == http::ListenerBookErrc::kBadName || e.code == http::ListenerBookErrc::kBadPassword;
  return CliError{e.message, usage ? 2 : 1};
}

// Moves listeners this device had before household listeners into the
// ledger, when this is an admin device; says so on stderr.
void Migrate(const Context& ctx, store::Home& home) {
  auto migrated = http::ListenerBook(home).MigrateDeviceListeners(ctx.clock());
  if (!migrated) return;  // not an admin, or nothing to move: they keep working on this device
  for (const auto& name : migrated->moved)
    std::cerr << "hearth: listener " << name << " of this device is now a household listener, known on every device\n";
  for (const auto& name : migrated->dropped)
    std::cerr << "hearth: this device's own listener " << name << " was dropped: the household has a listener of that name\n";
}

void PrintSecrets(const Context& ctx, const std::string& what, const ListenerDetails& d, bool json) {
  if (json) {
    ctx.PrintJson({{"user", d.name}, {"admin", d.admin}, {"household", true}, {"app_password", d.app_password},
                   {"api_key", d.api_key}});
    return;
  }
  *ctx.out << fmt::format(
      "{} {}{}: logs in with the password on every device of the household.\n"
      "  Subsonic apps: user {}, password {} (or API key {})\n",
      what, d.name, d.admin ? " (admin)" : "", d.name, d.app_password, d.api_key);
}

CliResult RunAdd(const Context& ctx, const UserArgs& a, bool change) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  Migrate(ctx, *home);
  http::ListenerBook book(*home);
  if (change && !http::ListenerBook(*home).Find(a.name).value_or(std::nullopt)) {
    if (auto local = store::FindUser(home->db(), a.name); local && *local)
      return std::unexpected(CliError{
          a.name + " is this device's own listener from before household listeners: add it to the household on an "
                   "admin device (`hearth user add " + a.name + "` there), then `hearth user remove " + a.name +
          "` here"});
  }
  auto password = ReadSecretLine(a.password_file, "password");
  if (!password) return std::unexpected(password.error());
  auto user = change ? book.SetPassword(a.name, *password, ctx.clock()) : book.Add(a.name, *password, a.admin, ctx.clock());
  if (!user) return std::unexpected(BookError(user.error()));
  PrintSecrets(ctx, change ? "changed the password of" : "added", *user, a.json);
  if (!a.json && change) *ctx.out << "  (the old app password and API key no longer work)\n";
  return {};
}

CliResult RunShow(const Context& ctx, const UserArgs& a) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  Migrate(ctx, *home);
  auto found = http::ListenerBook(*home).Find(a.name);
  if (!found) return std::unexpected(BookError(found.error()));
  if (!*found) return std::unexpected(CliError{"no household listener named " + a.name});
  PrintSecrets(ctx, "listener", **found, a.json);
  return {};
}

CliResult RunList(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  Migrate(ctx, *home);
  auto household = http::ListenerBook(*home).List();
  if (!household) return std::unexpected(BookError(household.error()));
  auto local = store::ListUsers(home->db());
  if (!local) return std::unexpected(CliError{local.error().message});
  std::set<std::string> names;
  for (const auto& d : *household) names.insert(d.name);
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : *household) out.push_back({{"user", d.name}, {"admin", d.admin}, {"household", true}});
    for (const auto& r : *local)
      if (!names.contains(r.name)) out.push_back({{"user", r.name}, {"admin", r.admin}, {"household", false}});
    ctx.PrintJson(out);
    return {};
  }
  if (household->empty() && local->empty()) *ctx.out << "no users yet: add one with `hearth user add NAME` (admins)\n";
  for (const auto& d : *household) *ctx.out << d.name << (d.admin ? "  (admin)" : "") << '\n';
  for (const auto& r : *local)
    if (!names.contains(r.name))
      *ctx.out << r.name << (r.admin ? "  (admin)" : "")
               << "  (this device only, from before household listeners: an admin device moves it when it runs)\n";
  return {};
}

CliResult RunRemove(const Context& ctx, const UserArgs& a) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  Migrate(ctx, *home);
  auto found = http::ListenerBook(*home).Find(a.name);
  if (found && *found) {
    if (auto r = http::ListenerBook(*home).Remove(a.name, ctx.clock()); !r) return std::unexpected(BookError(r.error()));
  } else {
    auto removed = store::RemoveUser(home->db(), a.name);
    if (!removed) return std::unexpected(CliError{removed.error().message});
    if (!*removed) return std::unexpected(CliError{"no user named " + a.name});
  }
  if (a.json) ctx.PrintJson({{"removed", a.name}});
  else *ctx.out << "removed user " << a.name << "; every device refuses it as the entry reaches it\n";
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
  CLI::App* user = AddCommand(app, "user", "The household's listeners, who log in to every device's player and APIs");
  user->require_subcommand(1);

  auto add_args = std::make_shared<UserArgs>();
  CLI::App* add = AddCommand(*user, "add", "Add a household listener (admins; the password is read from --password-file or stdin)");
  add->add_option("name", add_args->name, "User name")->required();
  add->add_option("--password-file", add_args->password_file, "Read the password from this file's first line");
  add->add_flag("--admin", add_args->admin, "An admin listener: the web player's control room, imports, looking up other users");
  add->add_flag("--json", add_args->json, "Print JSON");
  add->callback([&ctx, add_args, action] { *action = [&ctx, add_args] { return RunAdd(ctx, *add_args, false); }; });

  auto pw_args = std::make_shared<UserArgs>();
  CLI::App* passwd = AddCommand(*user, "passwd", "Change a listener's password (admins; the app password and API key change too)");
  passwd->add_option("name", pw_args->name, "User name")->required();
  passwd->add_option("--password-file", pw_args->password_file, "Read the password from this file's first line");
  passwd->add_flag("--json", pw_args->json, "Print JSON");
  passwd->callback([&ctx, pw_args, action] { *action = [&ctx, pw_args] { return RunAdd(ctx, *pw_args, true); }; });

  auto show_args = std::make_shared<UserArgs>();
  CLI::App* show = AddCommand(*user, "show", "Show a listener's app password and API key (for Subsonic apps)");
  show->add_option("name", show_args->name, "User name")->required();
  show->add_flag("--json", show_args->json, "Print JSON");
  show->callback([&ctx, show_args, action] { *action = [&ctx, show_args] { return RunShow(ctx, *show_args); }; });

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

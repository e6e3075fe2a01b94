// hearth folders [--json] | folders remove PATH: the folders (and single
// files) this device imports from, how they are kept (in place or sealed
// copies) and whether the running node watches them. Every `hearth import`
// adds what it read; the JSON API may start imports only inside them
// (store/import_roots.h); `serve` watches those kept in place
// (library/folder_watch.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/cli/serve_info.h"
#include "node/store/import_roots.h"

namespace hearth::cli {
namespace {

struct FolderArgs {
  std::string path;
  bool json = false;
};

// What a root is now: "folder", "file", or why it cannot be read.
struct FolderState {
  std::string kind;   // folder | file | "" when unavailable
  std::string state;  // available | unavailable: REASON
};

FolderState FolderStateOf(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {"", std::string("unavailable: ") + std::strerror(errno)};
  const bool dir = S_ISDIR(st.st_mode);
  if (::access(path.c_str(), dir ? (R_OK | X_OK) : R_OK) != 0)
    return {dir ? "folder" : "file", std::string("unavailable: ") + std::strerror(errno)};
  return {dir ? "folder" : "file", "available"};
}

// Whether the running node follows the folder, as it last wrote.
std::string WatchOf(const store::ImportRoot& r, bool node_running) {
  if (!r.in_place) return "not watched (sealed copies)";
  if (!node_running) return "not watched now (no node running)";
  if (r.state.empty()) return "not yet looked at";
  return r.state_detail.empty() ? r.state : r.state + ": " + r.state_detail;
}

CliResult RunListFolders(const Context& ctx, bool json) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  auto roots = store::ListImportRootRows(home->db());
  if (!roots) return std::unexpected(CliError{roots.error().message});
  const bool running = RunningNode(home->dir()).has_value();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *roots) {
      const FolderState s = FolderStateOf(r.path);
      nlohmann::json j = {{"path", r.path},
                          {"kind", s.kind},
                          {"state", s.state},
                          {"kept", r.in_place ? "in place" : "copies"},
                          {"watch", WatchOf(r, running)},
                          {"added_us", r.added_us}};
      if (r.checked_us > 0) j["checked"] = FormatTime(r.checked_us);
      out.push_back(std::move(j));
    }
    ctx.PrintJson(out);
    return {};
  }
  if (roots->empty()) *ctx.out << "no folders yet: `hearth import FOLDER` adds one\n";
  for (const auto& r : *roots) {
    const FolderState s = FolderStateOf(r.path);
    *ctx.out << fmt::format("{}  ({}{}, {}; {})\n", r.path, s.kind.empty() ? "" : s.kind + ", ", s.state,
                            r.in_place ? "kept in place" : "sealed copies", WatchOf(r, running));
  }
  return {};
}

CliResult RunRemoveFolder(const Context& ctx, const FolderArgs& a) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  // As recorded: absolute with symlinks resolved -- or, for one that is
  // gone, absolute as typed.
  std::error_code ec;
  std::string path = std::filesystem::canonical(a.path, ec).string();
  if (ec) path = std::filesystem::absolute(a.path, ec).lexically_normal().string();
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  auto removed = store::RemoveImportRoot(home->db(), path);
  if (!removed) return std::unexpected(CliError{removed.error().message});
  if (!*removed)
    return std::unexpected(CliError{path + " is not a folder this device imports from (`hearth folders` lists them)"});
  if (a.json) ctx.PrintJson({{"removed", path}});
  else *ctx.out << "removed " << path << " (what was imported from it stays in the library)\n";
  return {};
}

}  // namespace

void RegisterFolders(CLI::App& app, Context& ctx, Action* action) {
  CLI::App* folders = AddCommand(app, "folders", "The folders this device imports from");
  auto list_json = std::make_shared<bool>(false);
  folders->add_flag("--json", *list_json, "Print JSON");

  auto rm_args = std::make_shared<FolderArgs>();
  CLI::App* rm = AddCommand(*folders, "remove",
                            "Stop importing from and watching a folder (the API may no longer import there)");
  rm->add_option("path", rm_args->path, "The folder (or file) as `hearth folders` lists it")->required();
  rm->add_flag("--json", rm_args->json, "Print JSON");
  rm->callback([&ctx, rm_args, action] { *action = [&ctx, rm_args] { return RunRemoveFolder(ctx, *rm_args); }; });

  folders->callback([&ctx, folders, list_json, action] {
    if (folders->get_subcommands().empty()) *action = [&ctx, list_json] { return RunListFolders(ctx, *list_json); };
  });
}

}  // namespace hearth::cli

// hearth import PATH...: bring music into the household.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/library/importer.h"

namespace hearth::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnInterrupt(int) {
  g_interrupted.store(true);
  ::signal(SIGINT, SIG_DFL);  // a second ^C stops at once
}

struct ImportArgs {
  std::vector<std::string> paths;
  bool json = false;
  unsigned jobs = 0;
  bool copy = false;
  bool in_place = false;  // the default; the flag is still accepted
};

std::string Megabytes(uint64_t b) { return fmt::format("{:.1f} MB", static_cast<double>(b) / 1e6); }

// One status line on a terminal, redrawn at most ten times a second.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), start_(Clock::now()) {}
  void Update(const library::ImportProgress& p, bool force = false) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(p.bytes_done) / secs / 1e6 : 0;
    int width = 24;
    int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
    std::string bar = std::string(static_cast<size_t>(filled), '=') + std::string(static_cast<size_t>(width - filled), ' ');
    std::string name = p.current.substr(p.current.find_last_of('/') + 1);
    if (name.size() > 30) name = name.substr(0, 27) + "...";
    std::fprintf(stderr, "\r\033[K[%s] %zu/%zu files  %s  %.1f MB/s  %s", bar.c_str(), p.done, p.total,
                 Megabytes(p.bytes_done).c_str(), rate, name.c_str());
    std::fflush(stderr);
  }
  void Clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  Clock::time_point start_, last_{};
};

CliResult RunImport(const Context& ctx, const ImportArgs& args) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  library::Catalog catalog(home->db());
  library::Importer importer(*home, catalog);

  ProgressLine progress(!args.json && ::isatty(STDERR_FILENO));
  library::ImportOptions options;
  options.paths = args.paths;
  options.workers = args.jobs;
  options.in_place = !args.copy;
  options.cancel = &g_interrupted;
  options.on_file = [&](const library::ImportProgress& p, const library::FileReport& r) {
    if (r.outcome == library::Outcome::kFailed && !args.json) {
      progress.Clear();
      if (r.path.empty()) {
        std::fprintf(stderr, "failed: %s\n", r.detail.c_str());
      } else {
        std::fprintf(stderr, "failed: %s: %s\n", r.path.c_str(), r.detail.c_str());
      }
    }
    progress.Update(p);
  };
  ::signal(SIGINT, OnInterrupt);
  auto summary = importer.Run(options);
  ::signal(SIGINT, SIG_DFL);
  progress.Clear();
  if (!summary) return std::unexpected(CliError{summary.error()});
  if (!args.json) {
    // Problems found after the last file (the final catalog update) were not
    // reported as they happened.
    for (const auto& p : summary->problems)
      if (p.path.empty() && p.detail.starts_with("the catalog")) std::fprintf(stderr, "failed: %s\n", p.detail.c_str());
  }

  const auto& s = *summary;
  if (args.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : s.problems) problems.push_back({{"path", p.path}, {"reason", p.detail}});
    ctx.PrintJson({{"imported", s.imported},
                   {"matched", s.matched},
                   {"duplicate", s.duplicate},
                   {"unchanged", s.unchanged},
                   {"failed", s.failed},
                   {"skipped_not_music", s.skipped_other},
                   {"bytes_read", s.bytes_read},
                   {"seconds", s.seconds},
                   {"interrupted", s.interrupted},
                   {"kept", args.copy ? "copies" : "in place"},
                   {"problems", problems}});
  } else {
    *ctx.out << fmt::format(
        "{}imported {}, matched {}, duplicate {}, unchanged {}, failed {}{} ({} read in {:.1f} s)\n",
        s.interrupted ? "interrupted: " : "", s.imported, s.matched, s.duplicate, s.unchanged, s.failed,
        s.skipped_other ? fmt::format(", not music {}", s.skipped_other) : "", Megabytes(s.bytes_read),
        s.seconds);
    *ctx.out << (args.copy ? "kept sealed copies in the home\n"
                           : "the originals stay where they are (`hearth serve` follows their folders); "
                             "`import --copy` keeps sealed copies instead\n");
  }
  if (s.interrupted) return std::unexpected(CliError{"import interrupted; run it again to finish", 130});
  if (s.failed > 0) {
    return std::unexpected(CliError{fmt::format("{} file{} could not be imported", s.failed,
                                                s.failed == 1 ? "" : "s"), 3});
  }
  return {};
}

}  // namespace

void RegisterImport(CLI::App& app, Context& ctx, Action* action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = AddCommand(app, "import", "Import music files and folders into the household");
  cmd->add_option("paths", args->paths, "Files or folders to import")->required();
  cmd->add_option("-j,--jobs", args->jobs, "Files processed at once (default: one per core)");
  cmd->add_flag("--json", args->json, "Print the summary as JSON");
  cmd->add_flag("--copy", args->copy,
                "Keep a sealed copy of every file in the home (for files about to leave, like a USB stick); by "
                "default the originals stay where they are and the blobs are made from them whenever read");
  cmd->add_flag("--in-place", args->in_place, "Keep the originals where they are (the default)");
  cmd->callback([&ctx, args, action] {
    if (args->copy && args->in_place) throw CLI::ValidationError("--copy and --in-place ask for opposite things");
    *action = [&ctx, args] { return RunImport(ctx, *args); };
  });
}

}  // namespace hearth::cli

// hearth fetch | pin | unpin: bringing blobs to this device.
//
// These commands only record what is wanted (the `wanted` and `pins`
// tables); the running node (`hearth serve`) does the fetching. `fetch`
// waits for it and shows progress; `pin` returns at once.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <sys/stat.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/cli/library_access.h"
#include "node/cli/serve_info.h"
#include "node/cli/track_json.h"
#include "node/store/mesh_tables.h"

namespace hearth::cli {
namespace {

struct FetchArgs {
  std::vector<std::string> tracks;
  std::string album;
  int timeout_s = 300;
  bool json = false;
};

// The tracks named by ids and/or --album.
std::expected<std::vector<library::TrackRecord>, CliError> Select(Library& lib, const FetchArgs& a) {
  std::vector<library::TrackRecord> out;
  for (const std::string& k : a.tracks) {
    auto t = ResolveTrack(lib.catalog, k);
    if (!t) return std::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  if (!a.album.empty()) {
    auto list = lib.catalog.List(library::ListFilter{.album = a.album, .artist = {}});
    if (!list) return std::unexpected(CliError{list.error().message});
    if (list->empty()) return std::unexpected(CliError{"no album matches \"" + a.album + "\""});
    out.insert(out.end(), list->begin(), list->end());
  }
  if (out.empty()) return std::unexpected(CliError{"name at least one track id, or --album", 2});
  return out;
}

uint64_t PartialBytes(const std::string& home_dir, const BlobId& blob) {
  struct stat st {};
  std::string p = home_dir + "/partial/" + blob.Hex();
  // Allocated blocks, not the (pre-sized) length: roughly what has arrived.
  return ::stat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

CliResult RunFetch(const Context& ctx, const FetchArgs& a) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto tracks = Select(**lib, a);
  if (!tracks) return std::unexpected(tracks.error());
  store::Home& home = (*lib)->home;
  std::map<BlobId, const library::TrackRecord*> want;
  for (const auto& t : *tracks)
    if (!home.blobs().Has(t.blob)) want.emplace(t.blob, &t);
  const size_t already = tracks->size() - want.size();
  if (!want.empty() && !RunningNode(home.dir()))
    return std::unexpected(CliError{"no node is running on " + home.dir() + "; start `hearth serve` first (fetching needs the mesh)"});
  for (const auto& [blob, t] : want)
    if (auto r = store::AddWanted(home.db(), blob, store::WantedReason::kFetch, ctx.clock()); !r)
      return std::unexpected(CliError{r.error().message});
  const bool tty = ::isatty(STDERR_FILENO) && !a.json;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_s);
  std::set<BlobId> done;
  uint64_t total = 0;
  for (const auto& [blob, t] : want) total += t->plaintext_length;
  while (done.size() < want.size() && std::chrono::steady_clock::now() < deadline) {
    uint64_t bytes = 0;
    for (const auto& [blob, t] : want) {
      if (done.contains(blob) || home.blobs().Has(blob)) {
        if (done.insert(blob).second && !a.json)
          *ctx.out << fmt::format("fetched  {}\n", TrackLine(*t));
        bytes += t->plaintext_length;
      } else {
        bytes += std::min<uint64_t>(PartialBytes(home.dir(), blob), t->plaintext_length);
      }
    }
    if (tty) std::fprintf(stderr, "\r%zu/%zu tracks, %s of %s   ", done.size(), want.size(), HumanBytes(bytes).c_str(),
                          HumanBytes(total).c_str());
    if (done.size() < want.size()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (tty) std::fprintf(stderr, "\n");
  if (a.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [blob, t] : want)
      list.push_back({{"track", t->track.Hex()}, {"blob", blob.Hex()}, {"fetched", done.contains(blob)}});
    ctx.PrintJson({{"already_here", already}, {"fetched", done.size()}, {"missing", want.size() - done.size()},
                   {"tracks", list}});
  } else if (already > 0) {
    *ctx.out << fmt::format("{} track(s) were already on this device\n", already);
  }
  if (done.size() < want.size()) {
    return std::unexpected(CliError{fmt::format(
        "{} of {} track(s) not fetched within {} s (no online device holds them?); the node keeps trying",
        want.size() - done.size(), want.size(), a.timeout_s)});
  }
  return {};
}

CliResult RunPin(const Context& ctx, const FetchArgs& a, bool pin) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto tracks = Select(**lib, a);
  if (!tracks) return std::unexpected(tracks.error());
  store::Home& home = (*lib)->home;
  size_t to_fetch = 0;
  for (const auto& t : *tracks) {
    if (auto r = store::SetPinned(home.db(), t.blob, pin, ctx.clock()); !r)
      return std::unexpected(CliError{r.error().message});
    if (pin && !home.blobs().Has(t.blob)) {
      ++to_fetch;
      if (auto r = store::AddWanted(home.db(), t.blob, store::WantedReason::kPin, ctx.clock()); !r)
        return std::unexpected(CliError{r.error().message});
    }
  }
  if (a.json) {
    ctx.PrintJson({{pin ? "pinned" : "unpinned", tracks->size()}, {"to_fetch", to_fetch}});
  } else if (pin) {
    *ctx.out << fmt::format("pinned {} track(s); {} to fetch{}\n", tracks->size(), to_fetch,
                            to_fetch == 0 ? ""
                            : RunningNode(home.dir()) ? " (the node is fetching them)"
                                                      : " (when `hearth serve` runs)");
  } else {
    *ctx.out << fmt::format("unpinned {} track(s); they stay as cache\n", tracks->size());
  }
  return {};
}

void AddSelection(CLI::App* cmd, FetchArgs& a) {
  cmd->add_option("tracks", a.tracks, "Track ids (prefixes)");
  cmd->add_option("--album", a.album, "Every track of albums matching this");
  cmd->add_flag("--json", a.json, "Print the result as JSON");
}

}  // namespace

void RegisterFetch(CLI::App& app, Context& ctx, Action* action) {
  auto fa = std::make_shared<FetchArgs>();
  CLI::App* fetch = AddCommand(app, "fetch", "Download tracks to this device from the devices that hold them");
  AddSelection(fetch, *fa);
  fetch->add_option("--timeout", fa->timeout_s, "Seconds to wait")->capture_default_str();
  fetch->callback([&ctx, fa, action] { *action = [&ctx, fa] { return RunFetch(ctx, *fa); }; });

  auto pa = std::make_shared<FetchArgs>();
  CLI::App* pin = AddCommand(app, "pin", "Keep tracks on this device (fetched in the background)");
  AddSelection(pin, *pa);
  pin->callback([&ctx, pa, action] { *action = [&ctx, pa] { return RunPin(ctx, *pa, true); }; });

  auto ua = std::make_shared<FetchArgs>();
  CLI::App* unpin = AddCommand(app, "unpin", "Stop keeping tracks on this device");
  AddSelection(unpin, *ua);
  unpin->callback([&ctx, ua, action] { *action = [&ctx, ua] { return RunPin(ctx, *ua, false); }; });
}

}  // namespace hearth::cli

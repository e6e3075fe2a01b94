// hearth ls | search | show | export | forget: the catalog.
#include <ostream>

#include <fmt/format.h>

#include "node/cli/commands.h"
#include "node/cli/describe.h"
#include "node/admin/health_json.h"
#include "node/cli/serve_info.h"
#include "node/cli/library_access.h"
#include "node/cli/track_json.h"
#include "node/library/library_ops.h"
#include "node/store/missing_originals.h"

namespace hearth::cli {
namespace {

CliResult PrintTracks(const Context& ctx, const std::vector<library::TrackRecord>& tracks, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : tracks) list.push_back(TrackJson(t));
    ctx.PrintJson(list);
  } else {
    for (const auto& t : tracks) *ctx.out << TrackLine(t) << '\n';
  }
  return {};
}

CliResult RunLs(const Context& ctx, const library::ListFilter& filter, bool json) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto tracks = (*lib)->catalog.List(filter);
  if (!tracks) return std::unexpected(CliError{tracks.error().message});
  return PrintTracks(ctx, *tracks, json);
}

CliResult RunSearch(const Context& ctx, const std::string& query, size_t limit, bool json) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto tracks = (*lib)->catalog.Search(query, limit);
  if (!tracks) return std::unexpected(CliError{tracks.error().message});
  return PrintTracks(ctx, *tracks, json);
}

CliResult RunTrackShow(const Context& ctx, const std::string& key, bool json) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  auto track = ResolveTrack((*lib)->catalog, key);
  if (!track) return std::unexpected(track.error());
  auto claims = (*lib)->catalog.ClaimsOf(track->track);
  if (!claims) return std::unexpected(CliError{claims.error().message});
  bool local = (*lib)->home.blobs().Has(track->blob);
  if (json) {
    nlohmann::json j = TrackJson(*track);
    j["blob_stored_here"] = local;
    nlohmann::json copies = nlohmann::json::array();
    for (const auto& c : *claims) copies.push_back(TrackJson(c));
    j["claims"] = copies;
    ctx.PrintJson(j);
    return {};
  }
  auto& out = *ctx.out;
  const auto& t = *track;
  out << fmt::format("{}\n", t.title);
  out << fmt::format("  track id     {}\n", t.track.Hex());
  out << fmt::format("  artist       {}\n", t.artist);
  if (!t.album_artist.empty()) out << fmt::format("  album artist {}\n", t.album_artist);
  out << fmt::format("  album        {}{}\n", t.album, t.year ? fmt::format(" ({})", t.year) : "");
  out << fmt::format("  number       track {}{}, disc {}{}\n", t.track_no, t.track_total ? fmt::format(" of {}", t.track_total) : "",
                     t.disc_no, t.disc_total ? fmt::format(" of {}", t.disc_total) : "");
  if (!t.genre.empty()) out << fmt::format("  genre        {}\n", t.genre);
  out << fmt::format("  duration     {}\n", Duration(t.duration_ms));
  out << fmt::format("  audio        {} / {}, {} kbit/s, {} Hz, {} channel{}\n", t.format, t.codec,
                     t.bitrate / 1000, t.sample_rate, t.channels, t.channels == 1 ? "" : "s");
  for (const auto& [k, v] : t.tags) {
    if (k.starts_with("replaygain") || k.starts_with("musicbrainz") || k == "composer" || k == "label" || k == "isrc")
      out << fmt::format("  {:<12} {}\n", k, v);
  }
  out << fmt::format("  cover        {}\n", t.cover ? ToHex(*t.cover).substr(0, 12) : "none");
  out << fmt::format("  blob         {} ({} bytes, {})\n", t.blob.Hex(), t.plaintext_length,
                     local ? "stored here" : "not on this device");
  out << fmt::format("  claims       {}\n", claims->size());
  for (const auto& c : *claims) {
    out << fmt::format("    {}  by {} at {}  from {}{}\n", c.claim.Hex(), DeviceShort(c.author),
                       FormatTime(c.claimed_us), c.source_path, c.matched ? "  (matched copy)" : "");
  }
  return {};
}

CliResult RunExport(const Context& ctx, const std::vector<std::string>& keys, bool all,
                    const std::string& dest, bool json) {
  if (all == !keys.empty()) return std::unexpected(CliError{"give --all or track ids, not both", 2});
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  std::vector<library::TrackRecord> tracks;
  if (all) {
    auto listed = (*lib)->catalog.List({});
    if (!listed) return std::unexpected(CliError{listed.error().message});
    tracks = std::move(*listed);
  } else {
    for (const auto& k : keys) {
      auto t = ResolveTrack((*lib)->catalog, k);
      if (!t) return std::unexpected(t.error());
      tracks.push_back(std::move(*t));
    }
  }
  size_t failed = 0;
  nlohmann::json written = nlohmann::json::array();
  for (const auto& t : tracks) {
    auto path = library::ExportTrack((*lib)->home, t, dest);
    if (!path) {
      ++failed;
      std::fprintf(stderr, "failed: %s: %s\n", t.title.c_str(), path.error().c_str());
      continue;
    }
    if (json) {
      written.push_back({{"id", t.track.Hex()}, {"path", *path}});
    } else {
      *ctx.out << *path << '\n';
    }
  }
  if (json) ctx.PrintJson({{"exported", written}, {"failed", failed}});
  if (failed) return std::unexpected(CliError{fmt::format("{} track(s) could not be exported", failed), 3});
  return {};
}

// forget --missing: the originals gone from this device's folders that no
// device holds a copy of (`hearth status` lists them).
CliResult RunForgetMissing(const Context& ctx, Library& lib, bool json) {
  auto health = admin::ComputeHealth(lib.home, RunningNode(lib.home.dir()).has_value());
  if (!health) return std::unexpected(CliError{"cannot work out which tracks have a copy: " + health.error()});
  nlohmann::json done = nlohmann::json::array();
  size_t settled = 0, kept = 0;
  for (const admin::MissingOriginalHealth& m : health->missing) {
    if (!m.blob.holders.empty()) {
      ++kept;  // another device still has it: nothing to settle
      continue;
    }
    std::string title = "blob " + m.blob.blob.ShortHex();
    if (auto t = lib.catalog.AnyClaimOfBlob(m.blob.blob); t && *t) title = "\"" + (*t)->title + "\"";
    auto r = library::ForgetBlob(lib.home, lib.catalog, m.blob.blob);
    if (!r) return std::unexpected(CliError{r.error()});
    (void)store::RemoveMissingOriginal(lib.home.db(), m.file);
    ++settled;
    if (json) {
      done.push_back({{"path", ToUtf8Lossy(m.path)}, {"blob", m.blob.blob.Hex()}, {"released", r->released}});
    } else {
      *ctx.out << fmt::format("forgot {} (was {}): {} claim{} released\n", title, ToUtf8Lossy(m.path), r->released,
                              r->released == 1 ? "" : "s");
    }
  }
  if (json) {
    ctx.PrintJson({{"forgotten", done}, {"still_held_elsewhere", kept}});
  } else if (settled == 0) {
    *ctx.out << "no track is missing with no copy left" << (kept ? fmt::format(" ({} gone from here are held elsewhere)", kept) : "") << '\n';
  }
  return {};
}

CliResult RunForget(const Context& ctx, const std::vector<std::string>& keys, bool missing, bool json) {
  auto lib = OpenLibrary(ctx);
  if (!lib) return std::unexpected(lib.error());
  if (missing && !keys.empty()) return std::unexpected(CliError{"--missing takes no track ids", 2});
  if (missing) return RunForgetMissing(ctx, **lib, json);
  if (keys.empty()) return std::unexpected(CliError{"name the tracks to forget, or --missing", 2});
  nlohmann::json done = nlohmann::json::array();
  for (const auto& k : keys) {
    auto t = ResolveTrack((*lib)->catalog, k);
    if (!t) return std::unexpected(t.error());
    auto r = library::ForgetTrack((*lib)->home, (*lib)->catalog, t->track);
    if (!r) return std::unexpected(CliError{r.error()});
    if (json) {
      done.push_back({{"id", t->track.Hex()}, {"released", r->released}, {"blobs_removed", r->blobs_removed}});
    } else {
      *ctx.out << fmt::format("forgot \"{}\": {} claim{} released, {} blob{} removed\n", t->title,
                              r->released, r->released == 1 ? "" : "s", r->blobs_removed,
                              r->blobs_removed == 1 ? "" : "s");
    }
  }
  if (json) ctx.PrintJson(done);
  return {};
}

}  // namespace

void RegisterLibrary(CLI::App& app, Context& ctx, Action* action) {
  {
    auto filter = std::make_shared<library::ListFilter>();
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = AddCommand(app, "ls", "List the household's tracks");
    auto* album = cmd->add_option("--album", filter->album, "Only albums whose name contains this");
    auto* artist = cmd->add_option("--artist", filter->artist, "Only artists whose name contains this");
    album->excludes(artist);
    cmd->add_flag("--json", *json, "Print as JSON");
    cmd->callback([&ctx, filter, json, action] { *action = [&ctx, filter, json] { return RunLs(ctx, *filter, *json); }; });
  }
  {
    auto query = std::make_shared<std::string>();
    auto limit = std::make_shared<size_t>(50);
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = AddCommand(app, "search", "Find tracks by title, artist, album or genre (word prefixes)");
    cmd->add_option("query", *query, "Words to look for")->required();
    cmd->add_option("--limit", *limit, "Most results to show")->capture_default_str();
    cmd->add_flag("--json", *json, "Print as JSON");
    cmd->callback([&ctx, query, limit, json, action] {
      *action = [&ctx, query, limit, json] { return RunSearch(ctx, *query, *limit, *json); };
    });
  }
  {
    auto key = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = AddCommand(app, "show", "Everything known about one track");
    cmd->add_option("track", *key, "Track id (or its first 4+ hex digits)")->required();
    cmd->add_flag("--json", *json, "Print as JSON");
    cmd->callback([&ctx, key, json, action] { *action = [&ctx, key, json] { return RunTrackShow(ctx, *key, *json); }; });
  }
  {
    auto keys = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    auto dest = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = AddCommand(app, "export", "Write original files back out, bit for bit");
    cmd->add_flag("--all", *all, "Every track");
    cmd->add_option("args", *keys, "TRACK... DEST")->required();
    cmd->add_flag("--json", *json, "Print as JSON");
    cmd->callback([&ctx, keys, all, dest, json, action] {
      *dest = keys->back();
      keys->pop_back();
      *action = [&ctx, keys, all, dest, json] { return RunExport(ctx, *keys, *all, *dest, *json); };
    });
  }
  {
    auto keys = std::make_shared<std::vector<std::string>>();
    auto json = std::make_shared<bool>(false);
    auto missing = std::make_shared<bool>(false);
    CLI::App* cmd = AddCommand(app, "forget", "Release tracks; their blobs go when no claim needs them");
    cmd->add_option("tracks", *keys, "Track ids");
    cmd->add_flag("--missing", *missing,
                  "Release the tracks whose originals are gone from this device's folders and that no device "
                  "holds a copy of (`hearth status` lists them)");
    cmd->add_flag("--json", *json, "Print as JSON");
    cmd->callback([&ctx, keys, missing, json, action] {
      *action = [&ctx, keys, missing, json] { return RunForget(ctx, *keys, *missing, *json); };
    });
  }
}

}  // namespace hearth::cli

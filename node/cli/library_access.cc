#include "node/cli/library_access.h"

#include <cstdio>

#include <fmt/format.h>

#include "node/cli/describe.h"
#include "node/cli/track_json.h"

namespace hearth::cli {

std::expected<std::unique_ptr<Library>, CliError> OpenLibrary(const Context& ctx) {
  auto home = ctx.OpenHome();
  if (!home) return std::unexpected(home.error());
  auto lib = std::make_unique<Library>(std::move(*home));
  if (auto s = lib->catalog.Sync(lib->home.ledger().ledger().state(), lib->home.content_secret()); !s) {
    std::fprintf(stderr, "hearth: warning: the catalog could not be brought up to date (%s); "
                         "showing what it holds\n", s.error().message.c_str());
  }
  return lib;
}

std::expected<library::TrackRecord, CliError> ResolveTrack(library::Catalog& catalog, const std::string& key) {
  auto found = catalog.FindTracks(key);
  if (!found) return std::unexpected(CliError{found.error().message});
  if (found->empty()) {
    return std::unexpected(CliError{fmt::format(
        "no track with id {}; `hearth ls` or `hearth search` shows ids (at least 4 hex digits)", key)});
  }
  if (found->size() > 1) {
    std::string names;
    for (size_t i = 0; i < found->size() && i < 5; ++i) names += "\n  " + TrackLine((*found)[i]);
    return std::unexpected(CliError{fmt::format("{} tracks start with {}; give more digits:{}",
                                                found->size(), key, names)});
  }
  return std::move(found->front());
}

}  // namespace hearth::cli

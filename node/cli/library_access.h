// What commands that name tracks share: the home with an up-to-date catalog,
// and resolving a track id prefix the user typed.
#pragma once

#include <memory>

#include "node/cli/cli_context.h"
#include "node/library/catalog.h"

namespace hearth::cli {

// A home and its catalog; the catalog borrows the home's database.
struct Library {
  explicit Library(store::Home h) : home(std::move(h)), catalog(home.db()) {}
  store::Home home;
  library::Catalog catalog;
};

// Opens the home and brings its catalog up to date with the ledger (a
// warning, not an error, when it cannot: the catalog is derived data).
std::expected<std::unique_ptr<Library>, CliError> OpenLibrary(const Context& ctx);

// The one track `key` names: a track id prefix (at least 4 hex digits).
std::expected<library::TrackRecord, CliError> ResolveTrack(library::Catalog& catalog, const std::string& key);

}  // namespace hearth::cli

// The folders this device imports music from (schema 0006_import_roots.sql):
// recorded by every import, consulted before the JSON API starts one.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "node/store/database.h"

namespace hearth::store {

// What an import of `path` reads from, absolute and with symlinks resolved:
// the folder, or the one file (importing one file allows that file, not the
// rest of its folder). nullopt when `path` does not exist.
std::optional<std::string> ImportRootOf(const std::string& path);
// Whether `path` (resolved, as ImportRootOf gives) is `root` or inside it,
// by whole path components ("/music2" is not inside "/music").
bool PathInside(const std::string& root, const std::string& path);

std::expected<void, StoreError> AddImportRoot(Database& db, const std::string& root, int64_t now_us);
std::expected<std::vector<std::string>, StoreError> ListImportRoots(Database& db);

struct ImportRoot {
  std::string path;
  int64_t added_us = 0;
};
std::expected<std::vector<ImportRoot>, StoreError> ListImportRootRows(Database& db);
// Forgets a root (the API may no longer import from it); false if it was
// not one. Nothing imported from it is touched.
std::expected<bool, StoreError> RemoveImportRoot(Database& db, const std::string& root);

}  // namespace hearth::store

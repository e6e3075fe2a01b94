// The folders this device imports music from (schema 0006_import_roots.sql,
// 0007_folders.sql): recorded by every import, consulted before the JSON API
// starts one, watched by the node when they are kept in place.
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

// Records `root` (or updates how it is kept: an import in place of a folder
// imported with copies switches it to in place, and the other way round).
// `device` is the folder's st_dev now.
std::expected<void, StoreError> AddImportRoot(Database& db, const std::string& root, int64_t now_us,
                                              bool in_place = false, uint64_t device = 0);
std::expected<std::vector<std::string>, StoreError> ListImportRoots(Database& db);

struct ImportRoot {
  std::string path;
  int64_t added_us = 0;
  bool in_place = false;
  uint64_t device = 0;       // 0: not recorded (a home from before version 7)
  std::string state;         // as the serving node last saw it; "" if never
  std::string state_detail;
  int64_t checked_us = 0;
};
std::expected<std::vector<ImportRoot>, StoreError> ListImportRootRows(Database& db);
// Forgets a root (the API may no longer import from it); false if it was
// not one. Nothing imported from it is touched.
std::expected<bool, StoreError> RemoveImportRoot(Database& db, const std::string& root);
// What the watcher saw of `root` (node/library/folder_sync.h).
std::expected<void, StoreError> SetImportRootState(Database& db, const std::string& root, std::string_view state,
                                                   std::string_view detail, int64_t now_us);
// Records the folder's st_dev (a home from before version 7 learns it at the
// first look).
std::expected<void, StoreError> SetImportRootDevice(Database& db, const std::string& root, uint64_t device);

}  // namespace hearth::store

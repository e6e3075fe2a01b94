// Originals kept in place that are gone (schema 0007_folders.sql): what the
// folder watcher found missing, for `hearth status` and `forget --missing`.
// Functions borrow the Database for the call; one thread.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "node/store/database.h"
#include "protocol/ids.h"

namespace hearth::store {

struct MissingOriginal {
  FileId file;
  std::string path;  // bytes as the filesystem named it
  EntryId claim;
  BlobId blob;
  std::string reason;
  int64_t since_us = 0;
};

// Records (or keeps: the first sighting's time stays) a missing original.
std::expected<void, StoreError> AddMissingOriginal(Database& db, const MissingOriginal& m);
std::expected<std::vector<MissingOriginal>, StoreError> ListMissingOriginals(Database& db);
std::expected<void, StoreError> RemoveMissingOriginal(Database& db, const FileId& file);
// Drops the rows of files imported again (they came back) -- call after an
// import.
std::expected<void, StoreError> ClearReturnedOriginals(Database& db);

}  // namespace hearth::store

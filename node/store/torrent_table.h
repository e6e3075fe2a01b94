// The blob_torrents table: each stored blob's bencoded .torrent.
// Functions borrow the Database for the call; one thread.
#pragma once

#include <expected>
#include <optional>
#include <utility>
#include <vector>

#include "node/store/database.h"
#include "protocol/ids.h"

namespace hearth::store {

// Keeps the first torrent saved for a blob (they are deterministic).
std::expected<void, StoreError> SaveTorrent(Database& db, const BlobId& blob, ByteSpan torrent);
// Several at once, in one transaction (one commit: one fsync).
std::expected<void, StoreError> SaveTorrents(Database& db, const std::vector<std::pair<BlobId, Bytes>>& torrents);
// nullopt when none is stored.
std::expected<std::optional<Bytes>, StoreError> LoadTorrent(Database& db, const BlobId& blob);
std::expected<void, StoreError> DeleteTorrent(Database& db, const BlobId& blob);

}  // namespace hearth::store

#include "node/store/torrent_table.h"

namespace hearth::store {

std::expected<void, StoreError> SaveTorrent(Database& db, const BlobId& blob, ByteSpan torrent) {
  auto st = db.Prepare("INSERT OR IGNORE INTO blob_torrents (blob_id, torrent) VALUES (?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.span()).Bind(2, torrent);
  return st->Run();
}

std::expected<void, StoreError> SaveTorrents(Database& db, const std::vector<std::pair<BlobId, Bytes>>& torrents) {
  return db.Transaction([&]() -> std::expected<void, StoreError> {
    auto st = db.Prepare("INSERT OR IGNORE INTO blob_torrents (blob_id, torrent) VALUES (?, ?)");
    if (!st) return std::unexpected(st.error());
    for (const auto& [blob, torrent] : torrents) {
      st->Reset();
      st->Bind(1, blob.span()).Bind(2, torrent);
      if (auto r = st->Run(); !r) return r;
    }
    return {};
  });
}

std::expected<std::optional<Bytes>, StoreError> LoadTorrent(Database& db, const BlobId& blob) {
  auto st = db.Prepare("SELECT torrent FROM blob_torrents WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.span());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Bytes>{};
  return std::optional<Bytes>(st->Blob(0));
}

std::expected<void, StoreError> DeleteTorrent(Database& db, const BlobId& blob) {
  auto st = db.Prepare("DELETE FROM blob_torrents WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.span());
  return st->Run();
}

}  // namespace hearth::store

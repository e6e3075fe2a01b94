#include "node/store/missing_originals.h"

namespace hearth::store {

std::expected<void, StoreError> AddMissingOriginal(Database& db, const MissingOriginal& m) {
  auto st = db.Prepare(
      "INSERT INTO missing_originals (file_id, path, claim_id, blob_id, reason, since_us) VALUES (?,?,?,?,?,?) "
      "ON CONFLICT (file_id) DO UPDATE SET path = excluded.path, claim_id = excluded.claim_id, "
      "blob_id = excluded.blob_id, reason = excluded.reason");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, m.file.span()).Bind(2, AsBytes(m.path)).Bind(3, m.claim.span()).Bind(4, m.blob.span());
  st->Bind(5, m.reason).Bind(6, m.since_us);
  return st->Run();
}

std::expected<std::vector<MissingOriginal>, StoreError> ListMissingOriginals(Database& db) {
  auto st = db.Prepare(
      "SELECT file_id, path, claim_id, blob_id, reason, since_us FROM missing_originals ORDER BY path");
  if (!st) return std::unexpected(st.error());
  std::vector<MissingOriginal> out;
  auto done = st->ForEach([&](const Statement& row) {
    const Bytes file = row.Blob(0), path = row.Blob(1), claim = row.Blob(2), blob = row.Blob(3);
    if (file.size() != 32 || claim.size() != 32 || blob.size() != 32) return;
    out.push_back(MissingOriginal{FileId::From(std::span<const uint8_t, 32>(file.data(), 32)),
                                  std::string(path.begin(), path.end()),
                                  EntryId::From(std::span<const uint8_t, 32>(claim.data(), 32)),
                                  BlobId::From(std::span<const uint8_t, 32>(blob.data(), 32)),
                                  row.Text(4).value_or(""), row.Int(5)});
  });
  if (!done) return std::unexpected(done.error());
  return out;
}

std::expected<void, StoreError> RemoveMissingOriginal(Database& db, const FileId& file) {
  auto st = db.Prepare("DELETE FROM missing_originals WHERE file_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, file.span());
  return st->Run();
}

std::expected<void, StoreError> ClearReturnedOriginals(Database& db) {
  return db.Exec(
      "DELETE FROM missing_originals WHERE file_id IN "
      "(SELECT file_id FROM imported_files WHERE outcome <> 'failed' AND file_id IS NOT NULL)");
}

}  // namespace hearth::store

#include "node/library/folder_sync.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "crypto/hash.h"
#include "node/library/blob_sealer.h"
#include "node/library/whole_file.h"
#include "node/store/missing_originals.h"
#include "node/store/torrent_table.h"
#include "node/store/live_claims.h"

namespace hearth::library {
namespace {

// What the home had recorded for a file under the folder.
struct Recorded {
  FileId file;
  std::optional<EntryId> claim;
};

std::expected<std::map<std::string, Recorded>, std::string> RecordedUnder(store::Database& db,
                                                                          const std::string& root) {
  auto st = db.Prepare("SELECT path, file_id, claim_id FROM imported_files WHERE outcome <> 'failed' AND file_id IS NOT NULL");
  if (!st) return std::unexpected(st.error().message);
  std::map<std::string, Recorded> out;
  auto done = st->ForEach([&](const store::Statement& row) {
    const Bytes p = row.Blob(0), f = row.Blob(1), c = row.Blob(2);
    std::string path(p.begin(), p.end());
    if (f.size() != 32 || !store::PathInside(root, path)) return;
    Recorded r{FileId::From(std::span<const uint8_t, 32>(f.data(), 32)), std::nullopt};
    if (c.size() == 32) r.claim = EntryId::From(std::span<const uint8_t, 32>(c.data(), 32));
    out.emplace(std::move(path), r);
  });
  if (!done) return std::unexpected(done.error().message);
  return out;
}

std::optional<FileId> FileIdNowAt(store::Database& db, const std::string& path) {
  auto st = db.Prepare("SELECT file_id FROM imported_files WHERE path = ? AND outcome <> 'failed'");
  if (!st) return std::nullopt;
  st->Bind(1, AsBytes(path));
  std::optional<FileId> out;
  (void)st->ForEach([&](const store::Statement& row) {
    const Bytes f = row.Blob(0);
    if (f.size() == 32) out = FileId::From(std::span<const uint8_t, 32>(f.data(), 32));
  });
  return out;
}

// Why a folder cannot be looked at now, or "" when it can.
std::string Unavailable(const store::ImportRoot& root, const std::map<std::string, Recorded>& recorded,
                        uint64_t* device) {
  struct stat st{};
  if (::stat(root.path.c_str(), &st) != 0) return std::strerror(errno);
  *device = static_cast<uint64_t>(st.st_dev);
  if (root.device != 0 && *device != root.device)
    return "it is on another disk than when it was imported (a disk not mounted?)";
  if (S_ISDIR(st.st_mode) && ::access(root.path.c_str(), R_OK | X_OK) != 0) return std::strerror(errno);
  if (recorded.empty()) return "";
  for (const auto& [path, r] : recorded) {
    struct stat f{};
    if (::stat(path.c_str(), &f) == 0) return "";
  }
  return "none of the " + std::to_string(recorded.size()) +
         " files imported from it is there (a disk not mounted, a share that is down?)";
}

// Makes another file with the same bytes the blob's original here.
bool KeepFromAnother(store::Home& home, const BlobId& blob, const FileId& file, const std::string& gone_path) {
  auto st = home.db().Prepare("SELECT path FROM imported_files WHERE file_id = ? AND outcome <> 'failed'");
  if (!st) return false;
  st->Bind(1, file.span());
  std::vector<std::string> others;
  (void)st->ForEach([&](const store::Statement& row) {
    const Bytes p = row.Blob(0);
    std::string path(p.begin(), p.end());
    if (path != gone_path) others.push_back(std::move(path));
  });
  for (const std::string& path : others) {
    auto whole = ReadWholeFile(path, uint64_t{1} << 40);
    if (!whole || FileId{crypto::Blake2b256(whole->bytes)} != file) continue;
    auto sealed = SealInPlace(home.blobs(), home.content_secret()->BlobKey(file.bytes), whole->bytes,
                              OriginalFile{path, whole->stat.mtime_ns, whole->stat.inode});
    if (sealed && sealed->id == blob) return true;
  }
  return false;
}

}  // namespace

std::expected<FolderSyncReport, std::string> SyncFolder(store::Home& home, Catalog& catalog,
                                                        const store::ImportRoot& root,
                                                        const std::atomic<bool>* cancel) {
  FolderSyncReport report;
  auto before = RecordedUnder(home.db(), root.path);
  if (!before) return std::unexpected(before.error());
  uint64_t device = 0;
  report.why = Unavailable(root, *before, &device);
  if (!report.why.empty()) {
    report.available = false;
    return report;
  }
  if (root.device == 0) (void)store::SetImportRootDevice(home.db(), root.path, device);

  Importer importer(home, catalog);
  ImportOptions options;
  options.paths = {root.path};
  options.in_place = root.in_place;
  options.cancel = cancel;
  options.on_file = [&](const ImportProgress&, const FileReport& f) {
    if (f.detail.starts_with("new version of")) ++report.versions;
  };
  auto summary = importer.Run(options);
  if (!summary) return std::unexpected(summary.error());
  report.import = std::move(*summary);
  if (report.import.interrupted) return report;

  // The bytes that are gone from where they were. (A read of the original
  // may have found it changed first and dropped the record: blob_repair.h.)
  std::map<EntryId, FileId> sealed_files;  // claim -> the file whose bytes its blob is
  if (auto ids = catalog.AllClaimIds())
    for (const auto& c : *ids) sealed_files.emplace(c.claim, c.sealed_file);
  for (const auto& [path, was] : *before) {
    if (FileIdNowAt(home.db(), path) == was.file) {
      struct stat st{};
      if (::stat(path.c_str(), &st) == 0) continue;  // still there
    }
    struct stat st{};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (!exists) {
      auto del = home.db().Prepare("DELETE FROM imported_files WHERE path = ?");
      if (del) {
        del->Bind(1, AsBytes(path));
        (void)del->Run();
      }
    }
    if (!was.claim) continue;
    auto claim = store::FindLiveClaim(home.db(), *was.claim);
    if (!claim || !*claim) continue;  // released (a new version replaced it)
    const BlobId blob = (*claim)->blob;
    // Only the blob's own bytes matter: a matched copy (other bytes, same
    // audio) going costs the household nothing.
    auto sealed = sealed_files.find(*was.claim);
    if (sealed == sealed_files.end() || sealed->second != was.file) continue;
    // Still held here: a sealed copy, or another original that is intact.
    if (home.blobs().Has(blob) && !home.blobs().IsInPlace(blob)) continue;
    auto record = home.blobs().InPlaceOf(blob);
    if (record && record->path != path && store::OriginalIntact(*record)) continue;
    if (record && record->path == path && store::OriginalIntact(*record)) continue;
    ++report.gone;
    if (KeepFromAnother(home, blob, was.file, path)) {
      ++report.rekept;
      continue;
    }
    if (record)
      if (auto removed = home.blobs().Remove(blob); !removed) continue;  // the record only
    ++report.missing;
    (void)store::AddMissingOriginal(
        home.db(), store::MissingOriginal{was.file, path, *was.claim, blob,
                                          exists ? "the file changed (its old bytes are gone)" : "the file was deleted or moved away",
                                          SystemNowMicros()});
  }
  return report;
}

}  // namespace hearth::library

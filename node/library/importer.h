// Importer: turns music files into encrypted blobs and signed track.claim
// entries, matching what the household already owns.
//
// For each file found (dir_walker.h):
//   unchanged   same size, mtime and inode as when last imported, and its
//               bytes still claimed by the household: no work;
//   duplicate   same bytes (file_id) as a file already claimed: nothing new;
//   matched     same audio (track_id) as a claimed track, e.g. re-tagged:
//               a claim recording this copy, sharing the existing blob;
//   imported    new: a blob is sealed and stored (or its original recorded,
//               in place), then a claim written; a file at a path that
//               held the track's original, changed with the same audio
//               (re-tagged), is the track's new version: the old claim is
//               released;
//   failed      reported with its reason; nothing of it is stored.
// Workers (one per core) read, hash, probe, tag and seal; the calling thread
// alone writes the ledger and the database, in walk order, so claims never
// race and the first file (in path order) of a track is always its original.
// A blob is committed before its claim: a crash in between leaves a blob
// that the next import reuses, never a claim without its blob.
//
// Run() is called on one thread; `cancel` may be set from a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "node/library/catalog.h"
#include "node/store/home.h"

namespace hearth::library {

enum class Outcome { kImported, kMatched, kDuplicate, kUnchanged, kFailed };
std::string_view OutcomeName(Outcome o);

struct FileReport {
  std::string path;      // UTF-8 (invalid bytes as \xNN)
  Outcome outcome = Outcome::kFailed;
  std::string detail;    // why it failed; what it matched
  uint64_t bytes = 0;
};

struct ImportProgress {
  size_t done = 0;
  size_t total = 0;      // files to look at
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  std::string current;
};

struct ImportSummary {
  size_t imported = 0, matched = 0, duplicate = 0, unchanged = 0, failed = 0;
  size_t skipped_other = 0;   // files ignored for their extension
  uint64_t bytes_read = 0;    // bytes of files read and hashed
  double seconds = 0;
  bool interrupted = false;
  std::vector<FileReport> problems;  // failed files and walk problems
};

struct ImportOptions {
  std::vector<std::string> paths;
  unsigned workers = 0;  // 0: one per core
  uint64_t max_file_bytes = uint64_t{1} << 30;
  // Keep the originals where they are (the default): no sealed copy is
  // written, only a record of the file it is made from (store/in_place.h).
  // A file already claimed whose blob this device lacks, or holds as a
  // sealed copy, becomes that blob's original here (moved, come back,
  // switched). false: a sealed copy in the home (`import --copy`).
  bool in_place = true;
  const std::atomic<bool>* cancel = nullptr;
  // Called on the importing thread after every file.
  std::function<void(const ImportProgress&, const FileReport&)> on_file;
  // Called on a worker just before it reads a file (tests use it to make a
  // file vanish mid-import).
  std::function<void(const std::string& path)> before_read;
};

class Importer {
 public:
  // Borrows both; they must outlive the importer. The home must hold the
  // content secret (storage devices cannot import).
  Importer(store::Home& home, Catalog& catalog) : home_(home), catalog_(catalog) {}

  // Never throws; per-file problems go into the summary. Fails only when the
  // import cannot start (no content secret, database unusable).
  std::expected<ImportSummary, std::string> Run(const ImportOptions& options);

 private:
  store::Home& home_;
  Catalog& catalog_;
};

}  // namespace hearth::library

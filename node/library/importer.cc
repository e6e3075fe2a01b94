#include "node/library/importer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "node/library/dir_walker.h"
#include "node/library/import_worker.h"
#include "node/store/import_roots.h"
#include "node/store/missing_originals.h"
#include "node/store/torrent_table.h"
#include "node/store/live_claims.h"

namespace hearth::library {
namespace {

class Committer {
 public:
  Committer(store::Home& home, Known& known) : home_(home), known_(known) {}

  // Writes what the result calls for; returns the report for it. Results
  // arrive in walk order.
  FileReport Commit(Result& r) {
    Recheck(r);
    FileReport report{ToUtf8Lossy(r.file.path), r.outcome, r.detail, r.file.size};
    std::optional<EntryId> claim_id;
    if (r.outcome == Outcome::kImported || r.outcome == Outcome::kMatched) {
      if (!r.torrent.empty()) (void)store::SaveTorrent(home_.db(), r.blob, r.torrent);  // re-made if lost
      auto claim = WriteClaim(r);
      if (!claim) {
        report.outcome = Outcome::kFailed;
        report.detail = "cannot record the claim: " + claim.error();
      } else {
        claim_id = *claim;
        if (r.outcome == Outcome::kMatched) report.detail = "same audio as claim " + r.related->ShortHex();
        std::optional<BlobId> replaced_blob;
        {
          std::lock_guard lock(known_.mu);
          known_.files[r.file_id] = Known::File{*claim, r.blob, r.sealed_file};
          known_.blobs.insert(r.blob);
          if (r.outcome == Outcome::kImported) {
            auto& track = known_.tracks[r.audio.track];
            if (r.replaces && track.claim == *r.replaces) replaced_blob = track.blob;
            track = Known::Track{*claim, r.blob, r.length, r.file_id};
          }
        }
        if (replaced_blob) report.detail = ReleaseReplaced(*r.replaces, *replaced_blob);
      }
    } else if (r.outcome == Outcome::kDuplicate) {
      claim_id = r.related;
      report.detail = "same file as claim " + r.related->ShortHex();
      if (r.kept_in_place) {
        if (!r.torrent.empty()) (void)store::SaveTorrent(home_.db(), r.blob, r.torrent);
        report.detail += "; kept in place here";
      }
    }
    RecordFile(r.file, report, report.outcome == Outcome::kFailed ? std::nullopt : std::optional<FileId>(r.file_id),
               claim_id);
    return report;
  }

  void RecordFile(const FoundFile& f, const FileReport& report, std::optional<FileId> file_id,
                  std::optional<EntryId> claim) {
    auto st = home_.db().Prepare(
        "INSERT OR REPLACE INTO imported_files (path, size, mtime_ns, inode, outcome, detail, "
        "file_id, claim_id, imported_us) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!st) return;
    st->Bind(1, AsBytes(f.path)).Bind(2, static_cast<int64_t>(f.size)).Bind(3, f.mtime_ns);
    st->Bind(4, static_cast<int64_t>(f.inode)).Bind(5, std::string(OutcomeName(report.outcome)));
    if (report.detail.empty()) {
      st->BindNull(6);
    } else {
      st->Bind(6, report.detail);
    }
    if (file_id) {
      st->Bind(7, file_id->span());
    } else {
      st->BindNull(7);
    }
    if (claim) {
      st->Bind(8, claim->span());
    } else {
      st->BindNull(8);
    }
    st->Bind(9, SystemNowMicros());
    (void)st->Run();  // losing this row only costs a re-check next time
  }

 private:
  std::expected<EntryId, std::string> WriteClaim(const Result& r) {
    std::string source = ToUtf8Lossy(std::filesystem::absolute(r.file.path).string());
    ClaimDetails details = MakeClaimDetails(r.audio, r.tags, r.file_id, source, r.cover,
                                            r.outcome == Outcome::kMatched ? r.related : std::nullopt,
                                            r.sealed_file, SystemNowMicros());
    TrackClaim claim{r.blob, r.length,
                     SealClaimDetails(*home_.content_secret(), home_.household(), home_.device_id(),
                                      r.blob, details)};
    auto entry = home_.ledger().Author(home_.device_key(), std::move(claim), SystemNowMicros());
    if (!entry) return std::unexpected(entry.error().Message());
    return entry->id;
  }

  // A new version of a file replaces the old one's claim: released, and its
  // blob let go here once no live claim names it (other devices let theirs
  // go the same way). Returns the report's detail.
  std::string ReleaseReplaced(const EntryId& old_claim, const BlobId& old_blob) {
    auto e = home_.ledger().Author(home_.device_key(), TrackRelease{old_claim}, SystemNowMicros());
    if (!e) return "new version of claim " + old_claim.ShortHex() + " (which could not be released: " +
                   e.error().Message() + ")";
    auto needed = store::IsBlobClaimed(home_.db(), old_blob);
    if (needed && !*needed) {
      (void)home_.blobs().Remove(old_blob);  // a record or a sealed copy; never the user's file
      (void)store::DeleteTorrent(home_.db(), old_blob);
    }
    return "new version of claim " + old_claim.ShortHex() + " (same audio, new tags), which is released";
  }

  // A file sealed while an earlier file (in walk order) of the same bytes or
  // audio was still in flight becomes a duplicate or a matched copy here, and
  // the blob sealed for it in vain is removed -- unless a known claim uses
  // it: identical bytes seal to the identical blob (convergent encryption),
  // so a duplicate's blob is always its original's own.
  void Recheck(Result& r) {
    if (r.outcome != Outcome::kImported) return;
    std::lock_guard lock(known_.mu);
    std::optional<BlobId> unneeded;
    if (auto f = known_.files.find(r.file_id); f != known_.files.end()) {
      unneeded = r.blob;
      r.outcome = Outcome::kDuplicate;
      r.related = f->second.claim;
      r.replaces.reset();
    } else if (auto t = known_.tracks.find(r.audio.track);
               t != known_.tracks.end() && !(r.replaces && t->second.claim == *r.replaces)) {
      unneeded = r.blob;
      r.outcome = Outcome::kMatched;
      r.related = t->second.claim;
      r.blob = t->second.blob;
      r.length = t->second.length;
      r.sealed_file = t->second.sealed_file;
      r.replaces.reset();
    }
    if (unneeded) {
      r.torrent.clear();
      if (!known_.blobs.contains(*unneeded)) (void)home_.blobs().Remove(*unneeded);
    }
  }

  store::Home& home_;
  Known& known_;
};

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kImported: return "imported";
    case Outcome::kMatched: return "matched";
    case Outcome::kDuplicate: return "duplicate";
    case Outcome::kUnchanged: return "unchanged";
    case Outcome::kFailed: return "failed";
  }
  return "unknown";
}

std::expected<ImportSummary, std::string> Importer::Run(const ImportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (!home_.content_secret()) {
    return std::unexpected("this device holds no content secret (a storage device); it cannot import");
  }
  if (auto s = catalog_.Sync(home_.ledger().ledger().state(), home_.content_secret()); !s)
    return std::unexpected(s.error().message);

  Known known;
  auto claims = catalog_.AllClaimIds();
  if (!claims) return std::unexpected(claims.error().message);
  for (const auto& c : *claims) {
    known.files.emplace(c.file, Known::File{c.claim, c.blob, c.sealed_file});
    known.blobs.insert(c.blob);
    if (c.primary) known.tracks[c.track] = Known::Track{c.claim, c.blob, c.plaintext_length, c.sealed_file};
  }

  std::vector<std::string> roots;
  for (const auto& p : options.paths) roots.push_back(std::filesystem::absolute(p).lexically_normal().string());
  // The folders this device imports from: where the JSON API may start
  // imports later (node/store/import_roots.h).
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& r : roots)
    if (auto folder = store::ImportRootOf(r)) {
      struct stat st{};
      const uint64_t device = ::stat(folder->c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_dev) : 0;
      (void)store::AddImportRoot(home_.db(), *folder, now_us, options.in_place, device);
    }
  WalkResult walk = WalkMusic(roots);

  ImportSummary summary;
  summary.skipped_other = walk.skipped_other;
  ImportProgress progress;
  for (const auto& p : walk.problems) {
    summary.problems.push_back(FileReport{ToUtf8Lossy(p.path), Outcome::kFailed, p.reason, 0});
    ++summary.failed;
    if (options.on_file) options.on_file(progress, summary.problems.back());
  }

  // Unchanged files need no work at all -- as long as the household still
  // holds a claim on their bytes (a forgotten track comes back when its
  // file is imported again).
  struct Seen {
    FoundFile stat;
    FileId file_id;
    std::optional<EntryId> claim;
  };
  std::unordered_map<std::string, Seen> previous;
  {
    auto st = home_.db().Prepare(
        "SELECT path, size, mtime_ns, inode, file_id, claim_id FROM imported_files "
        "WHERE outcome <> 'failed' AND file_id IS NOT NULL");
    if (!st) return std::unexpected(st.error().message);
    auto done = st->ForEach([&](const store::Statement& row) {
      Bytes path = row.Blob(0), file = row.Blob(4), claim = row.Blob(5);
      if (file.size() != 32) return;
      Seen seen{FoundFile{{}, static_cast<uint64_t>(row.Int(1)), row.Int(2), static_cast<uint64_t>(row.Int(3))},
                FileId::From(std::span<const uint8_t, 32>(file.data(), 32)), std::nullopt};
      if (claim.size() == 32) seen.claim = EntryId::From(std::span<const uint8_t, 32>(claim.data(), 32));
      previous.emplace(std::string(path.begin(), path.end()), std::move(seen));
    });
    if (!done) return std::unexpected(done.error().message);
  }
  // Kept in place, a file that is its blob's original is looked at again
  // when this device holds that blob as a sealed copy (a folder imported
  // with copies before: it switches) or not at all (its record was dropped
  // when a read found the file changed, and it is back as it was).
  auto held_as_copy = [&](const FileId& file) {
    if (!options.in_place) return false;
    auto k = known.files.find(file);
    if (k == known.files.end() || k->second.sealed_file != file) return false;
    return !home_.blobs().Has(k->second.blob) || !home_.blobs().IsInPlace(k->second.blob);
  };
  progress.total = walk.files.size();
  std::vector<FoundFile> jobs;
  std::vector<std::optional<EntryId>> job_previous;
  for (const auto& f : walk.files) {
    progress.bytes_total += f.size;
    auto it = previous.find(f.path);
    if (it != previous.end() && it->second.stat.size == f.size && it->second.stat.mtime_ns == f.mtime_ns &&
        it->second.stat.inode == f.inode && known.files.contains(it->second.file_id) &&
        !held_as_copy(it->second.file_id)) {
      ++summary.unchanged;
      ++progress.done;
      progress.bytes_done += f.size;
    } else {
      jobs.push_back(f);
      job_previous.push_back(it != previous.end() ? it->second.claim : std::nullopt);
    }
  }
  if (options.on_file && summary.unchanged > 0) {
    options.on_file(progress, FileReport{"", Outcome::kUnchanged, "", 0});
  }

  // Workers take jobs in order; results come back through a queue.
  std::mutex results_mu;
  std::condition_variable results_ready;
  std::map<size_t, Result> results;  // by index, waiting for their turn
  size_t next_commit = 0;
  std::atomic<size_t> next{0};
  unsigned n_workers = options.workers ? options.workers : std::max(1u, std::thread::hardware_concurrency());
  n_workers = static_cast<unsigned>(std::min<size_t>(n_workers, std::max<size_t>(1, jobs.size())));
  std::atomic<unsigned> running{n_workers};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < n_workers; ++w) {
    workers.emplace_back([&] {
      while (true) {
        if (options.cancel && options.cancel->load()) break;
        size_t i = next.fetch_add(1);
        if (i >= jobs.size()) break;
        Result r = Process(jobs[i], job_previous[i], options, home_, known);
        r.index = i;
        std::lock_guard lock(results_mu);
        results.emplace(i, std::move(r));
        results_ready.notify_one();
      }
      std::lock_guard lock(results_mu);
      --running;
      results_ready.notify_one();
    });
  }

  // Results are committed in batches, one transaction each (claims nest in
  // it as savepoints): a batch closes when no result is waiting or after
  // kBatch results, so nothing waits long to become durable.
  constexpr size_t kBatch = 128;
  Committer committer(home_, known);
  size_t in_batch = 0;
  auto close_batch = [&] {
    if (in_batch == 0) return;
    // The batch's in-place records were written without an fsync each: one
    // sync makes them durable before the claims that need them are.
    const bool synced = !options.in_place || home_.blobs().SyncAll().has_value();
    if (auto done = synced ? home_.db().Exec("COMMIT") : std::unexpected(store::StoreError{store::StoreErrc::kIo, "cannot sync the home"}); !done) {
      (void)home_.db().Exec("ROLLBACK");
      // The ledger in memory ran ahead of the table; rebuild it. The files of
      // the lost batch are imported again next time.
      (void)home_.ledger().Reload();
      summary.problems.push_back(FileReport{"", Outcome::kFailed,
                                            "the last " + std::to_string(in_batch) +
                                                " files could not be recorded: " + done.error().message, 0});
      ++summary.failed;
    }
    in_batch = 0;
  };
  auto ready = [&] { return !results.empty() && results.begin()->first == next_commit; };
  while (true) {
    std::unique_lock lock(results_mu);
    if (!ready()) {
      lock.unlock();
      close_batch();
      lock.lock();
    }
    results_ready.wait(lock, [&] { return ready() || running.load() == 0; });
    if (!ready()) break;  // all workers done and nothing left in order
    Result r = std::move(results.begin()->second);
    results.erase(results.begin());
    ++next_commit;
    lock.unlock();
    // If no batch can be opened, each write commits on its own.
    if (in_batch > 0 || home_.db().Exec("BEGIN IMMEDIATE")) ++in_batch;
    FileReport report = committer.Commit(r);
    if (in_batch >= kBatch) close_batch();
    switch (report.outcome) {
      case Outcome::kImported: ++summary.imported; break;
      case Outcome::kMatched: ++summary.matched; break;
      case Outcome::kDuplicate: ++summary.duplicate; break;
      case Outcome::kUnchanged: ++summary.unchanged; break;
      case Outcome::kFailed:
        ++summary.failed;
        summary.problems.push_back(report);
        break;
    }
    summary.bytes_read += r.file.size;
    ++progress.done;
    progress.bytes_done += r.file.size;
    progress.current = report.path;
    if (options.on_file) options.on_file(progress, report);
    // Cancelled: what the workers read ahead is not committed (the next
    // import does it again), so an interrupt stops at once.
    if (options.cancel && options.cancel->load()) break;
  }
  close_batch();
  for (auto& t : workers) t.join();
  // An original that had gone missing (folder_sync.h) and is here again,
  // at its old path or another, is no longer missing.
  (void)store::ClearReturnedOriginals(home_.db());
  summary.interrupted = next_commit < jobs.size();
  // The catalog is derived data: if it cannot be brought up to date now (a
  // full disk), the claims still stand and the next command rebuilds it.
  if (auto s = catalog_.Sync(home_.ledger().ledger().state(), home_.content_secret()); !s) {
    summary.problems.push_back(FileReport{"", Outcome::kFailed,
                                          "the catalog could not be updated (it will be next time): " +
                                              s.error().message, 0});
    ++summary.failed;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace hearth::library

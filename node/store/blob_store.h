// BlobStore: the directory of encrypted blobs, one file per blob, named by
// the blob id in hex under a two-character fan-out: blobs/ab/abcdef....
//
// A blob appears whole or not at all: it is written to an unnamed file
// (O_TMPFILE) in the store, fsynced, linked into place and the directory
// fsynced. A writer dropped without Commit, or a process killed mid-write,
// leaves nothing behind. (Where O_TMPFILE is not supported, a named temp file
// in tmp/ is used instead and Open() sweeps leftovers away.) Blobs never
// change once committed.
//
// A blob may also be kept in place (in_place.h): only a record of the
// original it is sealed from, under `root`/inplace/ab/<hex>. Has, SizeOf,
// Read and List see both kinds alike; Remove and Quarantine of a blob kept
// in place drop the record and never touch the original (it is the user's
// file).
//
// Thread-compatible: distinct BlobWriters may run concurrently.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "crypto/bytes.h"
#include "node/store/in_place.h"
#include "node/store/store_error.h"
#include "protocol/ids.h"

namespace hearth::store {

class BlobWriter {
 public:
  BlobWriter(BlobWriter&& o) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter();  // removes the temp file unless committed

  std::expected<void, StoreError> Write(ByteSpan data);
  // Makes the blob durable under `id`. If a blob with that id is already
  // there, the existing one is kept and the new bytes are discarded.
  std::expected<void, StoreError> Commit(const BlobId& id);
  uint64_t size() const { return size_; }

 private:
  friend class BlobStore;
  BlobWriter(std::string dir, std::string temp_path, int fd)
      : dir_(std::move(dir)), temp_path_(std::move(temp_path)), fd_(fd) {}
  std::string dir_;        // where committed blobs go
  // A named temp file, or empty for an unnamed (O_TMPFILE) one.
  std::string temp_path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

class BlobStore {
 public:
  // Uses `root`/`subdir` (default "blobs") and `root`/tmp, creating them
  // (0700) if needed, and deletes temp files left by an interrupted write.
  static std::expected<BlobStore, StoreError> Open(const std::string& root,
                                                   const std::string& subdir = "blobs");

  std::expected<BlobWriter, StoreError> Create();
  // Records a blob kept in place (atomically; replaces an earlier record).
  // Not `durable`: no fsync -- the caller calls SyncAll() before anything
  // that depends on the record is committed (an import, once per batch).
  std::expected<void, StoreError> AddInPlace(const BlobId& id, const InPlaceRecord& record, bool durable = true);
  // Makes every write to the file system under the store durable (syncfs).
  std::expected<void, StoreError> SyncAll();
  // The record of a blob kept in place; kNotFound if it is not one.
  std::expected<InPlaceRecord, StoreError> InPlaceOf(const BlobId& id) const;
  bool IsInPlace(const BlobId& id) const;
  bool Has(const BlobId& id) const;
  std::string PathOf(const BlobId& id) const;
  // Reads `length` bytes at `offset` (fewer at the end of the blob).
  std::expected<Bytes, StoreError> Read(const BlobId& id, uint64_t offset, uint64_t length) const;
  std::expected<uint64_t, StoreError> SizeOf(const BlobId& id) const;
  // Every committed blob id (for status and verification).
  std::expected<std::vector<BlobId>, StoreError> List() const;

  // Deletes a blob (an absent one is not an error).
  std::expected<void, StoreError> Remove(const BlobId& id);
  // Deletes the sealed copy of a blob that is also kept in place (a folder
  // switched to in place); the record stays.
  std::expected<void, StoreError> RemoveSealedCopy(const BlobId& id);

  // A blob that failed verification is moved aside, to `root`/quarantine
  // (kept, for a person to look at, until it is whole here again): it is no
  // longer held, served or counted. Quarantining an absent blob is an error.
  std::expected<void, StoreError> Quarantine(const BlobId& id);
  std::expected<std::vector<BlobId>, StoreError> ListQuarantined() const;
  bool Quarantined(const BlobId& id) const;
  // Deletes the quarantined copy (an absent one is not an error).
  std::expected<void, StoreError> RemoveQuarantined(const BlobId& id);

 private:
  BlobStore(std::string root, std::string subdir) : root_(std::move(root)), subdir_(std::move(subdir)) {}
  std::string Dir(const BlobId& id) const;
  std::string InPlacePath(const BlobId& id) const;
  // root/inplace for the blob store; other stores (covers) keep none, but
  // would not share it: root/<subdir>-inplace.
  std::string InPlaceDir() const { return root_ + (subdir_ == "blobs" ? "/inplace" : "/" + subdir_ + "-inplace"); }
  std::string root_;
  std::string subdir_;
};

}  // namespace hearth::store

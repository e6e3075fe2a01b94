// InPlaceCache: reads of blobs kept in place for a seed that reads piece
// after piece of the same blobs (the swarm's disk I/O): each blob's record
// is read from the home and decoded once, not once per piece.
//
// A cached record that no longer fits its original (the folder watcher
// re-pointed it to a moved file, or the file changed) is dropped and read
// again from the home once before the read fails, so the cache never makes
// a read fail that an uncached one would not.
//
// Thread-safe; borrows the store, which must outlive it.
#pragma once

#include <cstdint>
#include <expected>
#include <list>
#include <memory>
#include <mutex>

#include "node/store/blob_store.h"

namespace hearth::store {

class InPlaceCache {
 public:
  explicit InPlaceCache(const BlobStore& blobs) : blobs_(blobs) {}

  // As BlobStore::Read, for a blob kept in place (a sealed copy, if there
  // is one, is read as usual).
  std::expected<Bytes, StoreError> Read(const BlobId& id, uint64_t offset, uint64_t length);

 private:
  std::shared_ptr<const InPlaceRecord> Cached(const BlobId& id);
  void Forget(const BlobId& id);

  static constexpr size_t kRecords = 256;
  const BlobStore& blobs_;
  std::mutex mu_;
  std::list<std::pair<BlobId, std::shared_ptr<const InPlaceRecord>>> records_;  // most recent first
};

}  // namespace hearth::store

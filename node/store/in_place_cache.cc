#include "node/store/in_place_cache.h"

namespace hearth::store {

std::shared_ptr<const InPlaceRecord> InPlaceCache::Cached(const BlobId& id) {
  std::lock_guard lock(mu_);
  for (auto it = records_.begin(); it != records_.end(); ++it) {
    if (it->first != id) continue;
    records_.splice(records_.begin(), records_, it);
    return records_.front().second;
  }
  return nullptr;
}

void InPlaceCache::Forget(const BlobId& id) {
  std::lock_guard lock(mu_);
  records_.remove_if([&](const auto& e) { return e.first == id; });
}

std::expected<Bytes, StoreError> InPlaceCache::Read(const BlobId& id, uint64_t offset, uint64_t length) {
  if (auto record = Cached(id)) {
    auto bytes = ReadInPlace(*record, offset, length);
    if (bytes) return bytes;
    Forget(id);  // stale, perhaps: read the record again below
  }
  auto record = blobs_.InPlaceOf(id);
  if (!record) return blobs_.Read(id, offset, length);  // a sealed copy, or the error
  auto shared = std::make_shared<const InPlaceRecord>(std::move(*record));
  auto bytes = ReadInPlace(*shared, offset, length);
  if (bytes) {
    std::lock_guard lock(mu_);
    records_.emplace_front(id, std::move(shared));
    if (records_.size() > kRecords) records_.pop_back();
  }
  return bytes;
}

}  // namespace hearth::store

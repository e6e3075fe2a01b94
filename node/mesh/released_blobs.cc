#include "node/mesh/released_blobs.h"

#include <set>

#include "node/store/torrent_table.h"
#include "node/store/live_claims.h"

namespace hearth::mesh {
namespace {

constexpr auto kLookEvery = std::chrono::seconds(2);

}  // namespace

void ReleasedBlobs::Tick(std::chrono::steady_clock::time_point now) {
  if (now - last_ < kLookEvery) return;
  last_ = now;
  std::map<BlobId, std::chrono::steady_clock::time_point> still;
  std::vector<BlobId> drop;
  for (const BlobId& blob : have_.local()) {
    auto claimed = store::IsBlobClaimed(ctx_.home.db(), blob);
    if (!claimed || *claimed) continue;  // a read that fails keeps the blob
    auto it = unclaimed_since_.find(blob);
    const auto since = it == unclaimed_since_.end() ? now : it->second;
    still.emplace(blob, since);
    if (now - since >= ctx_.options.released_grace) drop.push_back(blob);
  }
  unclaimed_since_ = std::move(still);
  size_t dropped = 0;
  for (const BlobId& blob : drop) {
    if (ctx_.home.blobs().IsInPlace(blob) || fetcher_.IsFetching(blob) || reads_.IsBeingRead(blob)) continue;
    const uint64_t size = ctx_.home.blobs().SizeOf(blob).value_or(0);
    if (auto r = have_.Drop(blob); !r) {
      ctx_.Log("cannot delete released blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    (void)store::DeleteTorrent(ctx_.home.db(), blob);
    unclaimed_since_.erase(blob);
    ++dropped;
    ctx_.Log("deleted blob " + blob.ShortHex() + " (" + std::to_string(size) +
             " bytes): no claim names it any more (its tracks were forgotten or replaced by a new version)");
  }
  if (dropped > 0) have_.SendSetToAll();
}

}  // namespace hearth::mesh

// What a simulated device's placement and surplus read of the household's
// live claims, kept in its in-memory ledger (the node reads the same from
// SQLite through store/live_claims.h). Pure functions; any thread.
#pragma once

#include <map>
#include <set>

#include "crypto/blob_cipher.h"
#include "protocol/memory_ledger_index.h"

namespace hearth::sim {

// Each claimed blob with its sealed length: what placement places.
inline std::map<BlobId, uint64_t> SealedSizesOf(const std::map<EntryId, Claim>& claims) {
  std::map<BlobId, uint64_t> sizes;
  for (const auto& [entry, c] : claims) sizes.emplace(c.claim().blob, crypto::SealedLength(c.claim().plaintext_length));
  return sizes;
}

// The sealed length of `blob` as a live claim names it (0 when none does).
inline uint64_t SealedSizeOf(const std::map<EntryId, Claim>& claims, const BlobId& blob) {
  for (const auto& [entry, c] : claims)
    if (c.claim().blob == blob) return crypto::SealedLength(c.claim().plaintext_length);
  return 0;
}

// The blobs of the claims `author` wrote: its imports.
inline std::set<BlobId> BlobsClaimedBy(const std::map<EntryId, Claim>& claims, const DeviceId& author) {
  std::set<BlobId> blobs;
  for (const auto& [entry, c] : claims)
    if (c.author == author) blobs.insert(c.claim().blob);
  return blobs;
}

}  // namespace hearth::sim

// Live claims: the household's catalog as the ledger decides it, read from
// the derived tables SqlLedgerIndex keeps (schema/0008_ledger_state.sql). A
// claim is live when it is effective and no effective release names it.
//
// Plain functions over a Database; each reads the committed state (or the
// caller's open transaction). One thread per Database, as always.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <vector>

#include "node/store/database.h"
#include "protocol/entry_body.h"
#include "protocol/ids.h"

namespace hearth::store {

struct LiveClaim {
  EntryId entry;
  DeviceId author;
  int64_t time_us = 0;
  BlobId blob;
  uint64_t plaintext_length = 0;
};

// Every live claim, in entry id order, one at a time (nothing is gathered).
std::expected<void, StoreError> ForEachLiveClaim(Database& db, const std::function<void(const LiveClaim&)>& fn);
// The live claim `entry` (nullopt when it is released, ineffective or unknown).
std::expected<std::optional<LiveClaim>, StoreError> FindLiveClaim(Database& db, const EntryId& entry);
// The live claims of `blob`.
std::expected<std::vector<LiveClaim>, StoreError> LiveClaimsOfBlob(Database& db, const BlobId& blob);
// Every live claim at once: for tests and small households only; the node
// streams them with ForEachLiveClaim.
std::expected<std::vector<LiveClaim>, StoreError> AllLiveClaims(Database& db);
// Whether any live claim names `blob`.
std::expected<bool, StoreError> IsBlobClaimed(Database& db, const BlobId& blob);

// Whether `device` wrote a live claim of `blob`.
std::expected<bool, StoreError> IsBlobClaimedBy(Database& db, const BlobId& blob, const DeviceId& device);

struct LiveCounts {
  uint64_t claims = 0;
  uint64_t blobs = 0;   // distinct blobs among them
  uint64_t bytes = 0;   // plaintext bytes of those blobs
};
std::expected<LiveCounts, StoreError> CountLive(Database& db);

// The body of the kept claim `entry` (with its sealed details), read from
// its stored bytes.
std::expected<std::optional<TrackClaim>, StoreError> LoadClaimBody(Database& db, const EntryId& entry);

}  // namespace hearth::store

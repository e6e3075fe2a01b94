#include "node/store/live_claims.h"

#include <algorithm>

#include "protocol/ledger_entry.h"

namespace hearth::store {
namespace {

constexpr const char* kColumns =
    "SELECT c.entry, a.device, c.time_us, c.blob, c.plaintext_length FROM ledger_claims c "
    "JOIN ledger_authors a ON a.idx = c.author ";

template <typename Id>
Id IdFrom(const Bytes& b) {
  Id id;
  if (b.size() == id.bytes.size()) std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

LiveClaim Row(const Statement& st) {
  LiveClaim c;
  c.entry = IdFrom<EntryId>(st.Blob(0));
  c.author = IdFrom<DeviceId>(st.Blob(1));
  c.time_us = st.Int(2);
  c.blob = IdFrom<BlobId>(st.Blob(3));
  c.plaintext_length = static_cast<uint64_t>(st.Int(4));
  return c;
}

}  // namespace

std::expected<void, StoreError> ForEachLiveClaim(Database& db, const std::function<void(const LiveClaim&)>& fn) {
  auto st = db.Prepare(std::string(kColumns) + "WHERE c.effective = 1 AND c.released = 0 ORDER BY c.entry");
  if (!st) return std::unexpected(st.error());
  return st->ForEach([&](const Statement& row) { fn(Row(row)); });
}

std::expected<std::vector<LiveClaim>, StoreError> AllLiveClaims(Database& db) {
  std::vector<LiveClaim> out;
  auto r = ForEachLiveClaim(db, [&](const LiveClaim& c) { out.push_back(c); });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::optional<LiveClaim>, StoreError> FindLiveClaim(Database& db, const EntryId& entry) {
  auto st = db.Prepare(std::string(kColumns) + "WHERE c.entry = ? AND c.effective = 1 AND c.released = 0");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, entry.span());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<LiveClaim>{};
  return std::optional<LiveClaim>{Row(*st)};
}

std::expected<std::vector<LiveClaim>, StoreError> LiveClaimsOfBlob(Database& db, const BlobId& blob) {
  auto st = db.Prepare(std::string(kColumns) + "WHERE c.blob = ? AND c.effective = 1 AND c.released = 0");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.span());
  std::vector<LiveClaim> out;
  auto r = st->ForEach([&](const Statement& row) { out.push_back(Row(row)); });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<bool, StoreError> IsBlobClaimed(Database& db, const BlobId& blob) {
  auto st = db.PrepareCached("SELECT 1 FROM ledger_claims WHERE blob = ? AND effective = 1 AND released = 0 LIMIT 1");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, blob.span());
  auto row = (*st)->Step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

std::expected<bool, StoreError> IsBlobClaimedBy(Database& db, const BlobId& blob, const DeviceId& device) {
  auto st = db.PrepareCached(
      "SELECT 1 FROM ledger_claims WHERE blob = ? AND effective = 1 AND released = 0 "
      "AND author = (SELECT idx FROM ledger_authors WHERE device = ?) LIMIT 1");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, blob.span()).Bind(2, device.span());
  auto row = (*st)->Step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

std::expected<LiveCounts, StoreError> CountLive(Database& db) {
  auto st = db.Prepare(
      "SELECT (SELECT count(*) FROM ledger_claims WHERE effective = 1 AND released = 0), count(*), "
      "coalesce(sum(len), 0) FROM (SELECT max(plaintext_length) AS len FROM ledger_claims "
      "WHERE effective = 1 AND released = 0 GROUP BY blob)");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  LiveCounts c;
  if (*row) {
    c.claims = static_cast<uint64_t>(st->Int(0));
    c.blobs = static_cast<uint64_t>(st->Int(1));
    c.bytes = static_cast<uint64_t>(st->Int(2));
  }
  return c;
}

std::expected<std::optional<TrackClaim>, StoreError> LoadClaimBody(Database& db, const EntryId& entry) {
  auto st = db.Prepare("SELECT bytes FROM ledger_entries WHERE id = ? AND type = 4");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, entry.span());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<TrackClaim>{};
  auto decoded = DecodeEntry(st->Blob(0));
  if (!decoded) return std::unexpected(StoreError{StoreErrc::kInvalid, "claim " + entry.ShortHex() + " is damaged"});
  return std::optional<TrackClaim>{std::get<TrackClaim>(decoded->entry.body)};
}

}  // namespace hearth::store

#include "protocol/memory_ledger_index.h"

namespace hearth {

std::optional<KeptEntry> MemoryLedgerIndex::Find(const EntryId& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return rows_[it->second].kept;
}

VectorClock MemoryLedgerIndex::ChainClock(uint32_t author, uint64_t seq) {
  if (author >= chains_.size() || seq == 0 || seq > chains_[author].size()) return {};
  return rows_[chains_[author][seq - 1]].kept.clock;
}

std::optional<EntryId> MemoryLedgerIndex::ChainId(uint32_t author, uint64_t seq) {
  if (author >= chains_.size() || seq == 0 || seq > chains_[author].size()) return std::nullopt;
  return rows_[chains_[author][seq - 1]].id;
}

void MemoryLedgerIndex::NewAuthor(uint32_t index, const DeviceId& device) {
  if (authors_.size() <= index) authors_.resize(index + 1);
  authors_[index] = device;
  if (chains_.size() <= index) chains_.resize(index + 1);
}

void MemoryLedgerIndex::Keep(const SignedEntry& entry, const KeptEntry& kept, bool effective) {
  Row row{entry.id, kept, nullptr, entry.entry.time_us, false};
  const EntryType type = kept.type;
  if (type == EntryType::kTrackClaim || type == EntryType::kTrackRelease) {
    if (keep_catalog_) row.body = std::make_shared<const Body>(entry.entry.body);
    row.effective = effective;
  }
  const size_t r = rows_.size();
  rows_.push_back(std::move(row));
  by_id_.emplace(entry.id, r);
  if (kept.chained) {
    if (chains_.size() <= kept.author) chains_.resize(kept.author + 1);
    chains_[kept.author].push_back(r);
  }
  if (!effective || !keep_catalog_) return;
  const Row& k = rows_[r];
  if (type == EntryType::kTrackClaim) {
    if (!released_.contains(k.id)) live_.emplace(k.id, Claim{k.id, authors_[kept.author], k.time_us, k.body});
  } else if (type == EntryType::kTrackRelease) {
    const EntryId& claim = std::get<TrackRelease>(*k.body).claim;
    released_.insert(claim);
    live_.erase(claim);
  }
}

void MemoryLedgerIndex::WindowChanged(uint32_t author, const AuthorWindow& window) {
  for (Row& row : rows_) {
    const bool decided = row.kept.type == EntryType::kTrackClaim || row.kept.type == EntryType::kTrackRelease;
    if (row.kept.author != author || !decided) continue;
    row.effective = row.kept.chained && window.Contains(row.kept.seq);
  }
  if (keep_catalog_) Rebuild();
}

void MemoryLedgerIndex::Rebuild() {
  released_.clear();
  live_.clear();
  for (const Row& row : rows_)
    if (row.effective && row.kept.type == EntryType::kTrackRelease)
      released_.insert(std::get<TrackRelease>(*row.body).claim);
  for (const Row& row : rows_) {
    if (row.effective && row.kept.type == EntryType::kTrackClaim && !released_.contains(row.id))
      live_.emplace(row.id, Claim{row.id, authors_[row.kept.author], row.time_us, row.body});
  }
}

std::vector<EntryId> MemoryLedgerIndex::KeptFrom(const std::vector<uint64_t>& from) {
  std::vector<EntryId> out;
  for (const Row& row : rows_) {
    uint64_t first = row.kept.author < from.size() ? from[row.kept.author] : 1;
    if (!row.kept.chained || row.kept.seq >= first) out.push_back(row.id);
  }
  return out;
}

uint64_t MemoryLedgerIndex::EffectiveClaimsAndReleases() {
  uint64_t n = 0;
  for (const Row& row : rows_) n += row.effective ? 1 : 0;
  return n;
}

}  // namespace hearth

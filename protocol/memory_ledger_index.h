// MemoryLedgerIndex: a LedgerIndex (ledger_index.h) holding every kept
// entry's facts in memory, and the live claims as a map. For tests, the
// simulator and benchmarks; the node keeps its index in SQLite.
//
// Not thread-safe: used by the one Ledger that owns or borrows it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "protocol/ledger_index.h"

namespace hearth {

// A live claim: effective, and named by no effective track.release.
struct Claim {
  EntryId entry;
  DeviceId author;
  int64_t time_us = 0;
  std::shared_ptr<const Body> body;  // holds a TrackClaim
  const TrackClaim& claim() const { return std::get<TrackClaim>(*body); }
  bool operator==(const Claim& o) const {
    return entry == o.entry && author == o.author && time_us == o.time_us && claim() == o.claim();
  }
};

class MemoryLedgerIndex final : public LedgerIndex {
 public:
  // `keep_catalog` false: no claim bodies, no live claims (claims() stays
  // empty); each entry costs its clock and a few words. For checking a
  // whole ledger (`hearth ledger verify`).
  explicit MemoryLedgerIndex(bool keep_catalog = true) : keep_catalog_(keep_catalog) {}

  std::optional<KeptEntry> Find(const EntryId& id) override;
  VectorClock ChainClock(uint32_t author, uint64_t seq) override;
  std::optional<EntryId> ChainId(uint32_t author, uint64_t seq) override;
  void NewAuthor(uint32_t index, const DeviceId& device) override;
  void Keep(const SignedEntry& entry, const KeptEntry& kept, bool effective) override;
  void WindowChanged(uint32_t author, const AuthorWindow& window) override;
  std::vector<EntryId> KeptFrom(const std::vector<uint64_t>& from) override;
  uint64_t EffectiveClaimsAndReleases() override;

  // Live claims by entry id.
  const std::map<EntryId, Claim>& claims() const { return live_; }
  // Claims named by an effective release.
  const std::set<EntryId>& released() const { return released_; }

 private:
  struct Row {
    EntryId id;
    KeptEntry kept;
    std::shared_ptr<const Body> body;  // claims and releases only
    int64_t time_us = 0;
    bool effective = false;
  };
  void Rebuild();

  std::vector<Row> rows_;  // arrival order
  std::unordered_map<EntryId, size_t, Id32Hash> by_id_;
  std::vector<std::vector<size_t>> chains_;  // per author: rows by seq - 1
  std::vector<DeviceId> authors_;
  std::map<EntryId, Claim> live_;
  std::set<EntryId> released_;
  bool keep_catalog_ = true;
};

}  // namespace hearth

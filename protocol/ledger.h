// Ledger: the pure verifier of one household's ownership ledger.
//
// Entries are offered one at a time with Accept(), in causal order (an
// entry's `prev` and parents first). Each offered entry ends in one of three
// ways:
//   - accepted and effective: it changes the derived state;
//   - kept but without effect (Accept returns a Rejection with kept = true):
//     a signed entry by a device that was once added, which the rules refuse
//     (revoked author, non-admin writing an admin type, equivocation). It is
//     kept as evidence and so that later entries citing it stay verifiable;
//   - dropped (kept = false): malformed, forged, replayed, out of chain,
//     missing parents, or by a device the household never added.
// The rules and the evaluation order are documented in ledger_rules.md.
//
// Memory: the Ledger holds each author's head, the membership entries
// (genesis, device.add, device.revoke, policy.set) and a small cache of
// recent entries' clocks. Every other kept entry, and which claims are live,
// lives in its LedgerIndex (ledger_index.h). Constructed without an index it
// owns a MemoryLedgerIndex, whose live claims claims() returns.
//
// Not thread-safe: one owner calls it. A borrowed index must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocol/ledger_entry.h"
#include "protocol/ledger_index.h"
#include "protocol/ledger_state.h"
#include "protocol/memory_ledger_index.h"

namespace hearth {

struct Rejection {
  LedgerError error;
  bool kept = false;  // the caller should persist the entry as evidence
};

struct AuthorHead {
  DeviceId author;
  uint64_t seq = 0;
  EntryId id;
};

// What an index hands back to rebuild a Ledger over entries it already
// holds (Ledger::Restore): far less than the entries themselves.
struct LedgerSnapshot {
  struct Author {
    DeviceId device;
    uint64_t length = 0;           // chained entries (the head's seq)
    EntryId head;                  // zero when length == 0
    VectorClock head_clock;
    uint64_t equivocated_from = 0; // lowest seq of an unchained entry; 0 = none
    AuthorWindow window;           // as the index last applied it
  };
  std::vector<Author> authors;     // by author index
  // Every kept genesis, device.add, device.revoke and policy.set, in arrival order.
  std::vector<std::pair<SignedEntry, KeptEntry>> membership;
  uint64_t kept = 0;               // kept entries of every type
};

class Ledger {
 public:
  // A ledger in memory (it owns a MemoryLedgerIndex).
  explicit Ledger(HouseholdId household);
  // A ledger over `index`, which must be empty.
  Ledger(HouseholdId household, LedgerIndex& index);
  // A ledger over the entries `index` already holds, described by `snapshot`.
  // Re-decides membership; any window that differs from the snapshot's is
  // applied to the index again.
  static Ledger Restore(HouseholdId household, LedgerIndex& index, LedgerSnapshot snapshot);

  Ledger(Ledger&&) = default;
  Ledger& operator=(Ledger&&) = default;

  // Verifies `entry` (signature included) and adds it. See the class comment
  // for the three outcomes.
  std::expected<void, Rejection> Accept(const SignedEntry& entry);
  // As Accept, but skips the signature check: for bytes re-read from our own
  // store, or already checked on another core.
  std::expected<void, Rejection> AcceptTrusted(const SignedEntry& entry);

  // Household, members and policy. The catalog is in the index.
  const LedgerState& state() const { return state_; }
  const HouseholdId& household() const { return household_; }
  uint64_t size() const { return kept_; }   // kept entries (evidence included)
  uint64_t effective_count() const;
  bool Contains(const EntryId& id) const;
  // Each author's latest chained entry: what an author cites as parents and
  // what sync compares.
  std::vector<AuthorHead> Heads() const;
  // The head of one author's chain (seq 0 when it has none).
  AuthorHead HeadOf(const DeviceId& author) const;
  // The next entry `author` would write: its next sequence number, chained
  // to its head, citing every other author's head as a parent. Sign it with
  // SignEntry and Accept it.
  Entry NextEntry(const DeviceId& author, Body body, int64_t time_us) const;
  // Every kept entry a peer with `their_heads` lacks, in the order this
  // ledger received them (a causal order, so the peer can accept them one
  // by one): chained entries past the peer's head for their author, from
  // the first one the peer cannot have, and all evidence entries. Authors
  // the peer does not list are sent whole.
  std::vector<EntryId> MissingFor(const std::vector<AuthorHead>& their_heads) const;
  // Whether the kept entry `id` is effective (false for unknown ids).
  bool IsEffective(const EntryId& id) const;
  // The window of `device`'s claims and releases that have effect.
  AuthorWindow WindowOf(const DeviceId& device) const;

  // Live claims of a ledger built without an index (tests, the simulator).
  // Must not be called on a ledger over a borrowed index.
  const std::map<EntryId, Claim>& claims() const;

 private:
  // A kept membership entry, held in memory.
  struct Record {
    EntryId id;
    uint32_t author = 0;
    uint64_t seq = 0;
    int64_t time_us = 0;
    EntryType type = EntryType::kGenesis;
    Body body;
    VectorClock clock;
    bool chained = true;
    bool effective = false;
    uint64_t covered_at = 0;  // device.add: first seq of the added device's chain with it in its past
    uint32_t canon = 0;       // position in the canonical order (Recompute)
  };
  struct Author {
    DeviceId device;
    uint64_t length = 0;
    EntryId head;
    VectorClock head_clock;
    uint64_t equivocated_from = 0;
    std::vector<uint32_t> any_adds;  // every chained device.add of this device (records)
    std::vector<uint32_t> adds;      // effective ones
    std::vector<uint32_t> revokes;   // effective revocations of this device
    std::vector<uint32_t> demotions;  // effective device.adds of it without admin (phase A; fixed for phase B)
    AuthorWindow window;
  };

  std::expected<void, Rejection> AcceptImpl(const SignedEntry& entry, bool check_signature);
  std::optional<KeptEntry> Lookup(const EntryId& id) const;
  void Remember(const EntryId& id, const KeptEntry& kept) const;
  uint32_t AuthorIndex(const DeviceId& d);
  static Record RecordOf(const SignedEntry& entry, KeptEntry kept);
  uint32_t Keep(const SignedEntry& entry, KeptEntry kept);
  void Cover(uint32_t author, uint64_t seq, const VectorClock& clock);
  static bool InPast(const Record& x, const VectorClock& clock);
  std::optional<LedgerError> WhyIneffective(const Record& r) const;
  // The household's recovery key at `rec`: the latest effective recovery.set
  // in its causal past, else the genesis's.
  std::optional<RecoveryKey> RecoveryKeyAt(const Record& rec) const;
  // A recovery.use that adds its own author (a join), signed by a key the
  // household has had as its recovery key: stored even though the author
  // has no device.add (whether it takes effect is decided with the rest).
  bool IsVouchedRecoveryJoin(const Entry& e) const;
  // A device.add's admin flag; a recovery.use makes its author an admin.
  bool AdminFlag(uint32_t record) const;
  std::optional<LedgerError> WhyOutsideWindow(uint32_t author, uint64_t seq) const;
  std::vector<uint32_t> CanonicalOrder() const;
  void Recompute();
  void Apply(const Record& r, LedgerState& state, std::vector<uint32_t>& policies) const;
  void ChoosePolicy(LedgerState& state, const std::vector<uint32_t>& policies) const;
  void UpdateWindows();
  bool IsFounder(uint32_t a) const { return genesis_ && records_[*genesis_].author == a; }

  HouseholdId household_;
  std::unique_ptr<MemoryLedgerIndex> owned_;
  LedgerIndex* index_ = nullptr;
  std::vector<Record> records_;   // membership entries, arrival order
  std::unordered_map<EntryId, uint32_t, Id32Hash> record_index_;
  std::vector<Author> authors_;
  std::unordered_map<DeviceId, uint32_t, Id32Hash> author_index_;
  std::optional<uint32_t> genesis_;
  uint64_t kept_ = 0;
  uint64_t membership_effective_ = 0;
  std::vector<uint32_t> recovery_sets_;  // effective recovery.set records, in canonical order
  LedgerState state_;
  // Recently kept entries, so parents rarely need the index.
  mutable std::unordered_map<EntryId, KeptEntry, Id32Hash> recent_;
  mutable std::deque<EntryId> recent_order_;
};

}  // namespace hearth

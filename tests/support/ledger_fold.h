// LedgerFold: the test oracle for Ledger (protocol/ledger.h). It keeps every
// entry in memory with its clock and dependencies and decides the whole set
// at once, the way the ledger was first written; a property test checks
// that Ledger over any index derives the same members, policy and live
// claims. Not used by the node.
//
// Below, the original contract:
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
// Not thread-safe: one owner calls it. Holds every kept entry's header and
// decoded body in memory.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <unordered_map>
#include <vector>

#include <set>

#include "protocol/ledger.h"

namespace hearth::testing {

// The old derived state: members and policy, and the catalog beside them.
struct FoldState : LedgerState {
  std::map<EntryId, Claim> claims;   // live claims
  std::set<EntryId> released;        // claims named by an effective release
};

class LedgerFold {
 public:
  explicit LedgerFold(HouseholdId household);

  // Verifies `entry` (signature included) and adds it. See the class comment
  // for the three outcomes.
  std::expected<void, Rejection> Accept(const SignedEntry& entry);
  // As Accept, but skips the signature check: for bytes re-read from our own
  // store, which were verified when they first arrived.
  std::expected<void, Rejection> AcceptTrusted(const SignedEntry& entry);

  const FoldState& state() const { return state_; }
  const HouseholdId& household() const { return household_; }
  size_t size() const { return records_.size(); }   // kept entries (evidence included)
  size_t effective_count() const;
  bool Contains(const EntryId& id) const { return index_.contains(id); }
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
  // the first one the peer cannot have, and all evidence entries of such
  // authors. Authors the peer does not list are sent whole.
  std::vector<EntryId> MissingFor(const std::vector<AuthorHead>& their_heads) const;
  // Whether the kept entry `id` is effective (false for unknown ids).
  bool IsEffective(const EntryId& id) const;

 private:
  struct Record {
    EntryId id;
    uint32_t author = 0;
    uint64_t seq = 0;
    int64_t time_us = 0;
    EntryType type = EntryType::kGenesis;
    std::shared_ptr<const Body> body;
    std::vector<uint64_t> clock;   // causal clock: per author index, highest seq seen
    std::vector<uint32_t> deps;    // record indices of prev and parents
    bool chained = true;           // false for equivocation evidence
    bool effective = false;
  };
  std::expected<void, Rejection> AcceptImpl(const SignedEntry& entry, bool check_signature);
  uint32_t AuthorIndex(const DeviceId& d);
  bool InPast(uint32_t x, uint32_t r) const;
  uint32_t Store(const SignedEntry& entry, std::vector<uint32_t> deps, bool chained);
  std::optional<LedgerError> WhyIneffective(
      uint32_t r, const std::vector<std::vector<uint32_t>>& revokes) const;
  void Recompute();
  void Apply(uint32_t r, FoldState& state);
  void ChoosePolicy(FoldState& state, const std::vector<uint32_t>& policies) const;
  void ChooseListeners(FoldState& state) const;
  // A recovery.use that adds its author, signed by a key the household has had.
  bool VouchedJoin(const Entry& e) const;
  std::vector<uint32_t> CanonicalOrder() const;
  bool IsMembershipType(EntryType t) const;

  HouseholdId household_;
  std::vector<Record> records_;
  std::unordered_map<EntryId, uint32_t, Id32Hash> index_;
  std::vector<DeviceId> authors_;
  std::unordered_map<DeviceId, uint32_t, Id32Hash> author_index_;
  std::vector<std::vector<uint32_t>> chains_;        // per author: records by seq-1
  std::vector<uint64_t> equivocated_from_;           // per author: first bad seq, 0 = none
  std::vector<std::vector<uint32_t>> adds_;          // per author: effective device.add records
  std::vector<std::vector<uint32_t>> any_adds_;      // per author: every kept device.add
  std::vector<std::vector<uint32_t>> revokes_;       // per author: effective revocations
  std::vector<std::vector<uint32_t>> demotions_;     // per author: effective adds without admin (phase A)
  std::vector<uint32_t> canon_;                      // per record: position in the canonical order
  std::vector<uint32_t> recovery_sets_;              // effective recovery.set records
  std::vector<uint32_t> policies_;                   // effective policy.set records
  std::vector<uint32_t> listener_changes_;           // effective listener.set and .remove records
  std::optional<uint32_t> genesis_;
  FoldState state_;
};

}  // namespace hearth::testing

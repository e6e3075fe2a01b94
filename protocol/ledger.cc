#include "protocol/ledger.h"

#include <algorithm>
#include <cassert>

#include "crypto/signing.h"

namespace hearth {
namespace {

std::unexpected<Rejection> Drop(LedgerErrc code, std::string detail) {
  return std::unexpected(Rejection{LedgerError{code, std::move(detail)}, false});
}

std::string Seq(uint64_t s) { return std::to_string(s); }

bool IsMembershipType(EntryType t) {
  return t == EntryType::kGenesis || t == EntryType::kDeviceAdd || t == EntryType::kDeviceRevoke ||
         t == EntryType::kPolicySet || t == EntryType::kRecoverySet || t == EntryType::kRecoveryUse ||
         t == EntryType::kListenerSet || t == EntryType::kListenerRemove;
}

void Merge(VectorClock& into, const VectorClock& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (size_t i = 0; i < from.size(); ++i) into[i] = std::max(into[i], from[i]);
}

constexpr size_t kRecentEntries = 4096;

}  // namespace

Ledger::Ledger(HouseholdId household)
    : household_(household), owned_(std::make_unique<MemoryLedgerIndex>()), index_(owned_.get()) {
  state_.household = household;
}

Ledger::Ledger(HouseholdId household, LedgerIndex& index) : household_(household), index_(&index) {
  state_.household = household;
}

const std::map<EntryId, Claim>& Ledger::claims() const {
  assert(owned_ && "claims() needs a ledger that owns its index");
  return owned_->claims();
}

uint32_t Ledger::AuthorIndex(const DeviceId& d) {
  auto [it, inserted] = author_index_.try_emplace(d, static_cast<uint32_t>(authors_.size()));
  if (inserted) {
    Author a;
    a.device = d;
    authors_.push_back(std::move(a));
    index_->NewAuthor(it->second, d);
  }
  return it->second;
}

bool Ledger::InPast(const Record& x, const VectorClock& clock) {
  return x.chained && x.author < clock.size() && clock[x.author] >= x.seq;
}

void Ledger::Remember(const EntryId& id, const KeptEntry& kept) const {
  if (recent_.size() >= kRecentEntries) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  if (recent_.emplace(id, kept).second) recent_order_.push_back(id);
}

std::optional<KeptEntry> Ledger::Lookup(const EntryId& id) const {
  if (auto r = record_index_.find(id); r != record_index_.end()) {
    const Record& rec = records_[r->second];
    return KeptEntry{rec.author, rec.seq, rec.type, rec.chained, rec.clock};
  }
  if (auto it = recent_.find(id); it != recent_.end()) return it->second;
  auto found = index_->Find(id);
  if (found) Remember(id, *found);
  return found;
}

bool Ledger::Contains(const EntryId& id) const { return Lookup(id).has_value(); }

std::expected<void, Rejection> Ledger::Accept(const SignedEntry& entry) {
  return AcceptImpl(entry, true);
}

std::expected<void, Rejection> Ledger::AcceptTrusted(const SignedEntry& entry) {
  return AcceptImpl(entry, false);
}

std::expected<void, Rejection> Ledger::AcceptImpl(const SignedEntry& signed_entry,
                                                  bool check_signature) {
  const Entry& e = signed_entry.entry;
  // Built only when a refusal needs it: base32 is not free on the hot path.
  auto who = [&] { return "device " + DeviceShort(e.author); };
  if (e.household != household_) {
    return Drop(LedgerErrc::kWrongHousehold, "entry " + signed_entry.id.ShortHex() +
                                                 " belongs to household " +
                                                 e.household.ShortHex());
  }
  if (Contains(signed_entry.id)) {
    return Drop(LedgerErrc::kReplayed,
                "entry " + signed_entry.id.ShortHex() + " is already in the ledger");
  }
  if (check_signature && !VerifyEntrySignature(signed_entry)) {
    return Drop(LedgerErrc::kBadSignature, "entry " + signed_entry.id.ShortHex() + " by " +
                                               who() + " does not carry its author's signature");
  }

  const bool is_genesis = e.type() == EntryType::kGenesis;
  if (is_genesis) {
    if (e.seq != 1 || !e.parents.empty()) {
      return Drop(LedgerErrc::kBadGenesis,
                  "genesis must be its author's first entry and have no parents");
    }
    if (DeriveHouseholdId(e.author, std::get<Genesis>(e.body)) != household_) {
      return Drop(LedgerErrc::kBadGenesis, "genesis does not derive this household's id");
    }
  } else {
    if (!genesis_) return Drop(LedgerErrc::kUnknownAuthor, "the ledger has no genesis yet");
    auto it = author_index_.find(e.author);
    if ((it == author_index_.end() || (!IsFounder(it->second) && authors_[it->second].any_adds.empty())) &&
        !IsVouchedRecoveryJoin(e)) {
      return Drop(LedgerErrc::kUnknownAuthor, who() + " was never added to this household");
    }
  }

  const uint32_t a = AuthorIndex(e.author);
  const uint64_t length = authors_[a].length;
  // Causal dependencies: the author's previous entry and the cited parents.
  KeptEntry kept{a, e.seq, e.type(), true, {}};
  bool chained = true;
  std::optional<KeptEntry> prev;
  if (e.seq > 1) prev = e.seq == length + 1 && authors_[a].head == e.prev
                            ? KeptEntry{a, length, EntryType::kGenesis, true, authors_[a].head_clock}
                            : Lookup(e.prev);
  // An entry continuing a fork that is already evidence (its prev is one of
  // this author's unchained entries) is evidence too, never a broken chain:
  // dropping it would strand every honest entry that cites it.
  auto continues_fork = [&] {
    return prev && prev->author == a && prev->seq == e.seq - 1 && !prev->chained;
  };
  if (e.seq <= length) {
    chained = false;  // another entry already holds this (author, seq)
  } else if (e.seq == length + 1 && (e.seq == 1 || authors_[a].head == e.prev)) {
    // chained to the head
  } else if (continues_fork()) {
    chained = false;
  } else if (e.seq > length + 1) {
    return Drop(LedgerErrc::kChainGap, who() + "'s chain is at seq " + Seq(length) +
                                           "; entry has seq " + Seq(e.seq));
  } else {
    return Drop(LedgerErrc::kChainBroken,
                "prev does not name " + who() + "'s entry " + Seq(e.seq - 1));
  }
  kept.chained = chained;
  if (prev) Merge(kept.clock, prev->clock);
  for (const EntryId& parent : e.parents) {
    auto p = Lookup(parent);
    if (!p) {
      if (!chained) continue;  // evidence is kept whatever it cites
      return Drop(LedgerErrc::kMissingParent,
                  "parent " + parent.ShortHex() + " is not in the ledger yet");
    }
    Merge(kept.clock, p->clock);
  }
  if (kept.clock.size() <= a) kept.clock.resize(a + 1, 0);
  kept.clock[a] = std::max(kept.clock[a], e.seq);

  if (!chained) {
    std::string detail =
        e.seq <= length
            ? who() + " signed two different entries with seq " + Seq(e.seq) + " (" +
                  (e.seq == length ? authors_[a].head : index_->ChainId(a, e.seq).value_or(EntryId{}))
                      .ShortHex() +
                  " and " + signed_entry.id.ShortHex() + "); kept as evidence, device flagged"
            : who() + "'s entry " + signed_entry.id.ShortHex() +
                  " continues a fork of its chain; kept as evidence";
    Keep(signed_entry, std::move(kept));
    uint64_t& from = authors_[a].equivocated_from;
    if (from == 0 || e.seq < from) from = e.seq;
    Recompute();
    return std::unexpected(Rejection{LedgerError{LedgerErrc::kEquivocation, detail}, true});
  }

  if (!is_genesis && !IsFounder(a) && !IsVouchedRecoveryJoin(e)) {
    const auto& adds = authors_[a].any_adds;
    if (std::none_of(adds.begin(), adds.end(), [&](uint32_t x) { return InPast(records_[x], kept.clock); })) {
      return Drop(LedgerErrc::kUnknownAuthor,
                  who() + " has no device.add in this entry's causal past");
    }
  }
  if (const auto* release = std::get_if<TrackRelease>(&e.body)) {
    auto c = Lookup(release->claim);
    // Sync delivers the claim before any release of it; the claim need not
    // be chained here (it may sit on a fork kept as evidence).
    if (!c || c->type != EntryType::kTrackClaim) {
      return Drop(LedgerErrc::kBadReference, "released claim " + release->claim.ShortHex() +
                                                 " is not a claim in this ledger");
    }
  }
  if (const auto* revoke = std::get_if<DeviceRevoke>(&e.body)) {
    if (!author_index_.contains(revoke->device)) {
      return Drop(LedgerErrc::kBadReference,
                  "revoked device " + DeviceShort(revoke->device) + " is not a member");
    }
  }

  // The author's chain grows; adds of the author this entry is the first to
  // have in its past may open its window before the entry is decided.
  Cover(a, e.seq, kept.clock);
  const uint32_t r = Keep(signed_entry, std::move(kept));
  if (r != UINT32_MAX) {
    Recompute();
    if (records_[r].effective) return {};
    auto why = WhyIneffective(records_[r]);
    LedgerError error = why ? *why : LedgerError{LedgerErrc::kRevokedAuthor, who() + " was revoked"};
    return std::unexpected(Rejection{std::move(error), true});
  }
  if (auto why = WhyOutsideWindow(a, e.seq)) return std::unexpected(Rejection{std::move(*why), true});
  return {};
}

bool Ledger::IsVouchedRecoveryJoin(const Entry& e) const {
  const auto* use = std::get_if<RecoveryUse>(&e.body);
  if (!use || !use->join || !genesis_) return false;
  bool known = std::get<Genesis>(records_[*genesis_].body).recovery_key == use->key;
  for (const Record& rec : records_)
    if (const auto* set = std::get_if<RecoverySet>(&rec.body); set && set->key == use->key) known = true;
  return known && crypto::VerifySignature(use->key, RecoveryProofBytes(household_, e.author, e.seq), use->proof);
}

Ledger::Record Ledger::RecordOf(const SignedEntry& entry, KeptEntry kept) {
  Record rec;
  rec.id = entry.id;
  rec.author = kept.author;
  rec.seq = entry.entry.seq;
  rec.time_us = entry.entry.time_us;
  rec.type = kept.type;
  rec.body = entry.entry.body;
  rec.clock = std::move(kept.clock);
  rec.chained = kept.chained;
  return rec;
}

uint32_t Ledger::Keep(const SignedEntry& entry, KeptEntry kept) {
  const Entry& e = entry.entry;
  const uint32_t a = kept.author;
  ++kept_;
  if (kept.chained) {
    Author& au = authors_[a];
    au.length = e.seq;
    au.head = entry.id;
    au.head_clock = kept.clock;
  }
  if (!IsMembershipType(kept.type)) {
    index_->Keep(entry, kept, kept.chained && authors_[a].window.Contains(e.seq));
    Remember(entry.id, kept);
    return UINT32_MAX;
  }
  index_->Keep(entry, kept, false);
  uint32_t target = UINT32_MAX;
  if (const auto* add = std::get_if<DeviceAdd>(&e.body)) target = AuthorIndex(add->device);
  if (const auto* use = std::get_if<RecoveryUse>(&e.body); use && use->join) target = a;  // adds its author
  if (const auto* rev = std::get_if<DeviceRevoke>(&e.body)) AuthorIndex(rev->device);
  const bool chained = kept.chained;
  const uint32_t r = static_cast<uint32_t>(records_.size());
  records_.push_back(RecordOf(entry, std::move(kept)));
  record_index_.emplace(entry.id, r);
  if (chained) {
    if (target != UINT32_MAX) authors_[target].any_adds.push_back(r);
    if (target == a) records_[r].covered_at = e.seq;  // a join has itself in its past
    if (records_[r].type == EntryType::kGenesis && !genesis_) genesis_ = r;
  }
  return r;
}

void Ledger::Cover(uint32_t author, uint64_t seq, const VectorClock& clock) {
  for (uint32_t x : authors_[author].any_adds) {
    Record& add = records_[x];
    if (add.covered_at == 0 && InPast(add, clock)) add.covered_at = seq;
  }
  // An effective add newly covered moves the window's start.
  AuthorWindow& w = authors_[author].window;
  for (uint32_t x : authors_[author].adds) {
    if (records_[x].covered_at != 0 && records_[x].covered_at < w.lo) {
      w.lo = records_[x].covered_at;
      index_->WindowChanged(author, w);
    }
  }
}

uint64_t Ledger::effective_count() const {
  return membership_effective_ + index_->EffectiveClaimsAndReleases();
}

std::vector<AuthorHead> Ledger::Heads() const {
  std::vector<AuthorHead> heads;
  for (const Author& a : authors_)
    if (a.length > 0) heads.push_back(AuthorHead{a.device, a.length, a.head});
  return heads;
}

AuthorHead Ledger::HeadOf(const DeviceId& author) const {
  AuthorHead head{author, 0, {}};
  auto it = author_index_.find(author);
  if (it != author_index_.end() && authors_[it->second].length > 0) {
    head.seq = authors_[it->second].length;
    head.id = authors_[it->second].head;
  }
  return head;
}

Entry Ledger::NextEntry(const DeviceId& author, Body body, int64_t time_us) const {
  AuthorHead head = HeadOf(author);
  Entry e;
  e.household = household_;
  e.author = author;
  e.seq = head.seq + 1;
  e.prev = head.id;
  for (const AuthorHead& h : Heads())
    if (h.author != author) e.parents.push_back(h.id);
  e.time_us = time_us;
  e.body = std::move(body);
  return e;
}

std::vector<EntryId> Ledger::MissingFor(const std::vector<AuthorHead>& their_heads) const {
  // For each of our authors, the first sequence number the peer lacks. A
  // peer head that is not ours (a fork we do not hold) proves nothing about
  // the entries before it, so the author is then sent from its start.
  std::vector<uint64_t> from(authors_.size(), 1);
  for (const AuthorHead& h : their_heads) {
    auto it = author_index_.find(h.author);
    if (it == author_index_.end() || h.seq == 0) continue;
    const Author& au = authors_[it->second];
    if (h.seq > au.length) continue;
    bool ours = h.seq == au.length ? au.head == h.id : index_->ChainId(it->second, h.seq) == h.id;
    if (ours) from[it->second] = h.seq + 1;
  }
  return index_->KeptFrom(from);
}

bool Ledger::IsEffective(const EntryId& id) const {
  if (auto r = record_index_.find(id); r != record_index_.end()) return records_[r->second].effective;
  auto kept = Lookup(id);
  return kept && kept->chained && kept->author < authors_.size() &&
         authors_[kept->author].window.Contains(kept->seq);
}

AuthorWindow Ledger::WindowOf(const DeviceId& device) const {
  auto it = author_index_.find(device);
  return it == author_index_.end() ? AuthorWindow{} : authors_[it->second].window;
}

Ledger Ledger::Restore(HouseholdId household, LedgerIndex& index, LedgerSnapshot snapshot) {
  Ledger ledger(household, index);
  for (uint32_t i = 0; i < snapshot.authors.size(); ++i) {
    const auto& s = snapshot.authors[i];
    Author a;
    a.device = s.device;
    a.length = s.length;
    a.head = s.head;
    a.head_clock = s.head_clock;
    a.equivocated_from = s.equivocated_from;
    a.window = s.window;
    ledger.author_index_.emplace(s.device, i);
    ledger.authors_.push_back(std::move(a));
  }
  ledger.kept_ = snapshot.kept;
  for (auto& [entry, kept] : snapshot.membership) {
    // Keep() without telling the index, which holds these already.
    const Entry& e = entry.entry;
    Record rec = RecordOf(entry, std::move(kept));
    const uint32_t r = static_cast<uint32_t>(ledger.records_.size());
    const DeviceAdd* add = std::get_if<DeviceAdd>(&e.body);
    if (add && rec.chained) {
      // The first seq of the added device's chain with this add in its past:
      // clocks only grow along a chain, so search for it.
      auto t = ledger.author_index_.find(add->device);
      if (t != ledger.author_index_.end()) {
        uint64_t lo = 1, hi = ledger.authors_[t->second].length + 1;
        while (lo < hi) {
          uint64_t mid = lo + (hi - lo) / 2;
          VectorClock c = index.ChainClock(t->second, mid);
          if (InPast(rec, c)) hi = mid; else lo = mid + 1;
        }
        if (lo <= ledger.authors_[t->second].length) rec.covered_at = lo;
        ledger.authors_[t->second].any_adds.push_back(r);
      }
    }
    if (const auto* use = std::get_if<RecoveryUse>(&e.body); use && use->join && rec.chained) {
      rec.covered_at = rec.seq;
      ledger.authors_[rec.author].any_adds.push_back(r);
    }
    if (rec.chained && rec.type == EntryType::kGenesis && !ledger.genesis_) ledger.genesis_ = r;
    ledger.record_index_.emplace(rec.id, r);
    ledger.records_.push_back(std::move(rec));
  }
  ledger.Recompute();
  return ledger;
}

}  // namespace hearth

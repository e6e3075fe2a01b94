// The order-independent evaluation of a ledger's membership entries: which
// are effective, the state they derive, and each author's window of
// effective claims and releases. See ledger_rules.md.
#include <algorithm>

#include "crypto/signing.h"
#include "protocol/ledger.h"

namespace hearth {

std::optional<LedgerError> Ledger::WhyIneffective(const Record& rec) const {
  const uint32_t a = rec.author;
  auto who = [&] { return "device " + DeviceShort(authors_[a].device); };
  if (!rec.chained) {
    return LedgerError{LedgerErrc::kEquivocation,
                       who() + " signed another entry with seq " + std::to_string(rec.seq)};
  }
  const uint64_t equivocated = authors_[a].equivocated_from;
  if (equivocated != 0 && rec.seq >= equivocated) {
    return LedgerError{LedgerErrc::kEquivocation,
                       who() + " is flagged for equivocation from seq " + std::to_string(equivocated)};
  }
  if (rec.type == EntryType::kGenesis) return std::nullopt;
  // Admin power: the admin flag of the author's latest effective add (in
  // canonical order; `adds` is kept in it) in this entry's causal past --
  // the genesis for the founder -- unless a demotion (an add without the
  // flag) concurrent with this entry comes later in canonical order.
  // A recovery.use that joins is its own author's add (its key and proof are
  // checked below).
  const auto* joining = std::get_if<RecoveryUse>(&rec.body);
  const bool joins = joining && joining->join;
  bool added = IsFounder(a) || joins, admin = IsFounder(a) || joins;
  std::optional<uint32_t> latest;  // canonical position of that add
  if (joins) latest = rec.canon;
  for (uint32_t x : authors_[a].adds) {
    if (InPast(records_[x], rec.clock)) {
      added = true;
      admin = AdminFlag(x);
      latest = records_[x].canon;
    }
  }
  for (uint32_t x : authors_[a].demotions) {
    const Record& demotion = records_[x];
    const bool before_it = rec.author < demotion.clock.size() && demotion.clock[rec.author] >= rec.seq;
    if (admin && !before_it && !InPast(demotion, rec.clock) && (!latest || demotion.canon > *latest)) admin = false;
  }
  if (!added) {
    return LedgerError{LedgerErrc::kUnknownAuthor,
                       who() + " has no effective device.add in this entry's causal past"};
  }
  for (uint32_t x : authors_[a].revokes) {
    const Record& revocation = records_[x];
    if (!(rec.author < revocation.clock.size() && revocation.clock[rec.author] >= rec.seq)) {
      return LedgerError{LedgerErrc::kRevokedAuthor,
                         who() + " was revoked by entry " + revocation.id.ShortHex() +
                             " and this entry is not in the revocation's causal past"};
    }
  }
  if (IsAdminOnly(rec.type) && !admin) {
    return LedgerError{LedgerErrc::kNotAdmin, who() + " is not an admin; " +
                                                  std::string(TypeName(rec.type)) + " needs one"};
  }
  if (rec.type == EntryType::kRecoveryUse) {
    const auto& use = std::get<RecoveryUse>(rec.body);
    const std::optional<RecoveryKey> key = RecoveryKeyAt(rec);
    if (!key)
      return LedgerError{LedgerErrc::kBadRecovery, "the household has no recovery key in this entry's causal past"};
    if (use.key != *key)
      return LedgerError{LedgerErrc::kBadRecovery,
                         "not the household's recovery key in this entry's causal past (replaced, or never its)"};
    if (!crypto::VerifySignature(use.key, RecoveryProofBytes(household_, authors_[a].device, rec.seq), use.proof))
      return LedgerError{LedgerErrc::kBadRecovery, "the recovery proof does not verify for " + who()};
  }
  return std::nullopt;
}

std::optional<RecoveryKey> Ledger::RecoveryKeyAt(const Record& rec) const {
  // recovery_sets_ is in canonical order: the last one in the past is the latest.
  std::optional<RecoveryKey> key;
  if (genesis_) key = std::get<Genesis>(records_[*genesis_].body).recovery_key;
  for (uint32_t x : recovery_sets_)
    if (InPast(records_[x], rec.clock)) key = std::get<RecoverySet>(records_[x].body).key;
  return key;
}

bool Ledger::AdminFlag(uint32_t record) const {
  if (const auto* add = std::get_if<DeviceAdd>(&records_[record].body)) return add->admin;
  return records_[record].type == EntryType::kRecoveryUse;
}

std::optional<LedgerError> Ledger::WhyOutsideWindow(uint32_t a, uint64_t seq) const {
  const Author& au = authors_[a];
  if (au.window.Contains(seq)) return std::nullopt;
  auto who = [&] { return "device " + DeviceShort(au.device); };
  if (au.equivocated_from != 0 && seq >= au.equivocated_from) {
    return LedgerError{LedgerErrc::kEquivocation, who() + " is flagged for equivocation from seq " +
                                                      std::to_string(au.equivocated_from)};
  }
  if (seq < au.window.lo) {
    return LedgerError{LedgerErrc::kUnknownAuthor,
                       who() + " has no effective device.add in this entry's causal past"};
  }
  for (uint32_t x : au.revokes) {
    const Record& revocation = records_[x];
    if (!(a < revocation.clock.size() && revocation.clock[a] >= seq)) {
      return LedgerError{LedgerErrc::kRevokedAuthor,
                         who() + " was revoked by entry " + revocation.id.ShortHex() +
                             " and this entry is not in the revocation's causal past"};
    }
  }
  return LedgerError{LedgerErrc::kRevokedAuthor, who() + " was revoked"};
}

std::vector<uint32_t> Ledger::CanonicalOrder() const {
  // Kahn's algorithm over the membership entries, ordered by causality (X
  // before Y when X is in Y's causal past); among the entries whose past is
  // all placed, the smallest id goes first. The result depends only on the
  // set. Quadratic in the number of membership entries, which stay few.
  const size_t n = records_.size();
  std::vector<uint32_t> pending(n, 0);
  std::vector<std::vector<uint32_t>> children(n);
  for (uint32_t y = 0; y < n; ++y) {
    for (uint32_t x = 0; x < n; ++x) {
      if (x == y || !InPast(records_[x], records_[y].clock)) continue;
      children[x].push_back(y);
      ++pending[y];
    }
  }
  std::vector<uint32_t> ready;
  for (uint32_t r = 0; r < n; ++r)
    if (pending[r] == 0) ready.push_back(r);
  auto later = [&](uint32_t x, uint32_t y) { return records_[y].id < records_[x].id; };
  std::make_heap(ready.begin(), ready.end(), later);
  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), later);
    uint32_t r = ready.back();
    ready.pop_back();
    order.push_back(r);
    for (uint32_t c : children[r]) {
      if (--pending[c] == 0) {
        ready.push_back(c);
        std::push_heap(ready.begin(), ready.end(), later);
      }
    }
  }
  return order;
}

void Ledger::Recompute() {
  const std::vector<uint32_t> order = CanonicalOrder();
  for (uint32_t i = 0; i < order.size(); ++i) records_[order[i]].canon = i;
  for (Author& a : authors_) {
    a.adds.clear();
    a.revokes.clear();
    a.demotions.clear();
  }
  recovery_sets_.clear();
  auto target_of = [&](const Record& r) -> uint32_t {
    if (const auto* add = std::get_if<DeviceAdd>(&r.body)) return author_index_.at(add->device);
    return author_index_.at(std::get<DeviceRevoke>(r.body).device);
  };

  // Phase A: decide revocations, walking device.add and device.revoke in
  // canonical order; of two concurrent revocations that cut each other off,
  // the first in canonical order wins.
  for (uint32_t r : order) {
    const Record& rec = records_[r];
    if (rec.type == EntryType::kRecoverySet || rec.type == EntryType::kRecoveryUse) {
      // They change who is an admin, and what key recovers: decided here too.
      if (WhyIneffective(rec)) continue;
      if (rec.type == EntryType::kRecoverySet) recovery_sets_.push_back(r);
      else authors_[rec.author].adds.push_back(r);
      continue;
    }
    if (rec.type != EntryType::kDeviceAdd && rec.type != EntryType::kDeviceRevoke) continue;
    if (WhyIneffective(rec)) continue;
    Author& target = authors_[target_of(rec)];
    (rec.type == EntryType::kDeviceAdd ? target.adds : target.revokes).push_back(r);
    if (rec.type == EntryType::kDeviceAdd && !std::get<DeviceAdd>(rec.body).admin) target.demotions.push_back(r);
  }

  // Phase B: with the revocations and demotions fixed, decide every membership entry and
  // fold the effective ones into a fresh state.
  for (Author& a : authors_) a.adds.clear();
  recovery_sets_.clear();
  std::vector<uint32_t> policies;
  LedgerState state;
  state.household = household_;
  membership_effective_ = 0;
  for (uint32_t r : order) {
    Record& rec = records_[r];
    if (rec.type == EntryType::kDeviceRevoke) {
      const auto& decided = authors_[target_of(rec)].revokes;
      rec.effective = std::find(decided.begin(), decided.end(), r) != decided.end();
    } else {
      rec.effective = !WhyIneffective(rec);
    }
    if (!rec.effective) continue;
    ++membership_effective_;
    if (rec.type == EntryType::kDeviceAdd) authors_[target_of(rec)].adds.push_back(r);
    if (rec.type == EntryType::kRecoveryUse) authors_[rec.author].adds.push_back(r);
    if (rec.type == EntryType::kRecoverySet) recovery_sets_.push_back(r);
    Apply(rec, state, policies);
  }
  for (const Author& a : authors_) {
    if (a.equivocated_from == 0) continue;
    if (auto m = state.members.find(a.device); m != state.members.end()) m->second.equivocated = true;
  }
  ChoosePolicy(state, policies);
  state_ = std::move(state);
  UpdateWindows();
}

void Ledger::UpdateWindows() {
  for (uint32_t a = 0; a < authors_.size(); ++a) {
    Author& au = authors_[a];
    AuthorWindow w;
    if (IsFounder(a)) w.lo = 1;
    for (uint32_t x : au.adds)
      if (records_[x].covered_at != 0) w.lo = std::min(w.lo, records_[x].covered_at);
    for (uint32_t x : au.revokes) {
      const VectorClock& c = records_[x].clock;
      w.hi = std::min(w.hi, a < c.size() ? c[a] : 0);
    }
    if (au.equivocated_from != 0) w.hi = std::min(w.hi, au.equivocated_from - 1);
    if (w != au.window) {
      au.window = w;
      index_->WindowChanged(a, w);
    }
  }
}

void Ledger::Apply(const Record& rec, LedgerState& state, std::vector<uint32_t>& policies) const {
  switch (rec.type) {
    case EntryType::kGenesis: {
      const auto& g = std::get<Genesis>(rec.body);
      state.household_name = g.household_name;
      state.genesis = rec.id;
      state.founder = authors_[rec.author].device;
      Member& m = state.members[state.founder];
      m.device = state.founder;
      m.name = g.founder_name;
      m.role = Role::kFull;
      m.admin = true;
      m.founder = true;
      m.added_by = rec.id;
      state.recovery_key = g.recovery_key;
      break;
    }
    case EntryType::kRecoverySet:
      state.recovery_key = std::get<RecoverySet>(rec.body).key;
      break;
    case EntryType::kRecoveryUse: {
      const DeviceId& device = authors_[rec.author].device;
      const auto& use = std::get<RecoveryUse>(rec.body);
      auto [it, fresh] = state.members.try_emplace(device);
      Member& m = it->second;
      if (fresh) {
        m.device = device;
        m.added_by = rec.id;
      }
      if (use.join) {
        m.name = use.join->name;
        m.role = use.join->role;
      }
      m.admin = true;
      break;
    }
    case EntryType::kDeviceAdd: {
      const auto& add = std::get<DeviceAdd>(rec.body);
      auto [it, fresh] = state.members.try_emplace(add.device);
      Member& m = it->second;
      if (fresh) {
        m.device = add.device;
        m.added_by = rec.id;
      }
      m.name = add.name;
      m.role = add.role;
      m.admin = add.admin;  // the founder's too: an admin may take it away
      break;
    }
    case EntryType::kDeviceRevoke: {
      const auto& rev = std::get<DeviceRevoke>(rec.body);
      auto it = state.members.find(rev.device);
      if (it == state.members.end() || it->second.revoked) break;
      it->second.revoked = true;
      it->second.revoked_by = rec.id;
      it->second.revoke_reason = rev.reason;
      break;
    }
    case EntryType::kPolicySet:
      // Collected here; the winner is chosen once all are known.
      policies.push_back(static_cast<uint32_t>(&rec - records_.data()));
      break;
    case EntryType::kListenerSet: {
      // Canonical order puts an entry's past before it: the last one applied
      // is a latest, and of concurrent ones the later in canonical order wins.
      const auto& set = std::get<ListenerSet>(rec.body);
      state.listeners[set.listener] = ListenerRecord{rec.id, set.sealed};
      break;
    }
    case EntryType::kListenerRemove:
      state.listeners.erase(std::get<ListenerRemove>(rec.body).listener);
      break;
    case EntryType::kTrackClaim:
    case EntryType::kTrackRelease:
      break;  // the index's business
  }
}

void Ledger::ChoosePolicy(LedgerState& state, const std::vector<uint32_t>& policies) const {
  // The winner is a policy.set that no other effective policy.set has in its
  // past; among concurrent ones, the latest (time, id).
  std::optional<uint32_t> best;
  for (uint32_t p : policies) {
    bool superseded = std::any_of(policies.begin(), policies.end(), [&](uint32_t q) {
      return q != p && InPast(records_[p], records_[q].clock);
    });
    if (superseded) continue;
    auto key = [&](uint32_t x) { return std::pair(records_[x].time_us, records_[x].id); };
    if (!best || key(*best) < key(p)) best = p;
  }
  if (best) {
    state.policy = std::get<PolicySet>(records_[*best].body);
    state.policy_entry = records_[*best].id;
  }
}

}  // namespace hearth

// The order-independent evaluation of a ledger's kept entries: which are
// effective, and the state they derive. See ledger_rules.md.
#include <algorithm>
#include <queue>

#include "protocol/ledger.h"

namespace hearth {

std::optional<LedgerError> Ledger::WhyIneffective(
    uint32_t r, const std::vector<std::vector<uint32_t>>& revokes) const {
  const Record& rec = records_[r];
  const uint32_t a = rec.author;
  auto who = [&] { return "device " + DeviceShort(authors_[a]); };
  if (!rec.chained) {
    return LedgerError{LedgerErrc::kEquivocation,
                       who() + " signed another entry with seq " + std::to_string(rec.seq)};
  }
  if (equivocated_from_[a] != 0 && rec.seq >= equivocated_from_[a]) {
    return LedgerError{LedgerErrc::kEquivocation,
                       who() + " is flagged for equivocation from seq " +
                           std::to_string(equivocated_from_[a])};
  }
  if (rec.type == EntryType::kGenesis) return std::nullopt;
  const bool founder = genesis_ && records_[*genesis_].author == a;
  bool added = founder, admin = founder;
  for (uint32_t x : adds_[a]) {
    if (InPast(x, r)) {
      added = true;
      admin = admin || std::get<DeviceAdd>(*records_[x].body).admin;
    }
  }
  if (!added) {
    return LedgerError{LedgerErrc::kUnknownAuthor,
                       who() + " has no effective device.add in this entry's causal past"};
  }
  for (uint32_t x : revokes[a]) {
    if (!InPast(r, x)) {
      return LedgerError{LedgerErrc::kRevokedAuthor,
                         who() + " was revoked by entry " + records_[x].id.ShortHex() +
                             " and this entry is not in the revocation's causal past"};
    }
  }
  if (IsAdminOnly(rec.type) && !admin) {
    return LedgerError{LedgerErrc::kNotAdmin, who() + " is not an admin; " +
                                                  std::string(TypeName(rec.type)) +
                                                  " needs one"};
  }
  return std::nullopt;
}

std::vector<uint32_t> Ledger::CanonicalOrder() const {
  // Kahn's algorithm; among the entries whose dependencies are all placed,
  // the smallest id goes first. The result depends only on the set.
  const size_t n = records_.size();
  std::vector<uint32_t> pending(n, 0);
  std::vector<uint32_t> child_start(n + 1, 0);
  for (const Record& rec : records_)
    for (uint32_t d : rec.deps) ++child_start[d + 1];
  for (size_t i = 0; i < n; ++i) child_start[i + 1] += child_start[i];
  std::vector<uint32_t> children(child_start[n]);
  std::vector<uint32_t> fill(child_start.begin(), child_start.end() - 1);
  for (uint32_t r = 0; r < n; ++r) {
    pending[r] = static_cast<uint32_t>(records_[r].deps.size());
    for (uint32_t d : records_[r].deps) children[fill[d]++] = r;
  }
  auto later = [&](uint32_t x, uint32_t y) { return records_[y].id < records_[x].id; };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> ready(later);
  for (uint32_t r = 0; r < n; ++r)
    if (pending[r] == 0) ready.push(r);
  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    uint32_t r = ready.top();
    ready.pop();
    order.push_back(r);
    for (uint32_t i = child_start[r]; i < child_start[r + 1]; ++i)
      if (--pending[children[i]] == 0) ready.push(children[i]);
  }
  return order;
}

void Ledger::Recompute() {
  const std::vector<uint32_t> order = CanonicalOrder();
  for (auto& v : adds_) v.clear();
  for (auto& v : revokes_) v.clear();
  auto target_of = [&](uint32_t r) -> uint32_t {
    const Body& b = *records_[r].body;
    if (const auto* add = std::get_if<DeviceAdd>(&b)) return author_index_.at(add->device);
    return author_index_.at(std::get<DeviceRevoke>(b).device);
  };

  // Phase A: decide revocations, walking membership entries in canonical
  // order; of two concurrent revocations that cut each other off, the first
  // in canonical order wins.
  for (uint32_t r : order) {
    EntryType t = records_[r].type;
    if (t != EntryType::kDeviceAdd && t != EntryType::kDeviceRevoke) continue;
    if (WhyIneffective(r, revokes_)) continue;
    (t == EntryType::kDeviceAdd ? adds_ : revokes_)[target_of(r)].push_back(r);
  }

  // Phase B: with the revocations fixed, decide every entry and fold the
  // effective ones into a fresh state.
  for (auto& v : adds_) v.clear();
  policies_.clear();
  LedgerState state;
  state.household = household_;
  for (uint32_t r : order) {
    Record& rec = records_[r];
    if (rec.type == EntryType::kDeviceRevoke) {
      const auto& decided = revokes_[target_of(r)];
      rec.effective = std::find(decided.begin(), decided.end(), r) != decided.end();
    } else {
      rec.effective = !WhyIneffective(r, revokes_);
    }
    if (!rec.effective) continue;
    if (rec.type == EntryType::kDeviceAdd) adds_[target_of(r)].push_back(r);
    Apply(r, state);
  }
  for (uint32_t a = 0; a < authors_.size(); ++a) {
    if (equivocated_from_[a] == 0) continue;
    if (auto m = state.members.find(authors_[a]); m != state.members.end())
      m->second.equivocated = true;
  }
  ChoosePolicy(state, policies_);
  state_ = std::move(state);
}

void Ledger::Apply(uint32_t r, LedgerState& state) {
  const Record& rec = records_[r];
  const Body& body = *rec.body;
  switch (rec.type) {
    case EntryType::kGenesis: {
      const auto& g = std::get<Genesis>(body);
      state.household_name = g.household_name;
      state.genesis = rec.id;
      state.founder = authors_[rec.author];
      Member& m = state.members[state.founder];
      m.device = state.founder;
      m.name = g.founder_name;
      m.role = Role::kFull;
      m.admin = true;
      m.founder = true;
      m.added_by = rec.id;
      break;
    }
    case EntryType::kDeviceAdd: {
      const auto& add = std::get<DeviceAdd>(body);
      auto [it, fresh] = state.members.try_emplace(add.device);
      Member& m = it->second;
      if (fresh) {
        m.device = add.device;
        m.added_by = rec.id;
      }
      m.name = add.name;
      m.role = add.role;
      m.admin = m.founder || add.admin;
      break;
    }
    case EntryType::kDeviceRevoke: {
      const auto& rev = std::get<DeviceRevoke>(body);
      auto it = state.members.find(rev.device);
      if (it == state.members.end() || it->second.revoked) break;
      it->second.revoked = true;
      it->second.revoked_by = rec.id;
      it->second.revoke_reason = rev.reason;
      break;
    }
    case EntryType::kTrackClaim:
      if (!state.released.contains(rec.id))
        state.claims.emplace(rec.id, Claim{rec.id, authors_[rec.author], rec.time_us, rec.body});
      break;
    case EntryType::kTrackRelease: {
      // A set of tombstones: a release holds whatever order it meets its claim in.
      const EntryId& claim = std::get<TrackRelease>(body).claim;
      state.released.insert(claim);
      state.claims.erase(claim);
      break;
    }
    case EntryType::kPolicySet:
      // Collected here; the winner is chosen once all are known.
      policies_.push_back(r);
      break;
  }
}

void Ledger::ChoosePolicy(LedgerState& state, const std::vector<uint32_t>& policies) const {
  // The winner is a policy.set that no other effective policy.set has in its
  // past; among concurrent ones, the latest (time, id).
  std::optional<uint32_t> best;
  for (uint32_t p : policies) {
    bool superseded = std::any_of(policies.begin(), policies.end(),
                                  [&](uint32_t q) { return q != p && InPast(p, q); });
    if (superseded) continue;
    auto key = [&](uint32_t x) { return std::pair(records_[x].time_us, records_[x].id); };
    if (!best || key(*best) < key(p)) best = p;
  }
  if (best) {
    state.policy = std::get<PolicySet>(*records_[*best].body);
    state.policy_entry = records_[*best].id;
  }
}

}  // namespace hearth

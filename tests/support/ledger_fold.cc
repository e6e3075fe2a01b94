#include "tests/support/ledger_fold.h"

#include "crypto/signing.h"

#include <algorithm>
#include <queue>

namespace hearth::testing {
namespace {

std::unexpected<Rejection> Drop(LedgerErrc code, std::string detail) {
  return std::unexpected(Rejection{LedgerError{code, std::move(detail)}, false});
}

std::string Seq(uint64_t s) { return std::to_string(s); }

}  // namespace

LedgerFold::LedgerFold(HouseholdId household) : household_(household) {
  state_.household = household;
}

uint32_t LedgerFold::AuthorIndex(const DeviceId& d) {
  auto [it, inserted] = author_index_.try_emplace(d, static_cast<uint32_t>(authors_.size()));
  if (inserted) {
    authors_.push_back(d);
    chains_.emplace_back();
    equivocated_from_.push_back(0);
    adds_.emplace_back();
    any_adds_.emplace_back();
    revokes_.emplace_back();
  }
  return it->second;
}

bool LedgerFold::InPast(uint32_t x, uint32_t r) const {
  if (x == r) return true;
  const Record& rx = records_[x];
  const auto& clock = records_[r].clock;
  return rx.chained && rx.author < clock.size() && clock[rx.author] >= rx.seq;
}

bool LedgerFold::IsMembershipType(EntryType t) const {
  return t == EntryType::kGenesis || t == EntryType::kDeviceAdd || t == EntryType::kDeviceRevoke ||
         t == EntryType::kPolicySet || t == EntryType::kRecoverySet || t == EntryType::kRecoveryUse ||
         t == EntryType::kListenerSet || t == EntryType::kListenerRemove;
}

std::expected<void, Rejection> LedgerFold::Accept(const SignedEntry& entry) {
  return AcceptImpl(entry, true);
}

std::expected<void, Rejection> LedgerFold::AcceptTrusted(const SignedEntry& entry) {
  return AcceptImpl(entry, false);
}

std::expected<void, Rejection> LedgerFold::AcceptImpl(const SignedEntry& signed_entry,
                                                  bool check_signature) {
  const Entry& e = signed_entry.entry;
  // Built only when a refusal needs it: base32 is not free on the hot path.
  auto who = [&] { return "device " + DeviceShort(e.author); };
  if (e.household != household_) {
    return Drop(LedgerErrc::kWrongHousehold, "entry " + signed_entry.id.ShortHex() +
                                                 " belongs to household " +
                                                 e.household.ShortHex());
  }
  if (index_.contains(signed_entry.id)) {
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
    bool founder = records_[*genesis_].author == (it == author_index_.end() ? ~0u : it->second);
    if ((it == author_index_.end() || (!founder && any_adds_[it->second].empty())) && !VouchedJoin(e)) {
      return Drop(LedgerErrc::kUnknownAuthor, who() + " was never added to this household");
    }
  }

  const uint32_t a = AuthorIndex(e.author);
  // Causal dependencies: the author's previous entry and the cited parents.
  std::vector<uint32_t> deps;
  bool chained = true;
  // An entry continuing a fork that is already evidence (its prev is one of
  // this author's unchained entries) is evidence too, never a broken chain:
  // dropping it would strand every honest entry that cites it.
  auto continues_fork = [&] {
    if (e.seq < 2) return false;
    auto p = index_.find(e.prev);
    return p != index_.end() && records_[p->second].author == a &&
           records_[p->second].seq == e.seq - 1 && !records_[p->second].chained;
  };
  const size_t length = chains_[a].size();
  if (e.seq <= length) {
    chained = false;  // another entry already holds this (author, seq)
  } else if (e.seq == length + 1 && (e.seq == 1 || records_[chains_[a].back()].id == e.prev)) {
    if (e.seq > 1) deps.push_back(chains_[a].back());
  } else if (continues_fork()) {
    chained = false;
  } else if (e.seq > length + 1) {
    return Drop(LedgerErrc::kChainGap, who() + "'s chain is at seq " + Seq(length) +
                                           "; entry has seq " + Seq(e.seq));
  } else {
    return Drop(LedgerErrc::kChainBroken,
                "prev does not name " + who() + "'s entry " + Seq(e.seq - 1));
  }
  if (!chained && e.seq > 1) {
    if (auto p = index_.find(e.prev); p != index_.end()) deps.push_back(p->second);
  }
  for (const EntryId& parent : e.parents) {
    auto p = index_.find(parent);
    if (p == index_.end()) {
      if (!chained) continue;  // evidence is kept whatever it cites
      return Drop(LedgerErrc::kMissingParent,
                  "parent " + parent.ShortHex() + " is not in the ledger yet");
    }
    deps.push_back(p->second);
  }

  if (!chained) {
    std::string detail =
        e.seq <= length
            ? who() + " signed two different entries with seq " + Seq(e.seq) + " (" +
                  records_[chains_[a][e.seq - 1]].id.ShortHex() + " and " +
                  signed_entry.id.ShortHex() + "); kept as evidence, device flagged"
            : who() + "'s entry " + signed_entry.id.ShortHex() +
                  " continues a fork of its chain; kept as evidence";
    Store(signed_entry, std::move(deps), false);
    if (equivocated_from_[a] == 0 || e.seq < equivocated_from_[a]) equivocated_from_[a] = e.seq;
    Recompute();
    return std::unexpected(Rejection{LedgerError{LedgerErrc::kEquivocation, detail}, true});
  }

  // The clock this entry would have, to check references into its past.
  std::vector<uint64_t> clock(authors_.size(), 0);
  for (uint32_t d : deps) {
    const auto& c = records_[d].clock;
    for (size_t i = 0; i < c.size(); ++i) clock[i] = std::max(clock[i], c[i]);
  }
  clock[a] = std::max(clock[a], e.seq);
  auto in_my_past = [&](uint32_t x) {
    const Record& rx = records_[x];
    return rx.chained && rx.author < clock.size() && clock[rx.author] >= rx.seq;
  };

  if (!is_genesis && records_[*genesis_].author != a && !VouchedJoin(e)) {
    const auto& adds = any_adds_[a];
    if (std::none_of(adds.begin(), adds.end(), in_my_past)) {
      return Drop(LedgerErrc::kUnknownAuthor,
                  who() + " has no device.add in this entry's causal past");
    }
  }
  if (const auto* release = std::get_if<TrackRelease>(&e.body)) {
    auto c = index_.find(release->claim);
    // Sync delivers the claim before any release of it; the claim need not
    // be chained here (it may sit on a fork kept as evidence).
    if (c == index_.end() || records_[c->second].type != EntryType::kTrackClaim) {
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

  uint32_t r = Store(signed_entry, std::move(deps), true);
  if (IsMembershipType(e.type())) {
    Recompute();
  } else if (!WhyIneffective(r, revokes_)) {
    records_[r].effective = true;
    Apply(r, state_);
  }
  if (!records_[r].effective) {
    auto why = WhyIneffective(r, revokes_);
    LedgerError error = why ? *why : LedgerError{LedgerErrc::kRevokedAuthor, who() + " was revoked"};
    return std::unexpected(Rejection{std::move(error), true});
  }
  return {};
}

uint32_t LedgerFold::Store(const SignedEntry& entry, std::vector<uint32_t> deps, bool chained) {
  const Entry& e = entry.entry;
  uint32_t a = AuthorIndex(e.author);
  if (const auto* add = std::get_if<DeviceAdd>(&e.body)) AuthorIndex(add->device);
  if (const auto* rev = std::get_if<DeviceRevoke>(&e.body)) AuthorIndex(rev->device);

  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  Record rec;
  rec.id = entry.id;
  rec.author = a;
  rec.seq = e.seq;
  rec.time_us = e.time_us;
  rec.type = e.type();
  rec.body = std::make_shared<const Body>(e.body);
  rec.clock.assign(authors_.size(), 0);
  for (uint32_t d : deps) {
    const auto& c = records_[d].clock;
    for (size_t i = 0; i < c.size(); ++i) rec.clock[i] = std::max(rec.clock[i], c[i]);
  }
  rec.clock[a] = std::max(rec.clock[a], e.seq);
  rec.deps = std::move(deps);
  rec.chained = chained;

  uint32_t r = static_cast<uint32_t>(records_.size());
  records_.push_back(std::move(rec));
  index_.emplace(entry.id, r);
  if (chained) {
    chains_[a].push_back(r);
    if (const auto* add = std::get_if<DeviceAdd>(&e.body)) {
      any_adds_[author_index_.at(add->device)].push_back(r);
    }
    if (const auto* use = std::get_if<RecoveryUse>(&e.body); use && use->join) any_adds_[a].push_back(r);
    if (e.type() == EntryType::kGenesis && !genesis_) genesis_ = r;
  }
  return r;
}

size_t LedgerFold::effective_count() const {
  return static_cast<size_t>(
      std::count_if(records_.begin(), records_.end(), [](const Record& r) { return r.effective; }));
}

std::vector<AuthorHead> LedgerFold::Heads() const {
  std::vector<AuthorHead> heads;
  for (uint32_t a = 0; a < authors_.size(); ++a) {
    if (!chains_[a].empty()) heads.push_back(HeadOf(authors_[a]));
  }
  return heads;
}

AuthorHead LedgerFold::HeadOf(const DeviceId& author) const {
  AuthorHead head{author, 0, {}};
  auto it = author_index_.find(author);
  if (it != author_index_.end() && !chains_[it->second].empty()) {
    head.seq = chains_[it->second].size();
    head.id = records_[chains_[it->second].back()].id;
  }
  return head;
}

Entry LedgerFold::NextEntry(const DeviceId& author, Body body, int64_t time_us) const {
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

std::vector<EntryId> LedgerFold::MissingFor(const std::vector<AuthorHead>& their_heads) const {
  // For each of our authors, the first sequence number the peer lacks. A
  // peer head that is not ours (a fork we do not hold) proves nothing about
  // the entries before it, so the author is then sent from its start.
  std::vector<uint64_t> from(authors_.size(), 1);
  for (const AuthorHead& h : their_heads) {
    auto it = author_index_.find(h.author);
    if (it == author_index_.end() || h.seq == 0) continue;
    const auto& chain = chains_[it->second];
    if (h.seq <= chain.size() && records_[chain[h.seq - 1]].id == h.id) from[it->second] = h.seq + 1;
  }
  std::vector<EntryId> out;
  for (const Record& r : records_) {
    if (!r.chained || r.seq >= from[r.author]) out.push_back(r.id);
  }
  return out;
}

bool LedgerFold::IsEffective(const EntryId& id) const {
  auto it = index_.find(id);
  return it != index_.end() && records_[it->second].effective;
}

// The evaluation.


std::optional<LedgerError> LedgerFold::WhyIneffective(
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
  // Admin: the flag of the latest (canonical order) effective add in the
  // past, unless a concurrent demotion comes after it in that order.
  // A recovery.use that joins adds its own author.
  const auto* joining = std::get_if<RecoveryUse>(&*rec.body);
  const bool joins = joining && joining->join;
  bool added = founder || joins, admin = founder || joins;
  std::optional<uint32_t> latest;
  if (joins) latest = canon_[r];
  for (uint32_t x : adds_[a]) {
    if (InPast(x, r) && (!latest || canon_[x] > *latest)) {
      added = true;
      const auto* add = std::get_if<DeviceAdd>(&*records_[x].body);
      admin = add ? add->admin : true;  // else a recovery.use of its own
      latest = canon_[x];
    }
  }
  if (a < demotions_.size())
    for (uint32_t x : demotions_[a])
      if (!InPast(r, x) && !InPast(x, r) && (!latest || canon_[x] > *latest)) admin = false;
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
  if (rec.type == EntryType::kRecoveryUse) {
    // The key at the entry: the latest (canonical order) effective
    // recovery.set in its past, else the genesis's.
    std::optional<RecoveryKey> key;
    if (genesis_) key = std::get<Genesis>(*records_[*genesis_].body).recovery_key;
    std::optional<uint32_t> latest_set;
    for (uint32_t x : recovery_sets_)
      if (InPast(x, r) && (!latest_set || canon_[x] > *latest_set)) {
        key = std::get<RecoverySet>(*records_[x].body).key;
        latest_set = canon_[x];
      }
    const auto& use = std::get<RecoveryUse>(*rec.body);
    if (!key || use.key != *key)
      return LedgerError{LedgerErrc::kBadRecovery, "not the household's recovery key at this entry"};
    if (!crypto::VerifySignature(use.key, RecoveryProofBytes(household_, authors_[a], rec.seq), use.proof))
      return LedgerError{LedgerErrc::kBadRecovery, "the recovery proof does not verify"};
  }
  return std::nullopt;
}

std::vector<uint32_t> LedgerFold::CanonicalOrder() const {
  // Membership entries first, in the order ledger_rules.md defines (Kahn's
  // algorithm over causality among them, smallest id first), written here
  // independently of Ledger's; then every other entry, whose outcome does
  // not depend on order, in arrival order.
  std::vector<uint32_t> members, rest;
  for (uint32_t r = 0; r < records_.size(); ++r)
    (IsMembershipType(records_[r].type) ? members : rest).push_back(r);
  std::vector<uint32_t> order;
  std::vector<bool> placed(records_.size(), false);
  while (order.size() < members.size()) {
    std::optional<uint32_t> next;
    for (uint32_t y : members) {
      if (placed[y]) continue;
      bool ready = std::all_of(members.begin(), members.end(),
                               [&](uint32_t x) { return x == y || placed[x] || !InPast(x, y); });
      if (ready && (!next || records_[y].id < records_[*next].id)) next = y;
    }
    placed[*next] = true;
    order.push_back(*next);
  }
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

void LedgerFold::Recompute() {
  const std::vector<uint32_t> order = CanonicalOrder();
  canon_.assign(records_.size(), 0);
  for (uint32_t i = 0; i < order.size(); ++i) canon_[order[i]] = i;
  for (auto& v : adds_) v.clear();
  for (auto& v : revokes_) v.clear();
  demotions_.assign(authors_.size(), {});
  recovery_sets_.clear();
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
    if (t == EntryType::kRecoverySet || t == EntryType::kRecoveryUse) {
      if (WhyIneffective(r, revokes_)) continue;
      if (t == EntryType::kRecoverySet) recovery_sets_.push_back(r);
      else adds_[records_[r].author].push_back(r);
      continue;
    }
    if (t != EntryType::kDeviceAdd && t != EntryType::kDeviceRevoke) continue;
    if (WhyIneffective(r, revokes_)) continue;
    (t == EntryType::kDeviceAdd ? adds_ : revokes_)[target_of(r)].push_back(r);
    if (t == EntryType::kDeviceAdd && !std::get<DeviceAdd>(*records_[r].body).admin)
      demotions_[target_of(r)].push_back(r);
  }

  // Phase B: with the revocations fixed, decide every entry and fold the
  // effective ones into a fresh state.
  for (auto& v : adds_) v.clear();
  recovery_sets_.clear();
  policies_.clear();
  listener_changes_.clear();
  FoldState state;
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
    if (rec.type == EntryType::kRecoveryUse) adds_[rec.author].push_back(r);
    if (rec.type == EntryType::kRecoverySet) recovery_sets_.push_back(r);
    Apply(r, state);
  }
  for (uint32_t a = 0; a < authors_.size(); ++a) {
    if (equivocated_from_[a] == 0) continue;
    if (auto m = state.members.find(authors_[a]); m != state.members.end())
      m->second.equivocated = true;
  }
  ChoosePolicy(state, policies_);
  ChooseListeners(state);
  state_ = std::move(state);
}

void LedgerFold::Apply(uint32_t r, FoldState& state) {
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
      state.recovery_key = g.recovery_key;
      break;
    }
    case EntryType::kRecoverySet:
      state.recovery_key = std::get<RecoverySet>(body).key;
      break;
    case EntryType::kRecoveryUse: {
      const auto& use = std::get<RecoveryUse>(body);
      Member& m = state.members[authors_[rec.author]];
      if (m.device.IsZero()) {
        m.device = authors_[rec.author];
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
      const auto& add = std::get<DeviceAdd>(body);
      auto [it, fresh] = state.members.try_emplace(add.device);
      Member& m = it->second;
      if (fresh) {
        m.device = add.device;
        m.added_by = rec.id;
      }
      m.name = add.name;
      m.role = add.role;
      m.admin = add.admin;
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
    case EntryType::kListenerSet:
    case EntryType::kListenerRemove:
      listener_changes_.push_back(r);
      break;
  }
}

bool LedgerFold::VouchedJoin(const Entry& e) const {
  const auto* use = std::get_if<RecoveryUse>(&e.body);
  if (!use || !use->join || !genesis_) return false;
  std::vector<RecoveryKey> keys;
  if (auto g = std::get<Genesis>(*records_[*genesis_].body).recovery_key) keys.push_back(*g);
  for (const Record& rec : records_)
    if (rec.body)
      if (const auto* set = std::get_if<RecoverySet>(&*rec.body)) keys.push_back(set->key);
  return std::find(keys.begin(), keys.end(), use->key) != keys.end() &&
         crypto::VerifySignature(use->key, RecoveryProofBytes(household_, e.author, e.seq), use->proof);
}

void LedgerFold::ChooseListeners(FoldState& state) const {
  // For each listener: of the changes no other change to it has in its past,
  // the one latest in canonical order; a set shows the listener, a remove hides it.
  auto listener_of = [&](uint32_t x) {
    const Body& b = *records_[x].body;
    if (const auto* s = std::get_if<ListenerSet>(&b)) return s->listener;
    return std::get<ListenerRemove>(b).listener;
  };
  std::map<ListenerId, uint32_t> best;
  for (uint32_t c : listener_changes_) {
    const ListenerId id = listener_of(c);
    bool superseded = std::any_of(listener_changes_.begin(), listener_changes_.end(), [&](uint32_t d) {
      return d != c && listener_of(d) == id && InPast(c, d);
    });
    if (superseded) continue;
    auto [it, fresh] = best.try_emplace(id, c);
    if (!fresh && canon_[c] > canon_[it->second]) it->second = c;
  }
  for (const auto& [id, c] : best)
    if (const auto* s = std::get_if<ListenerSet>(&*records_[c].body))
      state.listeners[id] = ListenerRecord{records_[c].id, s->sealed};
}

void LedgerFold::ChoosePolicy(FoldState& state, const std::vector<uint32_t>& policies) const {
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

}  // namespace hearth::testing

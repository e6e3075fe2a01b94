#include "protocol/ledger.h"

#include <algorithm>
#include <queue>

namespace hearth {
namespace {

std::unexpected<Rejection> Drop(LedgerErrc code, std::string detail) {
  return std::unexpected(Rejection{LedgerError{code, std::move(detail)}, false});
}

std::string Seq(uint64_t s) { return std::to_string(s); }

}  // namespace

Ledger::Ledger(HouseholdId household) : household_(household) {
  state_.household = household;
}

uint32_t Ledger::AuthorIndex(const DeviceId& d) {
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

bool Ledger::InPast(uint32_t x, uint32_t r) const {
  if (x == r) return true;
  const Record& rx = records_[x];
  const auto& clock = records_[r].clock;
  return rx.chained && rx.author < clock.size() && clock[rx.author] >= rx.seq;
}

bool Ledger::IsMembershipType(EntryType t) const {
  return t == EntryType::kGenesis || t == EntryType::kDeviceAdd ||
         t == EntryType::kDeviceRevoke || t == EntryType::kPolicySet;
}

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
    if (it == author_index_.end() || (!founder && any_adds_[it->second].empty())) {
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

  if (!is_genesis && records_[*genesis_].author != a) {
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

uint32_t Ledger::Store(const SignedEntry& entry, std::vector<uint32_t> deps, bool chained) {
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
    if (e.type() == EntryType::kGenesis && !genesis_) genesis_ = r;
  }
  return r;
}

size_t Ledger::effective_count() const {
  return static_cast<size_t>(
      std::count_if(records_.begin(), records_.end(), [](const Record& r) { return r.effective; }));
}

std::vector<AuthorHead> Ledger::Heads() const {
  std::vector<AuthorHead> heads;
  for (uint32_t a = 0; a < authors_.size(); ++a) {
    if (!chains_[a].empty()) heads.push_back(HeadOf(authors_[a]));
  }
  return heads;
}

AuthorHead Ledger::HeadOf(const DeviceId& author) const {
  AuthorHead head{author, 0, {}};
  auto it = author_index_.find(author);
  if (it != author_index_.end() && !chains_[it->second].empty()) {
    head.seq = chains_[it->second].size();
    head.id = records_[chains_[it->second].back()].id;
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
    const auto& chain = chains_[it->second];
    if (h.seq <= chain.size() && records_[chain[h.seq - 1]].id == h.id) from[it->second] = h.seq + 1;
  }
  std::vector<EntryId> out;
  for (const Record& r : records_) {
    if (!r.chained || r.seq >= from[r.author]) out.push_back(r.id);
  }
  return out;
}

bool Ledger::IsEffective(const EntryId& id) const {
  auto it = index_.find(id);
  return it != index_.end() && records_[it->second].effective;
}

}  // namespace hearth

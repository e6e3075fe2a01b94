#include "node/store/sql_ledger_index.h"

#include <algorithm>

namespace hearth::store {
namespace {

constexpr const char* kFind =
    "SELECT k.author, k.seq, k.type, k.chained, k.clock FROM ledger_entries e "
    "JOIN ledger_kept k ON k.arrival = e.arrival WHERE e.id = ?";
constexpr const char* kChain =
    "SELECT k.clock, e.id FROM ledger_kept k JOIN ledger_entries e ON e.arrival = k.arrival "
    "WHERE k.author = ? AND k.chained = 1 AND k.seq = ?";
constexpr const char* kNewAuthor = "INSERT OR IGNORE INTO ledger_authors (idx, device, lo, hi) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertKept =
    "INSERT INTO ledger_kept (arrival, author, seq, type, chained, clock) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertClaim =
    "INSERT INTO ledger_claims (entry, arrival, author, seq, chained, time_us, blob, plaintext_length, "
    "effective, released) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)";
constexpr const char* kInsertRelease =
    "INSERT INTO ledger_releases (entry, author, seq, chained, claim, effective) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kMarkReleased = "UPDATE ledger_claims SET released = 1 WHERE entry = ?";
constexpr const char* kSetWindow = "UPDATE ledger_authors SET lo = ?, hi = ? WHERE idx = ?";
constexpr const char* kClaimWindow =
    "UPDATE ledger_claims SET effective = (chained = 1 AND seq BETWEEN ?1 AND ?2) WHERE author = ?3";
constexpr const char* kReleaseWindow =
    "UPDATE ledger_releases SET effective = (chained = 1 AND seq BETWEEN ?1 AND ?2) WHERE author = ?3";
constexpr const char* kReleasedAgain =
    "UPDATE ledger_claims SET released = EXISTS (SELECT 1 FROM ledger_releases r "
    "WHERE r.claim = ledger_claims.entry AND r.effective = 1) "
    "WHERE entry IN (SELECT claim FROM ledger_releases WHERE author = ?)";
constexpr const char* kFromAuthor =
    "SELECT arrival FROM ledger_kept WHERE author = ? AND chained = 1 AND seq >= ?";
constexpr const char* kUnchained = "SELECT arrival FROM ledger_kept WHERE author = ? AND chained = 0";
constexpr const char* kIdAt = "SELECT id FROM ledger_entries WHERE arrival = ?";

EntryId ToEntryId(const Bytes& b) {
  EntryId id;
  if (b.size() == id.bytes.size()) std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

}  // namespace

std::optional<StoreError> SqlLedgerIndex::TakeError() { return sql_.TakeError(); }

std::optional<KeptEntry> SqlLedgerIndex::Find(const EntryId& id) {
  if (pending_ && pending_->entry.id == id) return pending_->kept;
  auto st = Prepared(kFind);
  if (!st) return std::nullopt;
  st->Bind(1, id.span());
  auto row = st->Step();
  if (!Ok(row) || !*row) return std::nullopt;
  auto clock = DecodeClock(st->Blob(4));
  if (!clock) {
    Fail(StoreError{StoreErrc::kInvalid, "the stored clock of entry " + id.ShortHex() + " is damaged"});
    return std::nullopt;
  }
  KeptEntry k{static_cast<uint32_t>(st->Int(0)), static_cast<uint64_t>(st->Int(1)),
              static_cast<EntryType>(st->Int(2)), st->Int(3) != 0, std::move(*clock)};
  st->Reset();
  return k;
}

VectorClock SqlLedgerIndex::ChainClock(uint32_t author, uint64_t seq) {
  auto st = Prepared(kChain);
  if (!st) return {};
  st->Bind(1, static_cast<int64_t>(author)).Bind(2, static_cast<int64_t>(seq));
  auto row = st->Step();
  if (!Ok(row) || !*row) return {};
  auto clock = DecodeClock(st->Blob(0));
  st->Reset();
  if (!clock) Fail(StoreError{StoreErrc::kInvalid, "a stored ledger clock is damaged"});
  return clock.value_or(VectorClock{});
}

std::optional<EntryId> SqlLedgerIndex::ChainId(uint32_t author, uint64_t seq) {
  auto st = Prepared(kChain);
  if (!st) return std::nullopt;
  st->Bind(1, static_cast<int64_t>(author)).Bind(2, static_cast<int64_t>(seq));
  auto row = st->Step();
  if (!Ok(row) || !*row) return std::nullopt;
  EntryId id = ToEntryId(st->Blob(1));
  st->Reset();
  return id;
}

void SqlLedgerIndex::NewAuthor(uint32_t index, const DeviceId& device) {
  auto st = Prepared(kNewAuthor);
  if (!st) return;
  st->Bind(1, static_cast<int64_t>(index))
      .Bind(2, device.span())
      .Bind(3, static_cast<int64_t>(kNoSeq))
      .Bind(4, static_cast<int64_t>(kNoSeq));
  Ok(st->Run());
}

void SqlLedgerIndex::Keep(const SignedEntry& entry, const KeptEntry& kept, bool effective) {
  pending_ = Pending{entry, kept, effective};
}

std::expected<void, StoreError> SqlLedgerIndex::Flush(int64_t arrival) {
  if (!pending_) return {};
  Pending p = std::move(*pending_);
  pending_.reset();
  auto run = [&](const char* sql, auto&& bind) -> std::expected<void, StoreError> {
    auto st = Prepared(sql);
    if (!st) return std::unexpected(*TakeError());
    bind(*st);
    auto r = st->Run();
    st->Reset();
    return r;
  };
  const KeptEntry& k = p.kept;
  auto kept = run(kInsertKept, [&](Statement& st) {
    st.Bind(1, arrival)
        .Bind(2, static_cast<int64_t>(k.author))
        .Bind(3, static_cast<int64_t>(k.seq))
        .Bind(4, static_cast<int64_t>(k.type))
        .Bind(5, int64_t{k.chained})
        .Bind(6, EncodeClock(k.clock));
  });
  if (!kept) return kept;
  if (const auto* claim = std::get_if<TrackClaim>(&p.entry.entry.body)) {
    return run(kInsertClaim, [&](Statement& st) {
      st.Bind(1, p.entry.id.span())
          .Bind(2, arrival)
          .Bind(3, static_cast<int64_t>(k.author))
          .Bind(4, static_cast<int64_t>(k.seq))
          .Bind(5, int64_t{k.chained})
          .Bind(6, p.entry.entry.time_us)
          .Bind(7, claim->blob.span())
          .Bind(8, static_cast<int64_t>(claim->plaintext_length))
          .Bind(9, int64_t{p.effective});
    });
  }
  if (const auto* release = std::get_if<TrackRelease>(&p.entry.entry.body)) {
    auto r = run(kInsertRelease, [&](Statement& st) {
      st.Bind(1, p.entry.id.span())
          .Bind(2, static_cast<int64_t>(k.author))
          .Bind(3, static_cast<int64_t>(k.seq))
          .Bind(4, int64_t{k.chained})
          .Bind(5, release->claim.span())
          .Bind(6, int64_t{p.effective});
    });
    if (!r || !p.effective) return r;
    return run(kMarkReleased, [&](Statement& st) { st.Bind(1, release->claim.span()); });
  }
  return {};
}

void SqlLedgerIndex::WindowChanged(uint32_t author, const AuthorWindow& w) {
  const auto a = static_cast<int64_t>(author);
  const auto lo = static_cast<int64_t>(w.lo), hi = static_cast<int64_t>(w.hi);
  for (const char* sql : {kClaimWindow, kReleaseWindow}) {
    auto st = Prepared(sql);
    if (!st) return;
    st->Bind(1, lo).Bind(2, hi).Bind(3, a);
    if (!Ok(st->Run())) return;
  }
  auto again = Prepared(kReleasedAgain);
  if (!again) return;
  again->Bind(1, a);
  if (!Ok(again->Run())) return;
  auto set = Prepared(kSetWindow);
  if (!set) return;
  set->Bind(1, lo).Bind(2, hi).Bind(3, a);
  Ok(set->Run());
}

std::vector<EntryId> SqlLedgerIndex::KeptFrom(const std::vector<uint64_t>& from) {
  // Few entries are missing when a peer is nearly in step: one range per
  // author on (author, chained, seq), then the ids in arrival order.
  auto authors = db_->Prepare("SELECT idx FROM ledger_authors ORDER BY idx");
  if (!Ok(authors)) return {};
  std::vector<int64_t> arrivals;
  auto collect = [&](const char* sql, int64_t author, std::optional<int64_t> seq) {
    auto st = Prepared(sql);
    if (!st) return;
    st->Bind(1, author);
    if (seq) st->Bind(2, *seq);
    Ok(st->ForEach([&](const Statement& row) { arrivals.push_back(row.Int(0)); }));
  };
  Ok(authors->ForEach([&](const Statement& row) {
    const int64_t a = row.Int(0);
    const uint64_t first = static_cast<size_t>(a) < from.size() ? from[a] : 1;
    collect(kFromAuthor, a, static_cast<int64_t>(first));
    collect(kUnchained, a, std::nullopt);
  }));
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<EntryId> out;
  out.reserve(arrivals.size());
  for (int64_t arrival : arrivals) {
    auto st = Prepared(kIdAt);
    if (!st) return {};
    st->Bind(1, arrival);
    auto row = st->Step();
    if (!Ok(row)) return {};
    if (*row) out.push_back(ToEntryId(st->Blob(0)));
  }
  return out;
}

uint64_t SqlLedgerIndex::EffectiveClaimsAndReleases() {
  auto st = db_->Prepare(
      "SELECT (SELECT count(*) FROM ledger_claims WHERE effective = 1) + "
      "(SELECT count(*) FROM ledger_releases WHERE effective = 1)");
  if (!Ok(st)) return 0;
  auto row = st->Step();
  if (!Ok(row) || !*row) return 0;
  return static_cast<uint64_t>(st->Int(0));
}

std::expected<int64_t, StoreError> SqlLedgerIndex::LastArrival() {
  auto st = db_->Prepare("SELECT coalesce(max(arrival), 0) FROM ledger_kept");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return *row ? st->Int(0) : 0;
}

std::expected<void, StoreError> SqlLedgerIndex::Clear() {
  pending_.reset();
  return db_->Exec(
      "DELETE FROM ledger_authors; DELETE FROM ledger_kept; DELETE FROM ledger_claims; "
      "DELETE FROM ledger_releases;");
}

std::expected<LedgerSnapshot, StoreError> SqlLedgerIndex::Snapshot() {
  LedgerSnapshot snap;
  auto authors = db_->Prepare("SELECT idx, device, lo, hi FROM ledger_authors ORDER BY idx");
  if (!authors) return std::unexpected(authors.error());
  auto read = authors->ForEach([&](const Statement& row) -> std::expected<void, StoreError> {
    if (row.Int(0) != static_cast<int64_t>(snap.authors.size()))
      return std::unexpected(StoreError{StoreErrc::kInvalid, "ledger_authors has a gap in its indices"});
    LedgerSnapshot::Author a;
    Bytes device = row.Blob(1);
    if (device.size() != a.device.bytes.size())
      return std::unexpected(StoreError{StoreErrc::kInvalid, "ledger_authors holds a damaged device id"});
    std::copy(device.begin(), device.end(), a.device.bytes.begin());
    a.window = AuthorWindow{static_cast<uint64_t>(row.Int(2)), static_cast<uint64_t>(row.Int(3))};
    snap.authors.push_back(std::move(a));
    return {};
  });
  if (!read) return std::unexpected(read.error());

  auto head = db_->Prepare(
      "SELECT k.seq, k.clock, e.id FROM ledger_kept k JOIN ledger_entries e ON e.arrival = k.arrival "
      "WHERE k.author = ? AND k.chained = 1 ORDER BY k.seq DESC LIMIT 1");
  auto forks = db_->Prepare("SELECT coalesce(min(seq), 0) FROM ledger_kept WHERE author = ? AND chained = 0");
  if (!head) return std::unexpected(head.error());
  if (!forks) return std::unexpected(forks.error());
  for (uint32_t i = 0; i < snap.authors.size(); ++i) {
    auto& a = snap.authors[i];
    head->Reset();
    head->Bind(1, static_cast<int64_t>(i));
    auto row = head->Step();
    if (!row) return std::unexpected(row.error());
    if (*row) {
      a.length = static_cast<uint64_t>(head->Int(0));
      auto clock = DecodeClock(head->Blob(1));
      if (!clock) return std::unexpected(StoreError{StoreErrc::kInvalid, "a stored ledger clock is damaged"});
      a.head_clock = std::move(*clock);
      a.head = ToEntryId(head->Blob(2));
    }
    forks->Reset();
    forks->Bind(1, static_cast<int64_t>(i));
    auto f = forks->Step();
    if (!f) return std::unexpected(f.error());
    a.equivocated_from = *f ? static_cast<uint64_t>(forks->Int(0)) : 0;
  }

  auto members = db_->Prepare(
      "SELECT e.bytes, k.author, k.chained, k.clock FROM ledger_kept k "
      "JOIN ledger_entries e ON e.arrival = k.arrival WHERE k.type IN (1, 2, 3, 6, 7, 8, 9, 10) ORDER BY k.arrival");
  if (!members) return std::unexpected(members.error());
  auto m = members->ForEach([&](const Statement& row) -> std::expected<void, StoreError> {
    auto entry = DecodeEntry(row.Blob(0));
    auto clock = DecodeClock(row.Blob(3));
    if (!entry || !clock) {
      return std::unexpected(StoreError{StoreErrc::kInvalid,
                                        "a stored membership entry is damaged; run `hearth ledger verify`"});
    }
    KeptEntry kept{static_cast<uint32_t>(row.Int(1)), entry->entry.seq, entry->entry.type(), row.Int(2) != 0,
                   std::move(*clock)};
    snap.membership.emplace_back(std::move(*entry), std::move(kept));
    return {};
  });
  if (!m) return std::unexpected(m.error());
  auto count = db_->Prepare("SELECT count(*) FROM ledger_kept");
  if (!count) return std::unexpected(count.error());
  auto c = count->Step();
  if (!c) return std::unexpected(c.error());
  snap.kept = *c ? static_cast<uint64_t>(count->Int(0)) : 0;
  return snap;
}

}  // namespace hearth::store

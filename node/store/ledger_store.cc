#include "node/store/ledger_store.h"

#include <future>

#include <algorithm>
#include <thread>

namespace hearth::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO ledger_entries (id, author, seq, type, rejection, bytes) VALUES (?,?,?,?,?,?)";

}  // namespace

std::vector<char> VerifySignatures(const std::vector<SignedEntry>& entries) {
  std::vector<char> verified(entries.size(), 0);
  const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  if (entries.size() < 64 || threads == 1) {
    for (size_t i = 0; i < entries.size(); ++i) verified[i] = VerifyEntrySignature(entries[i]);
    return verified;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < entries.size(); i += threads) verified[i] = VerifyEntrySignature(entries[i]);
    });
  }
  for (auto& th : pool) th.join();
  return verified;
}

std::string AppendError::Message() const {
  if (rejection) return rejection->error.Message();
  if (store) return store->message;
  return "unknown error";
}

std::expected<LedgerStore, StoreError> LedgerStore::Load(Database& db,
                                                         const HouseholdId& household) {
  LedgerStore s(db, household);
  if (auto r = s.CatchUp(); !r) return std::unexpected(r.error());
  return s;
}

std::expected<int64_t, StoreError> LastEntryArrival(Database& db) {
  auto st = db.Prepare("SELECT coalesce(max(arrival), 0) FROM ledger_entries");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return *row ? st->Int(0) : 0;
}

std::expected<void, StoreError> LedgerStore::CatchUp() {
  auto last = LastEntryArrival(*db_);
  if (!last) return std::unexpected(last.error());
  if (*last == last_arrival_) return {};
  auto derived = index_->LastArrival();
  if (!derived) return std::unexpected(derived.error());
  if (*derived != *last) return Rebuild();
  if (auto r = Reload(); !r) return r;
  last_arrival_ = *last;
  return {};
}

std::expected<void, StoreError> LedgerStore::Reload() {
  index_->Discard();
  (void)index_->TakeError();
  auto snapshot = index_->Snapshot();
  if (!snapshot) return std::unexpected(snapshot.error());
  ledger_ = Ledger::Restore(ledger_.household(), *index_, std::move(*snapshot));
  if (auto e = index_->TakeError()) return std::unexpected(*e);
  auto last = LastEntryArrival(*db_);
  if (!last) return std::unexpected(last.error());
  last_arrival_ = *last;
  return {};
}

std::expected<void, StoreError> LedgerStore::Rebuild() {
  const HouseholdId household = ledger_.household();
  auto tx = db_->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = index_->Clear(); !r) return r;
    (void)index_->TakeError();
    ledger_ = Ledger(household, *index_);
    auto st = db_->Prepare("SELECT arrival, bytes FROM ledger_entries ORDER BY arrival");
    if (!st) return std::unexpected(st.error());
    return st->ForEach([&](const Statement& row) -> std::expected<void, StoreError> {
      const int64_t arrival = row.Int(0);
      auto entry = DecodeEntry(row.Blob(1));
      if (!entry) {
        return std::unexpected(StoreError{
            StoreErrc::kInvalid, "ledger row " + std::to_string(arrival) + " is damaged (" +
                                     entry.error().Message() + "); run `hearth ledger verify`"});
      }
      // Rows were verified on arrival; refusals here just replay kept evidence.
      auto accepted = ledger_.AcceptTrusted(*entry);
      if (auto e = index_->TakeError()) return std::unexpected(*e);
      if (!accepted && !accepted.error().kept) {
        index_->Discard();
        return {};
      }
      return index_->Flush(arrival);
    });
  });
  if (!tx) {
    (void)Reload();
    return std::unexpected(tx.error());
  }
  auto last = LastEntryArrival(*db_);
  if (!last) return std::unexpected(last.error());
  last_arrival_ = *last;
  return {};
}

std::expected<int64_t, StoreError> LedgerStore::Insert(const SignedEntry& entry,
                                                       const Rejection* rejection) {
  if (!insert_) {
    auto prepared = db_->Prepare(kInsert);
    if (!prepared) return std::unexpected(prepared.error());
    insert_ = std::make_shared<Statement>(std::move(*prepared));
  }
  Statement* st = insert_.get();
  st->Reset();
  st->Bind(1, entry.id.span())
      .Bind(2, entry.entry.author.span())
      .Bind(3, static_cast<int64_t>(entry.entry.seq))
      .Bind(4, static_cast<int64_t>(entry.entry.type()));
  if (rejection) {
    st->Bind(5, std::string(CodeName(rejection->error.code)));
  } else {
    st->BindNull(5);
  }
  st->Bind(6, entry.bytes);
  auto r = st->Run();
  st->Reset();
  if (!r) return std::unexpected(r.error());
  last_arrival_ = sqlite3_last_insert_rowid(db_->raw());
  return last_arrival_;
}

std::expected<void, AppendError> LedgerStore::AcceptAndInsert(const SignedEntry& entry, bool signature_checked) {
  auto accepted = signature_checked ? ledger_.AcceptTrusted(entry) : ledger_.Accept(entry);
  if (auto e = index_->TakeError()) {
    // The index failed mid-decision: the caller rolls back and reloads.
    index_->Discard();
    return std::unexpected(AppendError{std::nullopt, *e});
  }
  if (!accepted && !accepted.error().kept) {
    index_->Discard();
    return std::unexpected(AppendError{accepted.error(), std::nullopt});
  }
  const Rejection* rejection = accepted ? nullptr : &accepted.error();
  auto arrival = Insert(entry, rejection);
  if (!arrival) {
    index_->Discard();
    return std::unexpected(AppendError{std::nullopt, arrival.error()});
  }
  if (auto flushed = index_->Flush(*arrival); !flushed) {
    return std::unexpected(AppendError{std::nullopt, flushed.error()});
  }
  if (rejection) return std::unexpected(AppendError{*rejection, std::nullopt});
  return {};
}

std::expected<void, AppendError> LedgerStore::Append(const SignedEntry& entry) {
  std::expected<void, AppendError> result;
  auto tx = db_->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = CatchUp(); !r) return r;
    result = AcceptAndInsert(entry);
    // A kept rejection is still a row to commit; a store failure is not.
    if (!result && result.error().store) return std::unexpected(*result.error().store);
    return {};
  });
  if (!tx) {
    (void)Reload();
    return std::unexpected(AppendError{std::nullopt, tx.error()});
  }
  return result;
}

std::expected<LedgerStore::BatchOutcome, StoreError> LedgerStore::AppendBatch(
    const std::vector<SignedEntry>& entries) {
  return AppendVerifiedBatch(entries, VerifySignatures(entries));
}

std::expected<LedgerStore::BatchOutcome, StoreError> LedgerStore::AppendVerifiedBatch(
    const std::vector<SignedEntry>& entries, const std::vector<char>& verified) {
  BatchOutcome outcome(entries.size());
  auto tx = db_->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = CatchUp(); !r) return r;
    for (size_t i = 0; i < entries.size(); ++i) {
      // An entry whose signature failed goes through the normal check, which
      // refuses it with the usual reason.
      auto r = AcceptAndInsert(entries[i], i < verified.size() && verified[i] != 0);
      if (r) continue;
      if (r.error().store) return std::unexpected(*r.error().store);
      outcome[i] = *r.error().rejection;
    }
    return {};
  });
  if (!tx) {
    (void)Reload();
    return std::unexpected(tx.error());
  }
  return outcome;
}

std::expected<SignedEntry, AppendError> LedgerStore::Author(const crypto::DeviceKey& key,
                                                            Body body, int64_t time_us) {
  return Author(key, [&body](uint64_t) { return std::move(body); }, time_us);
}

std::expected<SignedEntry, AppendError> LedgerStore::Author(const crypto::DeviceKey& key,
                                                            const std::function<Body(uint64_t seq)>& make_body,
                                                            int64_t time_us) {
  std::expected<SignedEntry, AppendError> result =
      std::unexpected(AppendError{std::nullopt, std::nullopt});
  auto tx = db_->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = CatchUp(); !r) return r;
    Entry e = ledger_.NextEntry(DeviceId{key.public_key()}, TrackRelease{}, time_us);
    e.body = make_body(e.seq);
    SignedEntry signed_entry = SignEntry(std::move(e), key);
    auto r = AcceptAndInsert(signed_entry);
    if (!r && r.error().store) return std::unexpected(*r.error().store);
    if (r) {
      result = std::move(signed_entry);
    } else {
      result = std::unexpected(r.error());
    }
    return {};
  });
  if (!tx) {
    (void)Reload();
    return std::unexpected(AppendError{std::nullopt, tx.error()});
  }
  return result;
}

std::expected<std::vector<Bytes>, StoreError> LoadEntryBytes(Database& db, const std::vector<EntryId>& ids) {
  auto st = db.Prepare("SELECT bytes FROM ledger_entries WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  std::vector<Bytes> out;
  out.reserve(ids.size());
  for (const EntryId& id : ids) {
    st->Bind(1, id.bytes);
    auto row = st->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::unexpected(StoreError{StoreErrc::kNotFound, "entry " + id.ShortHex() + " is not stored"});
    out.push_back(st->Blob(0));
    st->Reset();
  }
  return out;
}

std::expected<std::vector<NewEntry>, StoreError> LoadEntriesSince(Database& db, int64_t after) {
  return LoadEntriesSince(db, after, SIZE_MAX);
}

std::expected<std::vector<NewEntry>, StoreError> LoadEntriesSince(Database& db, int64_t after, size_t max_bytes) {
  auto st = db.Prepare("SELECT arrival, id, bytes FROM ledger_entries WHERE arrival > ? ORDER BY arrival");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, after);
  std::vector<NewEntry> out;
  size_t bytes = 0;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    NewEntry e;
    e.arrival = st->Int(0);
    Bytes id = st->Blob(1);
    if (id.size() == 32) std::copy(id.begin(), id.end(), e.id.bytes.begin());
    e.bytes = st->Blob(2);
    bytes += e.bytes.size();
    out.push_back(std::move(e));
    if (bytes >= max_bytes) break;
  }
  return out;
}

std::expected<std::vector<StoredEntry>, StoreError> ListStoredEntries(Database& db) {
  auto st = db.Prepare("SELECT arrival, bytes, rejection FROM ledger_entries ORDER BY arrival");
  if (!st) return std::unexpected(st.error());
  std::vector<StoredEntry> rows;
  auto done = st->ForEach([&](const Statement& row) {
    rows.push_back(StoredEntry{row.Int(0), row.Blob(1), row.Text(2)});
  });
  if (!done) return std::unexpected(done.error());
  return rows;
}

std::expected<LedgerVerification, StoreError> VerifyStoredLedger(Database& db,
                                                                 const HouseholdId& household) {
  auto st = db.Prepare(
      "SELECT arrival, id, author, seq, type, rejection, bytes FROM ledger_entries "
      "WHERE arrival > ? ORDER BY arrival LIMIT 8192");
  if (!st) return std::unexpected(st.error());
  LedgerVerification report;
  // Only what the rules need: no claim bodies, so a million entries fit.
  MemoryLedgerIndex index(false);
  Ledger ledger(household, index);
  struct Row {
    int64_t arrival = 0;
    Bytes id, author;
    int64_t seq = 0, type = 0;
    std::optional<std::string> rejection;
    std::expected<SignedEntry, LedgerError> entry = std::unexpected(LedgerError{LedgerErrc::kMalformed, ""});
  };
  // Pages flow through three steps: read and decode (this thread), every
  // signature on every core (a thread of its own, which spreads them), then
  // the rules in order (this thread). The rules of one page run while the
  // next page's signatures are checked, so no core waits on the other steps.
  struct Page {
    std::vector<Row> rows;
    std::vector<SignedEntry> decoded;
    std::vector<size_t> of_row;  // index into decoded, SIZE_MAX when undecodable
    std::vector<char> verified;
  };
  auto fold = [&](const Page& page) {
    for (size_t i = 0; i < page.rows.size(); ++i) {
      const Row& row = page.rows[i];
      ++report.entries;
      LedgerProblem p;
      p.arrival = row.arrival;
      p.entry_id = ToHex(row.id);
      auto problem = [&](std::string code, std::string message) {
        p.code = std::move(code);
        p.message = std::move(message);
        report.problems.push_back(p);
      };
      if (!row.entry) {
        problem(std::string(CodeName(row.entry.error().code)), row.entry.error().Message());
        continue;
      }
      const SignedEntry& entry = page.decoded[page.of_row[i]];
      if (!page.verified[page.of_row[i]]) {
        problem(std::string(CodeName(LedgerErrc::kBadSignature)),
                LedgerError{LedgerErrc::kBadSignature, "the entry does not carry its author's signature"}.Message());
        continue;
      }
      if (Bytes(entry.id.bytes.begin(), entry.id.bytes.end()) != row.id) {
        problem("id-mismatch", "stored id does not match the entry's bytes (" + entry.id.ShortHex() + ")");
        continue;
      }
      if (Bytes(entry.entry.author.bytes.begin(), entry.entry.author.bytes.end()) != row.author ||
          row.seq != static_cast<int64_t>(entry.entry.seq) || row.type != static_cast<int64_t>(entry.entry.type())) {
        problem("column-mismatch", "author, seq or type columns disagree with the entry's bytes");
        continue;
      }
      auto accepted = ledger.AcceptTrusted(entry);
      if (!accepted && !accepted.error().kept) {
        problem(std::string(CodeName(accepted.error().error.code)),
                "the ledger rules refuse it: " + accepted.error().error.Message());
        continue;
      }
      std::optional<std::string> outcome;
      if (!accepted) outcome = std::string(CodeName(accepted.error().error.code));
      if (!accepted) ++report.evidence;
      if (outcome != row.rejection) {
        problem("outcome-mismatch", "recorded as " + row.rejection.value_or("effective") +
                                        " but the rules now say " + outcome.value_or("effective"));
      }
    }
  };
  int64_t after = 0;
  auto read_page = [&]() -> std::expected<std::optional<Page>, StoreError> {
    Page page;
    st->Reset();
    st->Bind(1, after);
    auto read = st->ForEach([&](const Statement& r) {
      page.rows.push_back(Row{r.Int(0), r.Blob(1), r.Blob(2), r.Int(3), r.Int(4), r.Text(5), DecodeEntry(r.Blob(6))});
    });
    if (!read) return std::unexpected(read.error());
    if (page.rows.empty()) return std::optional<Page>{};
    after = page.rows.back().arrival;
    page.of_row.assign(page.rows.size(), SIZE_MAX);
    for (size_t i = 0; i < page.rows.size(); ++i) {
      if (!page.rows[i].entry) continue;
      page.of_row[i] = page.decoded.size();
      page.decoded.push_back(*page.rows[i].entry);
    }
    return std::optional<Page>(std::move(page));
  };
  auto next = read_page();
  if (!next) return std::unexpected(next.error());
  std::optional<Page> previous;
  while (*next) {
    Page page = std::move(**next);
    // Destroyed (and so waited for) before `page`, whose entries it reads.
    auto checking = std::async(std::launch::async, [&decoded = page.decoded] { return VerifySignatures(decoded); });
    if (previous) fold(*previous);
    next = read_page();
    if (!next) return std::unexpected(next.error());
    page.verified = checking.get();
    previous = std::move(page);
  }
  if (previous) fold(*previous);
  report.effective = ledger.effective_count();
  return report;
}

}  // namespace hearth::store

// SqlLedgerIndex: the LedgerIndex (protocol/ledger_index.h) of a home, kept
// in SQLite: ledger_authors, ledger_kept, ledger_claims and ledger_releases
// (schema/0008_ledger_state.sql). The Ledger over it holds only membership
// and heads; every claim, clock and release stays on disk, indexed.
//
// Writes happen inside the caller's transaction (LedgerStore opens one
// around every accept). The Ledger tells the index about an entry before
// its ledger_entries row exists, so Keep() holds it and Flush() writes it
// once LedgerStore has inserted the row and knows its arrival.
//
// The LedgerIndex calls cannot fail by contract; a SQLite failure inside one
// is recorded and returned by TakeError(), which LedgerStore checks after
// every accept (and then rolls the transaction back and reloads).
//
// Borrows the Database, which must outlive it; one thread.
#pragma once

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "node/store/database.h"
#include "node/store/statement_cache.h"
#include "protocol/ledger.h"

namespace hearth::store {

class SqlLedgerIndex final : public LedgerIndex {
 public:
  explicit SqlLedgerIndex(Database& db) : db_(&db), sql_(db) {}

  std::optional<KeptEntry> Find(const EntryId& id) override;
  VectorClock ChainClock(uint32_t author, uint64_t seq) override;
  std::optional<EntryId> ChainId(uint32_t author, uint64_t seq) override;
  void NewAuthor(uint32_t index, const DeviceId& device) override;
  void Keep(const SignedEntry& entry, const KeptEntry& kept, bool effective) override;
  void WindowChanged(uint32_t author, const AuthorWindow& window) override;
  std::vector<EntryId> KeptFrom(const std::vector<uint64_t>& from) override;
  uint64_t EffectiveClaimsAndReleases() override;

  // Writes the entry last given to Keep(), now stored as ledger_entries row
  // `arrival`. Without a held entry it does nothing.
  std::expected<void, StoreError> Flush(int64_t arrival);
  // Forgets a held entry (its row was not written).
  void Discard() { pending_.reset(); }
  // The first failure since the last call, if any.
  std::optional<StoreError> TakeError();

  // What Ledger::Restore needs, read from the tables.
  std::expected<LedgerSnapshot, StoreError> Snapshot();
  // The newest arrival in ledger_kept (0 when empty).
  std::expected<int64_t, StoreError> LastArrival();
  // Empties the four tables (before a rebuild).
  std::expected<void, StoreError> Clear();

 private:
  struct Pending {
    SignedEntry entry;
    KeptEntry kept;
    bool effective = false;
  };
  // Cached statements (reset when a borrow ends: one left on a row keeps a
  // read transaction open, and a later write on this connection would then
  // fail as "database is locked") and the first failure.
  StatementCache::Borrowed Prepared(const char* sql) { return sql_.Prepared(sql); }
  void Fail(const StoreError& e) { sql_.Fail(e); }
  template <typename T>
  bool Ok(const std::expected<T, StoreError>& r) {
    return sql_.Ok(r);
  }

  Database* db_;
  StatementCache sql_;
  std::optional<Pending> pending_;
};

}  // namespace hearth::store

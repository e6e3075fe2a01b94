// LedgerStore: the ledger kept in SQLite. The rules run in a Ledger
// (protocol/ledger.h) over an SqlLedgerIndex, so memory holds only heads and
// membership; entries, clocks, claims and what is live stay in the tables.
//
// Every write verifies before it inserts: an entry that the rules drop never
// reaches the table; an entry they keep as evidence is stored with the rule
// that refused it. Inserts run in BEGIN IMMEDIATE transactions, so a process
// killed mid-write leaves either the whole entry or nothing, and two processes
// sharing the home never write the same author sequence number twice (each
// catches up with the other's rows inside the transaction first).
//
// Not thread-safe; one owner. Borrows the Database, which must outlive it.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/signing.h"
#include "node/store/database.h"
#include "node/store/sql_ledger_index.h"
#include "protocol/ledger.h"

namespace hearth::store {

// Why an append failed: the ledger's rules, or the database.
struct AppendError {
  std::optional<Rejection> rejection;  // set when the rules refused the entry
  std::optional<StoreError> store;     // set when the write itself failed
  std::string Message() const;
};

// Whether each entry's signature verifies (1) or not (0), Ed25519 spread
// over the cores (it dominates the cost of taking in or checking a ledger).
// Pure CPU: callable from any thread; `entries` must outlive the call.
std::vector<char> VerifySignatures(const std::vector<SignedEntry>& entries);

class LedgerStore {
 public:
  // Opens the stored ledger. When the derived tables lag behind
  // ledger_entries (a home from before schema 8, or a damaged index), they
  // are rebuilt from the entries first, in one transaction.
  static std::expected<LedgerStore, StoreError> Load(Database& db, const HouseholdId& household);

  // Verifies `entry` and appends it. Kept-as-evidence entries are stored and
  // still reported as an error with rejection->kept = true.
  std::expected<void, AppendError> Append(const SignedEntry& entry);

  // Appends many entries (from a peer) in one transaction. Signatures are
  // checked on every core first; then each entry is offered in order, as
  // Append would. Returns, per entry, nothing (effective) or its refusal
  // (kept ones were stored as evidence). Fails only when the write fails,
  // and then nothing of the batch is stored.
  using BatchOutcome = std::vector<std::optional<Rejection>>;
  std::expected<BatchOutcome, StoreError> AppendBatch(const std::vector<SignedEntry>& entries);

  // AppendBatch with the signatures already checked: `verified` is what
  // VerifySignatures(entries) returned, for a caller that checks the next
  // batch on other threads while this one is stored. An entry marked 0 goes
  // through the rules unverified and is refused with the usual reason.
  std::expected<BatchOutcome, StoreError> AppendVerifiedBatch(const std::vector<SignedEntry>& entries,
                                                             const std::vector<char>& verified);

  // Writes a new entry by `key`'s device: next sequence number, chained to its
  // previous entry, citing every other author's head as parents.
  std::expected<SignedEntry, AppendError> Author(const crypto::DeviceKey& key, Body body,
                                                 int64_t time_us);
  // As Author, with a body that depends on the entry's sequence number
  // (a recovery.use's proof), made inside the same transaction.
  std::expected<SignedEntry, AppendError> Author(const crypto::DeviceKey& key,
                                                 const std::function<Body(uint64_t seq)>& make_body,
                                                 int64_t time_us);

  // Follows rows other processes appended since the last load (their
  // derived rows came in the same transactions, so this only re-reads heads
  // and membership).
  std::expected<void, StoreError> CatchUp();
  // Re-reads the in-memory part from the tables (after a rolled-back write).
  std::expected<void, StoreError> Reload();
  // Rebuilds the derived tables from ledger_entries, re-deciding every entry.
  std::expected<void, StoreError> Rebuild();

  const Ledger& ledger() const { return ledger_; }

 private:
  LedgerStore(Database& db, const HouseholdId& household)
      : db_(&db), index_(std::make_unique<SqlLedgerIndex>(db)), ledger_(household, *index_) {}
  std::expected<void, AppendError> AcceptAndInsert(const SignedEntry& entry, bool signature_checked = false);
  std::expected<int64_t, StoreError> Insert(const SignedEntry& entry, const Rejection* rejection);

  Database* db_;
  std::shared_ptr<Statement> insert_;  // prepared once: sync inserts ledgers of 100,000 entries
  std::unique_ptr<SqlLedgerIndex> index_;  // heap: ledger_ points at it across moves
  Ledger ledger_;
  int64_t last_arrival_ = 0;
};

// A row of the ledger table as stored.
struct StoredEntry {
  int64_t arrival = 0;
  Bytes bytes;
  std::optional<std::string> rejection;  // NULL column: effective on arrival
};

// The stored bytes of each of `ids`, in the same order (kNotFound if one is
// missing).
std::expected<std::vector<Bytes>, StoreError> LoadEntryBytes(Database& db, const std::vector<EntryId>& ids);

// Entries stored after row `after` (arrival > after), in arrival order.
struct NewEntry {
  int64_t arrival = 0;
  EntryId id;
  Bytes bytes;
};
std::expected<std::vector<NewEntry>, StoreError> LoadEntriesSince(Database& db, int64_t after);
// As above, stopping once the rows read hold `max_bytes` of entries (at
// least one row when there is one).
std::expected<std::vector<NewEntry>, StoreError> LoadEntriesSince(Database& db, int64_t after, size_t max_bytes);
// The newest row of ledger_entries (0 when empty).
std::expected<int64_t, StoreError> LastEntryArrival(Database& db);

// Every stored entry in arrival order.
std::expected<std::vector<StoredEntry>, StoreError> ListStoredEntries(Database& db);

// One problem found by VerifyStoredLedger.
struct LedgerProblem {
  int64_t arrival = 0;      // row number in ledger_entries
  std::string entry_id;     // hex id as stored
  std::string code;         // e.g. "bad-signature", "id-mismatch"
  std::string message;
};

struct LedgerVerification {
  size_t entries = 0;
  size_t effective = 0;
  size_t evidence = 0;
  std::vector<LedgerProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Re-verifies the stored ledger from its bytes alone, as if every entry had
// just arrived: canonical form, signature, the id and indexed columns, and
// that each entry's rule outcome matches what was recorded. Reports every
// problem (with the row and id) instead of stopping at the first.
std::expected<LedgerVerification, StoreError> VerifyStoredLedger(Database& db,
                                                                 const HouseholdId& household);

}  // namespace hearth::store

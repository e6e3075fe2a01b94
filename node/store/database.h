// A thin RAII wrapper over one SQLite connection, in WAL mode. Several
// processes may open the same file (the daemon and the CLI); writers
// serialise through BEGIN IMMEDIATE and a busy timeout.
//
// One Database per thread: a connection and its statements are not shared.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "crypto/bytes.h"
#include "node/store/store_error.h"

namespace hearth::store {

// A prepared statement. Bind parameters are 1-based; columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, sqlite3_finalize) {}

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, ByteSpan v);  // an empty span binds an empty blob, never NULL
  Statement& Bind(int i, const std::string& v);
  Statement& BindNull(int i);

  // Advances: true when a row is ready, false when done.
  std::expected<bool, StoreError> Step();
  // Runs to completion (for statements that return no rows).
  std::expected<void, StoreError> Run();
  // Calls `fn(*this)` for every row. `fn` returns void, or
  // std::expected<void, StoreError> to stop early with that error; a SQLite
  // failure stops it too.
  template <typename Fn>
  std::expected<void, StoreError> ForEach(Fn&& fn);
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  Bytes Blob(int col) const;
  std::optional<std::string> Text(int col) const;

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
};

// A statement borrowed from a Database's cache (Database::PrepareCached):
// reset and handed back when the handle goes, or finalized when it was
// prepared apart (its SQL was borrowed already, or the cache is full).
struct StatementReturn {
  struct Slot {
    std::unique_ptr<Statement> statement;
    bool busy = false;
  };
  Slot* slot = nullptr;  // null: owned by the handle
  void operator()(Statement* st) const;
};
using CachedStatement = std::unique_ptr<Statement, StatementReturn>;

class Database {
 public:
  // Opens (creating if `create`) the database at `path`, sets WAL mode and
  // a busy timeout, and applies pending migrations.
  static std::expected<Database, StoreError> Open(const std::string& path, bool create);

  std::expected<Statement, StoreError> Prepare(const std::string& sql);
  // The same, from this connection's cache of statements keyed by their
  // SQL text: for the small queries asked many times over (a lookup per row
  // of a page), which would otherwise spend more time being compiled than
  // run. The SQL should not embed values that vary (bind them). At most
  // kCachedStatements are kept; when full, those not borrowed are dropped.
  std::expected<CachedStatement, StoreError> PrepareCached(const std::string& sql);
  static constexpr size_t kCachedStatements = 64;
  std::expected<void, StoreError> Exec(const std::string& sql);

  // BEGIN IMMEDIATE ... COMMIT around `fn`; rolls back if `fn` fails. Inside
  // an open transaction it nests as a SAVEPOINT, so an inner failure undoes
  // only its own part and the outer transaction decides what is committed.
  template <typename Fn>
  auto Transaction(Fn&& fn) -> decltype(fn());

  sqlite3* raw() const { return db_.get(); }
  // Changes whenever another connection (another process) commits to the
  // database; this connection's own writes leave it alone. 0 on error.
  int64_t DataVersion();
  const std::string& path() const { return path_; }

 private:
  Database(std::string path, sqlite3* db) : path_(std::move(path)), db_(db, sqlite3_close_v2) {}
  std::string path_;
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
  // Declared after db_: finalized before the connection closes. Behind a
  // pointer so that borrowed slots stay put when the Database moves.
  std::unique_ptr<std::unordered_map<std::string, StatementReturn::Slot>> cached_ =
      std::make_unique<std::unordered_map<std::string, StatementReturn::Slot>>();
};

template <typename Fn>
std::expected<void, StoreError> Statement::ForEach(Fn&& fn) {
  while (true) {
    auto row = Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
    if constexpr (std::is_void_v<decltype(fn(*this))>) {
      fn(*this);
    } else if (auto r = fn(*this); !r) {
      return r;
    }
  }
}

template <typename Fn>
auto Database::Transaction(Fn&& fn) -> decltype(fn()) {
  const bool nested = sqlite3_get_autocommit(db_.get()) == 0;
  if (auto begun = Exec(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE"); !begun)
    return std::unexpected(begun.error());
  auto result = fn();
  if (result) {
    if (auto done = Exec(nested ? "RELEASE nested" : "COMMIT"); !done) {
      (void)Exec(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
      return std::unexpected(done.error());
    }
  } else {
    (void)Exec(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
  }
  return result;
}

}  // namespace hearth::store

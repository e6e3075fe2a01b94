#include "node/store/database.h"

#include "node/store/migrations.h"

namespace hearth::store {
namespace {

StoreError DbError(sqlite3* db, const std::string& what) {
  return StoreError{StoreErrc::kDatabase, what + ": " + sqlite3_errmsg(db)};
}

}  // namespace

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_.get(), i, v);
  return *this;
}
Statement& Statement::Bind(int i, ByteSpan v) {
  // An empty span is an empty blob, not NULL (its data() may be null, which
  // SQLite would bind as NULL: a plan placing a blob nowhere broke on that).
  if (v.empty()) sqlite3_bind_zeroblob(stmt_.get(), i, 0);
  else sqlite3_bind_blob64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int i, const std::string& v) {
  sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_.get(), i);
  return *this;
}

std::expected<bool, StoreError> Statement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(DbError(db_, "query failed"));
}

std::expected<void, StoreError> Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Bytes Statement::Blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), col));
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? Bytes(p, p + n) : Bytes{};
}

std::optional<std::string> Statement::Text(int col) const {
  if (sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL) return std::nullopt;
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  return std::string(p, sqlite3_column_bytes(stmt_.get(), col));
}

std::expected<Database, StoreError> Database::Open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(path, raw);
  if (rc != SQLITE_OK) {
    return std::unexpected(StoreError{rc == SQLITE_CANTOPEN ? StoreErrc::kNotFound : StoreErrc::kDatabase,
                                      "cannot open database " + path + ": " + sqlite3_errmsg(raw)});
  }
  sqlite3_busy_timeout(raw, 10000);
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                             "PRAGMA foreign_keys = ON"}) {
    if (auto r = db.Exec(pragma); !r) return std::unexpected(r.error());
  }
  auto migrated = Migrate(raw, EmbeddedMigrations());
  if (!migrated) {
    return std::unexpected(StoreError{migrated.error().code, path + ": " + migrated.error().message});
  }
  return db;
}

std::expected<Statement, StoreError> Database::Prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return std::unexpected(DbError(db_.get(), "cannot prepare query"));
  return Statement(db_.get(), st);
}

void StatementReturn::operator()(Statement* st) const {
  if (!slot) {
    delete st;
    return;
  }
  st->Reset();
  slot->busy = false;
}

std::expected<CachedStatement, StoreError> Database::PrepareCached(const std::string& sql) {
  auto it = cached_->find(sql);
  if (it == cached_->end() && cached_->size() >= kCachedStatements)  // full: make room
    std::erase_if(*cached_, [](const auto& kv) { return !kv.second.busy; });
  if (it == cached_->end() && cached_->size() < kCachedStatements) {
    auto st = Prepare(sql);
    if (!st) return std::unexpected(st.error());
    it = cached_->emplace(sql, StatementReturn::Slot{std::make_unique<Statement>(std::move(*st)), false}).first;
  }
  if (it == cached_->end() || it->second.busy) {  // full, or borrowed already (nested use)
    auto st = Prepare(sql);
    if (!st) return std::unexpected(st.error());
    return CachedStatement(new Statement(std::move(*st)), StatementReturn{});
  }
  it->second.busy = true;
  return CachedStatement(it->second.statement.get(), StatementReturn{&it->second});
}

std::expected<void, StoreError> Database::Exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errmsg(db_.get());
    sqlite3_free(msg);
    return std::unexpected(StoreError{StoreErrc::kDatabase, m});
  }
  return {};
}

int64_t Database::DataVersion() {
  auto st = Prepare("PRAGMA data_version");
  if (!st) return 0;
  auto row = st->Step();
  return row && *row ? st->Int(0) : 0;
}

}  // namespace hearth::store

#include "node/store/migrations.h"

namespace hearth::store {
namespace {

std::string Err(sqlite3* db) { return sqlite3_errmsg(db); }

std::expected<int, std::string> UserVersion(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK)
    return std::unexpected(Err(db));
  int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  if (v < 0) return std::unexpected(Err(db));
  return v;
}

}  // namespace

std::expected<int, StoreError> Migrate(sqlite3* db, const std::vector<Migration>& migrations) {
  auto current = UserVersion(db);
  if (!current) return std::unexpected(StoreError{StoreErrc::kDatabase, current.error()});
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > newest) {
    return std::unexpected(StoreError{StoreErrc::kNewerSchema, "the database has schema version " + std::to_string(*current) +
                           ", newer than this hearth understands (" + std::to_string(newest) +
                           "); upgrade hearth"});
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    std::string sql = "BEGIN IMMEDIATE;\n" + std::string(m.sql) +
                      "\nPRAGMA user_version = " + std::to_string(m.version) + ";\nCOMMIT;";
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string error = "migration " + std::string(m.name) + " failed: " + (msg ? msg : "?");
      sqlite3_free(msg);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return std::unexpected(StoreError{StoreErrc::kDatabase, error});
    }
    *current = m.version;
  }
  return *current;
}

}  // namespace hearth::store

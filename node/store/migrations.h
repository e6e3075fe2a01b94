// Forward-only schema migrations, embedded from schema/NNNN_name.sql at build
// time. The database's `PRAGMA user_version` is the last applied number.
#pragma once

#include <sqlite3.h>

#include <expected>
#include <string>
#include <vector>

#include "node/store/store_error.h"

namespace hearth::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration in this build, in ascending version order.
const std::vector<Migration>& EmbeddedMigrations();

// Applies each migration newer than the database's user_version, each in its
// own transaction (a crash leaves the database at a whole version). Fails,
// changing nothing, if the database is newer than this build.
std::expected<int, StoreError> Migrate(sqlite3* db, const std::vector<Migration>& migrations);

}  // namespace hearth::store

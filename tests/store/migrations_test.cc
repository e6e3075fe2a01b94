#include "node/store/migrations.h"

#include <gtest/gtest.h>

#include "node/store/database.h"
#include "node/store/import_roots.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

int UserVersion(sqlite3* db) {
  sqlite3_stmt* st;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  sqlite3_step(st);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

bool HasTable(sqlite3* db, const char* name) {
  sqlite3_stmt* st;
  sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

struct RawDb {
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db); }
  ~RawDb() { sqlite3_close(db); }
  sqlite3* db = nullptr;
};

TEST(Migrations, EmbeddedFilesAreNumberedInOrder) {
  const auto& all = EmbeddedMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].version, static_cast<int>(i) + 1);
}

TEST(Migrations, FreshDatabaseReachesTheLatestVersionAndReopeningIsANoOp) {
  testing::TempDir dir;
  {
    auto db = Database::Open(dir / "h.db", true);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(UserVersion(db->raw()), EmbeddedMigrations().back().version);
    EXPECT_TRUE(HasTable(db->raw(), "ledger_entries"));
  }
  auto again = Database::Open(dir / "h.db", false);
  ASSERT_TRUE(again);
  EXPECT_EQ(UserVersion(again->raw()), EmbeddedMigrations().back().version);
}

TEST(Migrations, AppliesOnlyNewerMigrationsForwardOnly) {
  testing::TempDir dir;
  RawDb raw(dir / "m.db");
  std::vector<Migration> v1 = {{1, "0001_a.sql", "CREATE TABLE a (x);"}};
  ASSERT_EQ(Migrate(raw.db, v1).value(), 1);
  std::vector<Migration> v2 = v1;
  v2.push_back({2, "0002_b.sql", "CREATE TABLE b (y);"});
  // If 0001 ran again, CREATE TABLE a would fail.
  ASSERT_EQ(Migrate(raw.db, v2).value(), 2);
  EXPECT_TRUE(HasTable(raw.db, "b"));
}

TEST(Migrations, AFailingMigrationLeavesTheDatabaseAtTheLastWholeVersion) {
  testing::TempDir dir;
  RawDb raw(dir / "m.db");
  std::vector<Migration> ms = {{1, "0001_a.sql", "CREATE TABLE a (x);"},
                               {2, "0002_bad.sql", "CREATE TABLE c (z); SELECT * FROM nowhere;"}};
  auto r = Migrate(raw.db, ms);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("0002_bad.sql"), std::string::npos);
  EXPECT_EQ(UserVersion(raw.db), 1);
  EXPECT_FALSE(HasTable(raw.db, "c"));  // the half of 0002 that ran was rolled back
}

// A home from before version 7 (folders and sealed copies, no watch state):
// its folders open as kept with copies, not watched, and the table of
// missing originals is there.
TEST(Migrations, AHomeFromVersionSixKeepsItsFoldersAsCopies) {
  testing::TempDir dir;
  {
    RawDb raw(dir / "h.db");
    std::vector<Migration> six(EmbeddedMigrations().begin(), EmbeddedMigrations().begin() + 6);
    ASSERT_EQ(Migrate(raw.db, six).value(), 6);
    ASSERT_EQ(sqlite3_exec(raw.db, "INSERT INTO import_roots (path, added_us) VALUES ('/music', 1)", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
  }
  auto db = Database::Open(dir / "h.db", false);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_GE(UserVersion(db->raw()), 7);
  EXPECT_TRUE(HasTable(db->raw(), "missing_originals"));
  auto roots = ListImportRootRows(*db);
  ASSERT_TRUE(roots);
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_EQ((*roots)[0].path, "/music");
  EXPECT_FALSE((*roots)[0].in_place);
  EXPECT_EQ((*roots)[0].device, 0u);
  EXPECT_TRUE((*roots)[0].state.empty());
}

TEST(Migrations, AHomeFromVersionTenKeepsItsSearchIndexWithLongerPrefixes) {
  testing::TempDir dir;
  {
    RawDb raw(dir / "h.db");
    std::vector<Migration> ten(EmbeddedMigrations().begin(), EmbeddedMigrations().begin() + 10);
    ASSERT_EQ(Migrate(raw.db, ten).value(), 10);
    ASSERT_EQ(sqlite3_exec(raw.db,
                           "INSERT INTO catalog_search (rowid, title, artist, album, genre) "
                           "VALUES (42, 'Hyperballad', 'Björk', 'Post', 'Electronic')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto db = Database::Open(dir / "h.db", false);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_GE(UserVersion(db->raw()), 11);
  for (const char* q : {"\"hyperb\"*", "\"bjork\"*", "\"electron\"*", "\"po\"*"}) {
    auto st = db->Prepare("SELECT rowid FROM catalog_search WHERE catalog_search MATCH ?");
    ASSERT_TRUE(st);
    st->Bind(1, std::string(q));
    ASSERT_TRUE(st->Step().value_or(false)) << q;
    EXPECT_EQ(st->Int(0), 42) << q;
  }
  auto config = db->Prepare("SELECT sql FROM sqlite_master WHERE name = 'catalog_search'");
  ASSERT_TRUE(config && config->Step().value_or(false));
  EXPECT_NE(config->Text(0).value_or("").find("'1 2 3 4 5 6 7 8'"), std::string::npos);
}

TEST(Migrations, RefusesADatabaseFromANewerHearth) {
  testing::TempDir dir;
  {
    RawDb raw(dir / "h.db");
    sqlite3_exec(raw.db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  }
  auto db = Database::Open(dir / "h.db", false);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, StoreErrc::kNewerSchema);
  EXPECT_NE(db.error().message.find("newer"), std::string::npos);
}

}  // namespace
}  // namespace hearth::store

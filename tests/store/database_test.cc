// Database::PrepareCached: a statement is compiled once and handed back
// reset; a nested borrow of the same SQL gets its own; past the cache's
// size statements are prepared apart and still work.
#include "node/store/database.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

class CachedStatements : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::Open(dir_ / "db", true);
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::make_unique<Database>(std::move(*opened));
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); "
                          "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')"));
  }
  std::string ValueOf(int64_t k) {
    auto st = db_->PrepareCached("SELECT v FROM t WHERE k = ?");
    EXPECT_TRUE(st);
    (*st)->Bind(1, k);
    auto row = (*st)->Step();
    return row && *row ? (*st)->Text(0).value_or("") : "";
  }
  ::hearth::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(CachedStatements, AStatementIsReusedResetAndNestedBorrowsGetTheirOwn) {
  Statement* first = nullptr;
  {
    auto st = db_->PrepareCached("SELECT v FROM t WHERE k = ?");
    ASSERT_TRUE(st);
    first = st->get();
    (*st)->Bind(1, int64_t{1});
    ASSERT_TRUE((*st)->Step().value());  // left on a row: the return resets it
  }
  {
    auto again = db_->PrepareCached("SELECT v FROM t WHERE k = ?");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get(), first) << "the cached statement is reused";
    (*again)->Bind(1, int64_t{2});
    ASSERT_TRUE((*again)->Step().value());
    EXPECT_EQ((*again)->Text(0), "two");
    // Borrowed while the outer one is on a row: a statement of its own.
    EXPECT_EQ(ValueOf(3), "three");
    EXPECT_EQ((*again)->Text(0), "two") << "the outer borrow is undisturbed";
  }
  // A write after the borrows: no statement was left holding a read open.
  ASSERT_TRUE(db_->Exec("BEGIN IMMEDIATE; UPDATE t SET v = 'uno' WHERE k = 1; COMMIT"));
  EXPECT_EQ(ValueOf(1), "uno");
}

TEST_F(CachedStatements, PastTheCacheSizeStatementsArePreparedApartAndStillAnswer) {
  for (size_t i = 0; i < Database::kCachedStatements + 10; ++i) {
    auto st = db_->PrepareCached("SELECT v, " + std::to_string(i) + " FROM t WHERE k = 2");
    ASSERT_TRUE(st);
    ASSERT_TRUE((*st)->Step().value());
    EXPECT_EQ((*st)->Int(1), static_cast<int64_t>(i));
  }
  EXPECT_EQ(ValueOf(2), "two");
  auto bad = db_->PrepareCached("SELECT x FROM nowhere");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("nowhere"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace hearth::store

#include "node/store/ledger_store.h"

#include <gtest/gtest.h>

#include "node/store/home.h"
#include "node/store/live_claims.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_household.h"

namespace hearth::store {
namespace {

using hearth::testing::IdOf;
using hearth::testing::KeyFor;
using hearth::testing::MakeClaim;

class LedgerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = Home::Init(dir.path(), InitOptions{"Home", "pc", [] { return int64_t{1}; }});
    ASSERT_TRUE(h) << h.error().message;
    home.emplace(std::move(*h));
  }
  int64_t Rows() {
    auto st = home->db().Prepare("SELECT count(*) FROM ledger_entries");
    (void)st->Step();
    return st->Int(0);
  }
  void Sql(const std::string& sql) { ASSERT_TRUE(home->db().Exec(sql)) << sql; }

  hearth::testing::TempDir dir;
  std::optional<Home> home;
};

TEST_F(LedgerStoreTest, AuthoredEntriesSurviveReopening) {
  auto& ls = home->ledger();
  ASSERT_TRUE(ls.Author(home->device_key(), hearth::testing::MakeAdd(KeyFor(2)), 2));
  ASSERT_TRUE(ls.Author(home->device_key(), MakeClaim(1), 3));
  ASSERT_TRUE(ls.Author(home->device_key(), MakeClaim(2), 4));
  LedgerState before = ls.ledger().state();
  auto again = Home::Open(dir.path());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->ledger().ledger().size(), 4u);
  EXPECT_EQ(again->ledger().ledger().state(), before);
  EXPECT_EQ(Rows(), 4);
}

TEST_F(LedgerStoreTest, DroppedEntriesNeverReachTheTable) {
  auto x = KeyFor(9);
  auto e = SignEntry(home->ledger().ledger().NextEntry(IdOf(x), MakeClaim(1), 0), x);
  auto r = home->ledger().Append(e);
  ASSERT_FALSE(r);
  ASSERT_TRUE(r.error().rejection);
  EXPECT_EQ(r.error().rejection->error.code, LedgerErrc::kUnknownAuthor);
  EXPECT_EQ(Rows(), 1);
}

TEST_F(LedgerStoreTest, EntriesKeptAsEvidenceAreStoredWithTheirRule) {
  auto b = KeyFor(2);
  ASSERT_TRUE(home->ledger().Author(home->device_key(), hearth::testing::MakeAdd(b), 2));
  auto e = SignEntry(home->ledger().ledger().NextEntry(IdOf(b), PolicySet{4, 0, {}}, 3), b);
  auto r = home->ledger().Append(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rejection->error.code, LedgerErrc::kNotAdmin);
  EXPECT_TRUE(r.error().rejection->kept);
  EXPECT_EQ(Rows(), 3);
  auto rows = ListStoredEntries(home->db()).value();
  EXPECT_EQ(rows.back().rejection, "not-admin");
  auto again = Home::Open(dir.path());
  EXPECT_EQ(again->ledger().ledger().state().policy.copies, 1);
  EXPECT_FALSE(again->ledger().ledger().IsEffective(e.id));
}

TEST_F(LedgerStoreTest, TheTableIsAppendOnly) {
  auto upd = home->db().Exec("UPDATE ledger_entries SET seq = 5");
  ASSERT_FALSE(upd);
  EXPECT_NE(upd.error().message.find("append-only"), std::string::npos);
  EXPECT_FALSE(home->db().Exec("DELETE FROM ledger_entries"));
  EXPECT_EQ(Rows(), 1);
}

TEST_F(LedgerStoreTest, VerifyNamesEveryEntryEditedBehindTheNodesBack) {
  for (uint8_t i = 1; i <= 4; ++i) ASSERT_TRUE(home->ledger().Author(home->device_key(), MakeClaim(i), i));
  auto clean = VerifyStoredLedger(home->db(), home->household());
  ASSERT_TRUE(clean);
  EXPECT_TRUE(clean->ok());
  EXPECT_EQ(clean->entries, 5u);

  Sql("DROP TRIGGER ledger_entries_no_update");
  // Row 3: flip one byte inside the body (the claim's plaintext length).
  Bytes bytes = ListStoredEntries(home->db()).value()[2].bytes;
  bytes[158] ^= 0xff;  // header 120 bytes, blob id 32, then the u64 length
  auto st = home->db().Prepare("UPDATE ledger_entries SET bytes = ? WHERE arrival = 3");
  st->Bind(1, bytes);
  ASSERT_TRUE(st->Run());
  // Row 4: a wrong id column.
  Sql("UPDATE ledger_entries SET id = zeroblob(32) WHERE arrival = 4");
  auto report = VerifyStoredLedger(home->db(), home->household());
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok());
  ASSERT_GE(report->problems.size(), 2u);
  EXPECT_EQ(report->problems[0].arrival, 3);
  EXPECT_EQ(report->problems[0].code, "bad-signature");
  EXPECT_EQ(report->problems[1].arrival, 4);
  EXPECT_EQ(report->problems[1].code, "id-mismatch");
}

TEST_F(LedgerStoreTest, TwoConnectionsAuthoringInTurnNeverEquivocate) {
  auto other = Home::Open(dir.path());
  ASSERT_TRUE(other);
  for (uint8_t i = 1; i <= 6; ++i) {
    Home& h = (i % 2) ? *home : *other;
    auto r = h.ledger().Author(h.device_key(), MakeClaim(i), i);
    ASSERT_TRUE(r) << r.error().Message();
    EXPECT_EQ(r->entry.seq, i + 1u);  // each caught up with the other's rows first
  }
  auto report = VerifyStoredLedger(home->db(), home->household());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->evidence, 0u);
  ASSERT_TRUE(home->ledger().CatchUp());
  EXPECT_EQ(AllLiveClaims(home->db()).value().size(), 6u);
}

}  // namespace
}  // namespace hearth::store

// The ledger's derived state kept in SQLite (sql_ledger_index.h) equals the
// fold that holds and re-decides every entry in memory (the oracle,
// tests/support/ledger_fold.h): on random household ledgers delivered in
// random causal orders, one at a time and in batches, after reopening the
// home, after a rebuild, and for a home from before schema 8.
#include <gtest/gtest.h>

#include <random>

#include "node/store/home.h"
#include "node/store/ledger_store.h"
#include "node/store/live_claims.h"
#include "tests/support/ledger_fold.h"
#include "tests/support/random_ledger.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

using hearth::testing::LedgerFold;

// The home's view equals the fold's: members and policy, live claims, and
// each entry's effect.
void ExpectSameAsFold(Home& home, const LedgerFold& fold, const std::vector<SignedEntry>& log,
                      const std::string& when) {
  SCOPED_TRACE(when);
  const Ledger& ledger = home.ledger().ledger();
  EXPECT_EQ(ledger.state(), static_cast<const LedgerState&>(fold.state()));
  EXPECT_EQ(ledger.size(), fold.size());
  EXPECT_EQ(ledger.effective_count(), fold.effective_count());
  auto live = AllLiveClaims(home.db());
  ASSERT_TRUE(live) << live.error().message;
  ASSERT_EQ(live->size(), fold.state().claims.size());
  for (const LiveClaim& c : *live) {
    auto it = fold.state().claims.find(c.entry);
    ASSERT_NE(it, fold.state().claims.end()) << "live here, not in the fold: " << c.entry.ShortHex();
    EXPECT_EQ(c.author, it->second.author);
    EXPECT_EQ(c.time_us, it->second.time_us);
    EXPECT_EQ(c.blob, it->second.claim().blob);
    EXPECT_EQ(c.plaintext_length, it->second.claim().plaintext_length);
  }
  for (const SignedEntry& e : log) ASSERT_EQ(ledger.IsEffective(e.id), fold.IsEffective(e.id)) << e.id.ShortHex();
  auto heads = ledger.Heads();
  EXPECT_EQ(heads.size(), fold.Heads().size());
}

LedgerFold FoldOf(const HouseholdId& household, const std::vector<SignedEntry>& log) {
  LedgerFold fold(household);
  for (const SignedEntry& e : log) (void)fold.Accept(e);
  return fold;
}

class SqlLedgerState : public ::testing::TestWithParam<uint32_t> {};

TEST_P(SqlLedgerState, SqliteStateEqualsTheFoldInAnyOrderAndAfterReopeningAndRebuilding) {
  const auto sim = hearth::testing::Simulate(GetParam());
  const std::vector<SignedEntry>& log = sim.replicas[0].log;
  const HouseholdId household = sim.replicas[0].ledger.household();
  std::mt19937 rng(GetParam() * 31u + 7u);
  hearth::testing::TempDir dir;
  {
    auto home = Home::CreateJoining(dir / "home", household);
    ASSERT_TRUE(home) << home.error().message;
    LedgerFold fold(household);
    // Delivered in a random causal order, in batches of random size (sync)
    // with single appends in between (entries written here).
    const auto order = hearth::testing::RandomCausalOrder(log, rng);
    size_t i = 0;
    while (i < order.size()) {
      size_t n = std::uniform_int_distribution<size_t>(1, 40)(rng);
      std::vector<SignedEntry> batch;
      for (size_t k = 0; k < n && i < order.size(); ++k, ++i) {
        batch.push_back(*order[i]);
        (void)fold.Accept(*order[i]);
      }
      if (batch.size() == 1) {
        auto r = home->ledger().Append(batch[0]);
        ASSERT_TRUE(r || !r.error().store) << r.error().Message();
      } else {
        ASSERT_TRUE(home->ledger().AppendBatch(batch));
      }
    }
    ExpectSameAsFold(*home, fold, log, "after delivery");
    // Offered again, everything is a replay and changes nothing.
    auto again = home->ledger().AppendBatch(log);
    ASSERT_TRUE(again);
    for (const auto& outcome : *again) {
      ASSERT_TRUE(outcome);
      EXPECT_EQ(outcome->error.code, LedgerErrc::kReplayed);
    }
    ExpectSameAsFold(*home, fold, log, "after replays");
  }
  const LedgerFold fold = FoldOf(household, log);
  auto reopened = Home::OpenJoining(dir / "home");
  ASSERT_TRUE(reopened) << reopened.error().message;
  ExpectSameAsFold(*reopened, fold, log, "after reopening");
  ASSERT_TRUE(reopened->ledger().Rebuild());
  ExpectSameAsFold(*reopened, fold, log, "after a rebuild");
}

INSTANTIATE_TEST_SUITE_P(Seeds, SqlLedgerState, ::testing::Values(1u, 2u, 3u, 4u));

// A home in `dir` holding `log` whole; then `damage` (SQL) done to it.
void HomeWith(const std::string& dir, const HouseholdId& household, const std::vector<SignedEntry>& log,
              const std::string& damage) {
  auto home = Home::CreateJoining(dir, household);
  ASSERT_TRUE(home);
  ASSERT_TRUE(home->ledger().AppendBatch(log));
  ASSERT_TRUE(home->db().Exec(damage)) << damage;
}

TEST(LedgerStateMigration, AHomeFromSchemaSevenDerivesItsStateOnFirstOpen) {
  const auto sim = hearth::testing::Simulate(11);
  const std::vector<SignedEntry>& log = sim.replicas[0].log;
  const HouseholdId household = sim.replicas[0].ledger.household();
  hearth::testing::TempDir dir;
  // What a home written by the previous version looks like: the entries,
  // and no derived tables.
  ASSERT_NO_FATAL_FAILURE(HomeWith(dir / "home", household, log,
           "DROP TABLE ledger_authors; DROP TABLE ledger_kept; DROP TABLE ledger_claims; "
           "DROP TABLE ledger_releases; DROP INDEX catalog_song_order; DROP INDEX catalog_by_cover; "
           "DROP TABLE catalog_albums; DROP TABLE catalog_artists; DROP TABLE catalog_album_genres; "
           "DROP TABLE catalog_album_search; DROP TABLE catalog_artist_search; DROP TABLE placement_devices; "
           "DROP TABLE placement_plan; ALTER TABLE peers DROP COLUMN rtt_us; ALTER TABLE peers DROP COLUMN path; "
           "ALTER TABLE peers DROP COLUMN via; ALTER TABLE invites DROP COLUMN recovery; "
           "PRAGMA user_version = 7;"));
  const LedgerFold fold = FoldOf(household, log);
  auto home = Home::OpenJoining(dir / "home");
  ASSERT_TRUE(home) << home.error().message;
  ExpectSameAsFold(*home, fold, log, "after migrating");
  auto report = VerifyStoredLedger(home->db(), household);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0].code + " " + report->problems[0].message);
}

TEST(LedgerStateMigration, DerivedTablesThatLagBehindTheEntriesAreRebuilt) {
  const auto sim = hearth::testing::Simulate(12);
  const std::vector<SignedEntry>& log = sim.replicas[0].log;
  const HouseholdId household = sim.replicas[0].ledger.household();
  hearth::testing::TempDir dir;
  // Damage: the index lost its newest rows.
  ASSERT_NO_FATAL_FAILURE(HomeWith(dir / "home", household, log,
                                   "DELETE FROM ledger_kept WHERE arrival > (SELECT max(arrival) - 5 FROM ledger_kept)"));
  const LedgerFold fold = FoldOf(household, log);
  auto home = Home::OpenJoining(dir / "home");
  ASSERT_TRUE(home) << home.error().message;
  ExpectSameAsFold(*home, fold, log, "after the rebuild");
}

}  // namespace
}  // namespace hearth::store

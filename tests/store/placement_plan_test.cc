// Replica placement's plan kept in SQLite (placement_plan.h) is the plan
// the placer makes in memory, row for row, with the room limits binding; it
// survives a reopen under its key; and a rebuild that fails leaves the rows
// it had.
#include "node/store/placement_plan.h"

#include <gtest/gtest.h>

#include <random>

#include "crypto/blob_cipher.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_household.h"

namespace hearth::store {
namespace {

using hearth::testing::IdOf;
using hearth::testing::KeyFor;

class SqlPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::Open(dir_ / "db", true);
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::make_unique<Database>(std::move(*opened));
    for (uint8_t n = 1; n <= 4; ++n) devices_.push_back({IdOf(KeyFor(n)), static_cast<uint16_t>(200 * n), {}});
    devices_[1].room = 40'000'000;  // binds: the library is about 100 MB
    devices_[3].room = 5'000'000;
    me_ = devices_[2].device;
  }

  // `n` claims, some naming the same blob, some released or not effective
  // (those blobs are not placed).
  void AddClaims(int n, uint32_t seed) {
    std::mt19937 rng(seed);
    auto st = db_->Prepare(
        "INSERT INTO ledger_claims (entry, arrival, author, seq, chained, time_us, blob, plaintext_length, "
        "effective, released) VALUES (?, ?, 0, ?, 1, 0, ?, ?, ?, ?)");
    ASSERT_TRUE(st);
    for (int i = 0; i < n; ++i) {
      EntryId entry;
      BlobId blob;
      for (auto& b : entry.bytes) b = static_cast<uint8_t>(rng());
      for (auto& b : blob.bytes) b = static_cast<uint8_t>(rng());
      if (i % 10 == 3 && !live_.empty()) blob = live_.begin()->first;  // a second claim of a blob
      const uint64_t length = (live_.contains(blob) ? lengths_[blob] : 100'000 + rng() % 400'000);
      const bool effective = i % 17 != 5, released = i % 13 == 7;
      st->Bind(1, entry.span()).Bind(2, i).Bind(3, i).Bind(4, blob.span()).Bind(5, static_cast<int64_t>(length));
      st->Bind(6, int64_t{effective}).Bind(7, int64_t{released});
      ASSERT_TRUE(st->Run());
      st->Reset();
      lengths_[blob] = length;
      if (effective && !released) live_[blob] = crypto::SealedLength(length);
    }
  }

  PlacementPlan InMemory(size_t copies) const {
    std::vector<PlacementBlob> blobs;
    for (const auto& [blob, size] : live_) blobs.push_back({blob, size});
    return PlaceReplicas(devices_, blobs, copies);
  }

  void ExpectSame(SqlPlan& rows, const PlacementPlan& plan) {
    size_t mine = 0;
    for (const auto& [blob, assigned] : plan.assigned) {
      ASSERT_EQ(rows.Assigned(blob), assigned) << blob.ShortHex();
      ASSERT_EQ(rows.SizeOf(blob), live_.at(blob));
      mine += std::find(assigned.begin(), assigned.end(), me_) != assigned.end();
    }
    std::vector<BlobId> listed;
    rows.ForEachAssignedTo(me_, [&](const BlobId& b, uint64_t size) {
      EXPECT_EQ(size, live_.at(b));
      EXPECT_TRUE(plan.IsAssigned(b, me_));
      listed.push_back(b);
    });
    EXPECT_EQ(listed.size(), mine);
    EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
    size_t others = 0;
    rows.ForEachAssignedTo(devices_[1].device, [&](const BlobId& b, uint64_t) {
      EXPECT_TRUE(plan.IsAssigned(b, devices_[1].device));
      ++others;
    });
    EXPECT_EQ(others, static_cast<size_t>(std::count_if(plan.assigned.begin(), plan.assigned.end(), [&](const auto& kv) {
                return std::find(kv.second.begin(), kv.second.end(), devices_[1].device) != kv.second.end();
              })));
    BlobId unknown;
    unknown.bytes.fill(0xee);
    EXPECT_EQ(rows.SizeOf(unknown), std::nullopt);
    EXPECT_TRUE(rows.Assigned(unknown).empty());
    EXPECT_EQ(rows.TakeError(), std::nullopt);
  }

  ::hearth::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::vector<PlacementDevice> devices_;
  DeviceId me_;
  std::map<BlobId, uint64_t> live_;     // sealed sizes of the live claims' blobs
  std::map<BlobId, uint64_t> lengths_;  // plaintext length of every blob written
};

TEST_F(SqlPlanTest, TheRowsAreThePlanThePlacerMakesInMemory) {
  AddClaims(400, 1);
  SqlPlan rows(*db_, me_);
  for (size_t copies : {1u, 2u, 5u}) {
    SCOPED_TRACE(copies);
    auto totals = rows.Rebuild(devices_, copies, "k" + std::to_string(copies));
    ASSERT_TRUE(totals) << totals.error().message;
    const PlacementPlan plan = InMemory(copies);
    EXPECT_EQ(totals->assigned_bytes, plan.assigned_bytes);
    EXPECT_EQ(totals->short_of_room, plan.short_of_room);
    EXPECT_EQ(totals->short_bytes, plan.short_bytes);
    // The room limits bind: the small device fills up; with every device
    // asked for, blobs go short.
    EXPECT_GT(plan.assigned_bytes.at(devices_[3].device), 4'000'000u);
    EXPECT_LE(plan.assigned_bytes.at(devices_[3].device), 5'000'000u);
    if (copies == 5) {
      EXPECT_GT(plan.short_of_room, 0u);
    }
    ExpectSame(rows, plan);
  }
  AddClaims(50, 2);  // the library grew: placed again from the claims
  ASSERT_TRUE(rows.Rebuild(devices_, 2, "k2b"));
  ExpectSame(rows, InMemory(2));
}

// Every device full (each with room for 1 byte): no blob has a place, and
// the plan says so row by row instead of failing to be written.
TEST_F(SqlPlanTest, APlanWhereNoDeviceHasRoomIsWrittenWithEmptyPlaces) {
  AddClaims(30, 5);
  for (auto& d : devices_) d.room = 1;
  SqlPlan rows(*db_, me_);
  auto totals = rows.Rebuild(devices_, 1, "full");
  ASSERT_TRUE(totals) << totals.error().message;
  const PlacementPlan plan = InMemory(1);
  EXPECT_EQ(totals->short_of_room, live_.size());
  EXPECT_EQ(totals->short_of_room, plan.short_of_room);
  for (const auto& [blob, size] : live_) EXPECT_TRUE(rows.Assigned(blob).empty()) << blob.ShortHex();
  EXPECT_EQ(rows.TakeError(), std::nullopt);
}

TEST_F(SqlPlanTest, AReopenedHomeFindsThePlanUnderItsKey) {
  AddClaims(120, 3);
  {
    SqlPlan rows(*db_, me_);
    EXPECT_EQ(rows.Load().value(), std::nullopt) << "nothing placed yet";
    ASSERT_TRUE(rows.Rebuild(devices_, 2, "the inputs"));
  }
  db_.reset();
  auto opened = Database::Open(dir_ / "db", false);
  ASSERT_TRUE(opened);
  db_ = std::make_unique<Database>(std::move(*opened));
  SqlPlan rows(*db_, me_);
  auto kept = rows.Load();
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->key, "the inputs");
  const PlacementPlan plan = InMemory(2);
  EXPECT_EQ((*kept)->totals.assigned_bytes, plan.assigned_bytes);
  EXPECT_EQ((*kept)->totals.short_of_room, plan.short_of_room);
  ExpectSame(rows, plan);
}

TEST_F(SqlPlanTest, ARebuildThatFailsLeavesTheRowsItHad) {
  AddClaims(100, 4);
  SqlPlan rows(*db_, me_);
  ASSERT_TRUE(rows.Rebuild(devices_, 2, "before"));
  // The disk fills up part way through the next rebuild.
  ASSERT_TRUE(db_->Exec("CREATE TEMP TRIGGER full BEFORE INSERT ON placement_plan "
                        "WHEN (SELECT count(*) FROM placement_plan) >= 10 BEGIN SELECT RAISE(ABORT, 'disk full'); END"));
  std::vector<PlacementDevice> fewer(devices_.begin(), devices_.begin() + 2);
  auto failed = rows.Rebuild(fewer, 1, "after");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("disk full"), std::string::npos) << failed.error().message;
  EXPECT_EQ(rows.Load().value()->key, "before");
  ExpectSame(rows, InMemory(2));
}

}  // namespace
}  // namespace hearth::store

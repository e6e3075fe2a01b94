// Availability from this device's time online, and what peers report.
#include <gtest/gtest.h>

#include "node/store/database.h"
#include "node/store/mesh_tables.h"
#include "node/store/placement_tables.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

constexpr int64_t kHourUs = 3'600'000'000;
constexpr int64_t kStart = 20'000 * kDayUs;  // a midnight

class PlacementTables : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::Open(dir_ / "db", true);
    ASSERT_TRUE(opened);
    db_ = std::make_unique<Database>(std::move(*opened));
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(PlacementTables, ADeviceMinutesOldIsNotTakenForAnAlwaysOnOne) {
  ASSERT_TRUE(AddUptime(*db_, kStart + 600'000'000, 600));  // ten minutes
  EXPECT_LE(Availability(*db_, kStart + 600'000'000).value(), 7u);
  EXPECT_EQ(Availability(*db_, kStart).value(), 0u) << "a home that never ran";
}

TEST_F(PlacementTables, AlwaysOnForAWeekIsFullAvailabilityAtAnyHour) {
  int64_t now = kStart;
  for (int h = 0; h < 24 * 9; ++h) {
    now += kHourUs;
    ASSERT_TRUE(AddUptime(*db_, now, 3600));
  }
  EXPECT_GE(Availability(*db_, now).value(), 995u);
  EXPECT_GE(Availability(*db_, now + 5 * kHourUs / 2).value(), 980u) << "2.5 hours off";
  // Old rows go: eight days are kept at most.
  auto st = db_->Prepare("SELECT COUNT(*) FROM uptime");
  ASSERT_TRUE(st && st->Step().value_or(false));
  EXPECT_LE(st->Int(0), 9);
}

TEST_F(PlacementTables, ALaptopOnEightHoursADayIsAThird) {
  int64_t day = kStart;
  for (int d = 0; d < 10; ++d, day += kDayUs) {
    for (int h = 9; h < 17; ++h) ASSERT_TRUE(AddUptime(*db_, day + (h + 1) * kHourUs, 3600));
  }
  const uint16_t a = Availability(*db_, day + 12 * kHourUs).value();
  EXPECT_GT(a, 300u);
  EXPECT_LT(a, 380u);
}

TEST_F(PlacementTables, AnUptimeSpanningMidnightIsSplitAndNoDayExceedsADay) {
  ASSERT_TRUE(AddUptime(*db_, kStart + kHourUs, 2 * 3600));
  ASSERT_TRUE(AddUptime(*db_, kStart + kHourUs, 90000));  // more than a day: capped
  auto st = db_->Prepare("SELECT day, online_s FROM uptime ORDER BY day");
  ASSERT_TRUE(st);
  std::map<int64_t, int64_t> rows;
  ASSERT_TRUE(st->ForEach([&](Statement& s) { rows[s.Int(0)] = s.Int(1); }));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [day, seconds] : rows) EXPECT_LE(seconds, 86400);
  EXPECT_EQ(ComputeAvailability({{0, 999999}}, std::nullopt, kDayUs / 2), 142u) << "rows out of range are clamped to a day";
}

TEST_F(PlacementTables, PeerReportsRoundTripAndAMissingLimitStaysMissing) {
  DeviceId a, b;
  a.bytes.fill(1);
  b.bytes.fill(2);
  ASSERT_TRUE(SavePeer(*db_, PeerRecord{a, "127.0.0.1", 1, 2, 10, true}));
  ASSERT_TRUE(SavePeer(*db_, PeerRecord{b, "127.0.0.1", 3, 4, 10, true}));
  const DeviceReport ra{950, 123, std::nullopt, false, 77};
  const DeviceReport rb{10, UINT64_MAX, 5'000'000'000'000, true, 78};
  ASSERT_TRUE(SaveDeviceReport(*db_, a, ra));
  ASSERT_TRUE(SaveDeviceReport(*db_, b, rb));
  auto reports = ListDeviceReports(*db_).value();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports.at(a), ra);
  EXPECT_EQ(reports.at(b).room, rb.room);
  EXPECT_EQ(reports.at(b).held_bytes, static_cast<uint64_t>(INT64_MAX)) << "held bytes saturate";
  // Saving the peer again (a new session) keeps its report.
  ASSERT_TRUE(SavePeer(*db_, PeerRecord{a, "127.0.0.2", 1, 2, 20, false}));
  EXPECT_EQ(ListDeviceReports(*db_).value().at(a), ra);
}

TEST_F(PlacementTables, OwnReportRoundTrips) {
  EXPECT_FALSE(LoadOwnReport(*db_).value().has_value());
  const DeviceReport mine{431, 9'000'000'000, 12'000'000'000, true, 123456};
  ASSERT_TRUE(SaveOwnReport(*db_, mine));
  EXPECT_EQ(LoadOwnReport(*db_).value(), mine);
  const DeviceReport unlimited{0, 0, std::nullopt, false, 1};
  ASSERT_TRUE(SaveOwnReport(*db_, unlimited));
  EXPECT_EQ(LoadOwnReport(*db_).value(), unlimited);
}

}  // namespace
}  // namespace hearth::store

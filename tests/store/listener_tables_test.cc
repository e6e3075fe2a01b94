// Folding listener events into stars, plays and playlists: the same events
// in any order give the same state.
#include <gtest/gtest.h>

#include "node/store/database.h"
#include "node/store/play_tables.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

class ListenerTables : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::Open(dir_ / "db", true);
    ASSERT_TRUE(opened);
    db_ = std::make_unique<Database>(std::move(*opened));
    a_.bytes.fill(1);
    b_.bytes.fill(2);
  }
  ListenerEvent Event(const DeviceId& origin, uint64_t seq, int64_t at, ListenerKind kind) {
    ListenerEvent e;
    e.origin = origin;
    e.seq = seq;
    e.at_us = at;
    e.user = "alice";
    e.kind = kind;
    e.item_kind = "song";
    e.item = "s1";
    return e;
  }
  size_t Stars() { return ListStars(*db_, "alice").value().size(); }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  DeviceId a_, b_;
};

TEST_F(ListenerTables, StarsAreLastWriterWinsWhateverTheArrivalOrder) {
  // A later unstar (from b) arrives before an earlier star (from a).
  EXPECT_TRUE(ApplyListenerEvent(*db_, Event(b_, 1, 200, ListenerKind::kUnstar)).value());
  EXPECT_TRUE(ApplyListenerEvent(*db_, Event(a_, 1, 100, ListenerKind::kStar)).value());
  EXPECT_EQ(Stars(), 0u);
  EXPECT_TRUE(ApplyListenerEvent(*db_, Event(a_, 2, 300, ListenerKind::kStar)).value());
  EXPECT_EQ(Stars(), 1u);
  // The same event twice is taken once.
  EXPECT_FALSE(ApplyListenerEvent(*db_, Event(a_, 2, 300, ListenerKind::kStar)).value());
  auto heads = LoadListenerHeads(*db_).value();
  EXPECT_EQ(heads[a_], 2u);
  EXPECT_EQ(heads[b_], 1u);
}

TEST_F(ListenerTables, PlaysAddUpOncePerEvent) {
  auto play = Event(a_, 1, 100, ListenerKind::kPlay);
  play.track.bytes.fill(5);
  ASSERT_TRUE(ApplyListenerEvent(*db_, play));
  ASSERT_TRUE(ApplyListenerEvent(*db_, play));  // a repeat
  play.seq = 2;
  play.at_us = 150;
  ASSERT_TRUE(ApplyListenerEvent(*db_, play));
  auto counts = PlayCounts(*db_, "alice").value();
  EXPECT_EQ(counts[play.track].count, 2);
  EXPECT_EQ(counts[play.track].last_us, 150);
}

TEST_F(ListenerTables, PlaylistsAreWholeStatesAndDeletesAreTombstones) {
  auto pl = Event(a_, 1, 100, ListenerKind::kPlaylist);
  pl.item = "pl-1";
  pl.name = "First";
  pl.tracks.resize(2);
  auto newer = pl;
  newer.origin = b_;
  newer.at_us = 200;
  newer.name = "Second";
  newer.tracks.resize(1);
  ASSERT_TRUE(ApplyListenerEvent(*db_, newer));
  ASSERT_TRUE(ApplyListenerEvent(*db_, pl));  // older: ignored
  auto found = FindPlaylist(*db_, "pl-1").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Second");
  EXPECT_EQ(found->tracks.size(), 1u);
  auto del = Event(a_, 2, 300, ListenerKind::kPlaylistDelete);
  del.item = "pl-1";
  ASSERT_TRUE(ApplyListenerEvent(*db_, del));
  EXPECT_FALSE(FindPlaylist(*db_, "pl-1").value());
  auto revived = newer;
  revived.seq = 2;
  revived.at_us = 250;  // older than the delete: stays deleted
  ASSERT_TRUE(ApplyListenerEvent(*db_, revived));
  EXPECT_FALSE(FindPlaylist(*db_, "pl-1").value());
  EXPECT_TRUE(ListPlaylists(*db_, "alice").value().empty());
}

TEST_F(ListenerTables, RecordedEventsAreNumberedAndFoundByHeadsAndArrival) {
  auto e = Event(a_, 0, 100, ListenerKind::kStar);
  auto first = RecordListenerEvent(*db_, a_, e).value();
  auto second = RecordListenerEvent(*db_, a_, e).value();
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(second.seq, 2u);
  ASSERT_TRUE(ApplyListenerEvent(*db_, Event(b_, 1, 50, ListenerKind::kUnstar)));
  ListenerHeads theirs;
  theirs[a_] = 1;
  auto missing = ListenerEventsMissing(*db_, theirs, 100).value();
  ASSERT_EQ(missing.size(), 2u);  // a's second and all of b's
  auto since = ListenerEventsSince(*db_, 0, 100).value();
  EXPECT_EQ(since.first.size(), 3u);
  EXPECT_EQ(ListenerEventsSince(*db_, since.second, 100).value().first.size(), 0u);
  EXPECT_EQ(LastListenerArrival(*db_).value(), since.second);
}

}  // namespace
}  // namespace hearth::store

#include <gtest/gtest.h>

#include "protocol/listener_events.h"

namespace hearth {
namespace {

ListenerEvent Base(ListenerKind kind) {
  ListenerEvent e;
  e.origin.bytes.fill(7);
  e.seq = 3;
  e.at_us = 1'790'000'000'000'000;
  e.user = "alice";
  e.kind = kind;
  return e;
}

TEST(ListenerEvents, EveryKindRoundTrips) {
  std::vector<ListenerEvent> all;
  auto star = Base(ListenerKind::kStar);
  star.item_kind = "album";
  star.item = "al-0123";
  all.push_back(star);
  auto unstar = star;
  unstar.kind = ListenerKind::kUnstar;
  all.push_back(unstar);
  auto play = Base(ListenerKind::kPlay);
  play.track.bytes.fill(9);
  all.push_back(play);
  auto pl = Base(ListenerKind::kPlaylist);
  pl.item = "pl-00ff";
  pl.name = "Road trip ☀";
  pl.comment = "for the car";
  pl.is_public = true;
  pl.created_us = 5;
  pl.tracks.resize(3);
  pl.tracks[1].bytes.fill(1);
  all.push_back(pl);
  auto del = Base(ListenerKind::kPlaylistDelete);
  del.item = "pl-00ff";
  all.push_back(del);
  std::vector<Bytes> encoded;
  for (const auto& e : all) {
    Bytes b = EncodeListenerEvent(e);
    auto back = DecodeListenerEvent(b);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, e);
    encoded.push_back(b);
  }
  auto batch = DecodeListenerEvents(EncodeListenerEvents(encoded));
  ASSERT_TRUE(batch);
  EXPECT_EQ(*batch, all);
}

TEST(ListenerEvents, MalformedEventsAreRefused) {
  auto star = Base(ListenerKind::kStar);
  star.item_kind = "song";
  star.item = "x";
  Bytes good = EncodeListenerEvent(star);
  Bytes bad = good;
  bad[0] = 2;  // version
  EXPECT_FALSE(DecodeListenerEvent(bad));
  bad = good;
  bad.push_back(0);  // trailing
  EXPECT_FALSE(DecodeListenerEvent(bad));
  EXPECT_FALSE(DecodeListenerEvent(ByteSpan(good.data(), good.size() - 1)));  // cut
  auto weird = star;
  weird.item_kind = "podcast";
  EXPECT_FALSE(DecodeListenerEvent(EncodeListenerEvent(weird)));
  auto zero = star;
  zero.seq = 0;
  EXPECT_FALSE(DecodeListenerEvent(EncodeListenerEvent(zero)));
  auto nobody = star;
  nobody.user.clear();
  EXPECT_FALSE(DecodeListenerEvent(EncodeListenerEvent(nobody)));
  Bytes kind = good;
  kind[1 + 32 + 8 + 8 + 2 + 5] = 9;  // after version, origin, seq, at, str("alice")
  EXPECT_FALSE(DecodeListenerEvent(kind));
}

TEST(ListenerEvents, HeadsAreCanonical) {
  ListenerHeads heads;
  DeviceId a, b;
  a.bytes.fill(1);
  b.bytes.fill(2);
  heads[a] = 4;
  heads[b] = 10;
  Bytes enc = EncodeListenerHeads(heads);
  EXPECT_EQ(DecodeListenerHeads(enc).value(), heads);
  // The same heads in the other order, or an origin twice, do not decode.
  Bytes swapped = enc;
  std::swap_ranges(swapped.begin() + 4, swapped.begin() + 44, swapped.begin() + 44);
  EXPECT_FALSE(DecodeListenerHeads(swapped));
  Bytes twice = enc;
  std::copy(enc.begin() + 4, enc.begin() + 44, twice.begin() + 44);
  EXPECT_FALSE(DecodeListenerHeads(twice));
  EXPECT_FALSE(DecodeListenerHeads(Bytes{0, 0, 0, 5}));  // claims 5, has none
}

}  // namespace
}  // namespace hearth

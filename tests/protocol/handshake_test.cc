#include "protocol/handshake.h"

#include <gtest/gtest.h>

#include "protocol/frame_codec.h"
#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::IdOf;
using testing::KeyFor;

class HandshakeTest : public ::testing::Test {
 protected:
  HandshakeTest() : a(KeyFor(1)), b(KeyFor(2)), outsider(KeyFor(9)) { household.bytes.fill(0x42); }
  MemberCheck Members(std::vector<DeviceId> ids) {
    return [ids](const DeviceId& d) { return std::find(ids.begin(), ids.end(), d) != ids.end(); };
  }
  MemberCheck Both() { return Members({IdOf(a), IdOf(b)}); }

  crypto::DeviceKey a, b, outsider;
  HouseholdId household;
};

TEST_F(HandshakeTest, TwoMembersAuthenticateAndShareKeys) {
  auto [init, m1] = Handshake::Initiate(a, household, crypto::EphemeralKey::Generate(), Both());
  Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
  auto m2 = resp.Receive(m1);
  ASSERT_TRUE(m2) << m2.error().detail;
  auto m3 = init.Receive(*m2);
  ASSERT_TRUE(m3) << m3.error().detail;
  ASSERT_TRUE(init.done());
  auto end = resp.Receive(*m3);
  ASSERT_TRUE(end) << end.error().detail;
  EXPECT_TRUE(end->empty());
  ASSERT_TRUE(resp.done());
  EXPECT_EQ(init.peer(), IdOf(b));
  EXPECT_EQ(resp.peer(), IdOf(a));

  SessionKeys ki = init.TakeKeys(), kr = resp.TakeKeys();
  FrameWriter a_out(ki.send), b_out(kr.send);
  FrameReader a_in(ki.receive), b_in(kr.receive);
  auto got = b_in.Feed(a_out.Encode(7, AsBytes("hello")));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].type, 7);
  EXPECT_EQ((*got)[0].payload, Bytes(AsBytes("hello").begin(), AsBytes("hello").end()));
  auto back = a_in.Feed(b_out.Encode(8, {}));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0].type, 8);
  // A frame sealed for one direction does not open in the other.
  FrameReader wrong(ki.send);
  EXPECT_FALSE(wrong.Feed(b_out.Encode(1, {})));
}

TEST_F(HandshakeTest, ANonMemberResponderIsRefusedBeforeTheInitiatorSaysMore) {
  auto [init, m1] = Handshake::Initiate(a, household, crypto::EphemeralKey::Generate(), Both());
  Handshake resp = Handshake::Respond(outsider, household, crypto::EphemeralKey::Generate(),
                                      Members({IdOf(a), IdOf(outsider)}));
  auto m2 = resp.Receive(m1);
  ASSERT_TRUE(m2);
  auto m3 = init.Receive(*m2);
  ASSERT_FALSE(m3);
  EXPECT_EQ(m3.error().code, HandshakeErrc::kNotMember);
  EXPECT_FALSE(init.done());
}

TEST_F(HandshakeTest, ANonMemberInitiatorIsRefused) {
  auto [init, m1] = Handshake::Initiate(outsider, household, crypto::EphemeralKey::Generate(),
                                        Members({IdOf(b), IdOf(outsider)}));
  Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
  auto m3 = init.Receive(*resp.Receive(m1));
  ASSERT_TRUE(m3);
  auto end = resp.Receive(*m3);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, HandshakeErrc::kNotMember);
  EXPECT_FALSE(resp.done());
}

TEST_F(HandshakeTest, HelloForAnotherHouseholdIsRefused) {
  HouseholdId other = household;
  other.bytes[0] ^= 1;
  auto [init, m1] = Handshake::Initiate(a, other, crypto::EphemeralKey::Generate(), Both());
  Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
  auto m2 = resp.Receive(m1);
  ASSERT_FALSE(m2);
  EXPECT_EQ(m2.error().code, HandshakeErrc::kNotForUs);
}

TEST_F(HandshakeTest, EveryAlteredByteOfEveryMessageIsRefused) {
  for (int which = 1; which <= 3; ++which) {
    for (size_t at = 0;; ++at) {
      auto [init, m1] = Handshake::Initiate(a, household, crypto::EphemeralKey::Generate(), Both());
      Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
      if (which == 1) {
        if (at >= m1.size()) break;
        m1[at] ^= 0x01;
        EXPECT_FALSE(resp.Receive(m1)) << "M1 byte " << at;
        continue;
      }
      Bytes m2 = *resp.Receive(m1);
      if (which == 2) {
        if (at >= m2.size()) break;
        m2[at] ^= 0x01;
        EXPECT_FALSE(init.Receive(m2)) << "M2 byte " << at;
        continue;
      }
      Bytes m3 = *init.Receive(m2);
      if (at >= m3.size()) break;
      m3[at] ^= 0x01;
      EXPECT_FALSE(resp.Receive(m3)) << "M3 byte " << at;
    }
  }
}

TEST_F(HandshakeTest, TruncatedOutOfTurnFutureAndReplayedMessagesAreRefused) {
  auto [init, m1] = Handshake::Initiate(a, household, crypto::EphemeralKey::Generate(), Both());
  {
    Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
    EXPECT_EQ(resp.Receive(ByteSpan(m1.data(), 20)).error().code, HandshakeErrc::kMalformed);
    EXPECT_EQ(resp.Receive(m1).error().code, HandshakeErrc::kUnexpected);  // dead after an error
  }
  {
    Bytes future = m1;
    future[4] = 2;
    Handshake resp = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
    auto r = resp.Receive(future);
    EXPECT_EQ(r.error().code, HandshakeErrc::kVersion);
    EXPECT_NE(r.error().detail.find("version 2"), std::string::npos);
  }
  // M3 of one session replayed into another fails (other ephemeral keys).
  Handshake resp1 = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
  Bytes m3 = *init.Receive(*resp1.Receive(m1));
  Handshake resp2 = Handshake::Respond(b, household, crypto::EphemeralKey::Generate(), Both());
  ASSERT_TRUE(resp2.Receive(m1));
  EXPECT_EQ(resp2.Receive(m3).error().code, HandshakeErrc::kBadSignature);
}

TEST_F(HandshakeTest, ADeviceTalkingToItselfIsRefused) {
  auto [init, m1] = Handshake::Initiate(a, household, crypto::EphemeralKey::Generate(), Both());
  Handshake resp = Handshake::Respond(a, household, crypto::EphemeralKey::Generate(), Both());
  auto m3 = init.Receive(*resp.Receive(m1));
  ASSERT_FALSE(m3);
  EXPECT_EQ(m3.error().code, HandshakeErrc::kSelf);
}

class FrameTest : public ::testing::Test {
 protected:
  crypto::Secret<32> key = crypto::Secret<32>::Random();
};

TEST_F(FrameTest, FramesSurviveAnySplitOfTheByteStream) {
  FrameWriter w(key);
  Bytes stream;
  for (int i = 0; i < 20; ++i) {
    Bytes f = w.Encode(static_cast<uint8_t>(i), Bytes(static_cast<size_t>(i * 37), static_cast<uint8_t>(i)));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameReader r(key);
  std::vector<Frame> got;
  for (size_t at = 0; at < stream.size(); at += 3) {
    auto frames = r.Feed(ByteSpan(stream.data() + at, std::min<size_t>(3, stream.size() - at)));
    ASSERT_TRUE(frames);
    got.insert(got.end(), frames->begin(), frames->end());
  }
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(got[i].type, i);
    EXPECT_EQ(got[i].payload.size(), static_cast<size_t>(i * 37));
  }
}

TEST_F(FrameTest, ReplayedReorderedAlteredAndOversizedFramesEndTheSession) {
  FrameWriter w(key);
  Bytes f1 = w.Encode(1, Bytes(10, 1)), f2 = w.Encode(2, Bytes(10, 2));
  {
    FrameReader r(key);
    ASSERT_TRUE(r.Feed(f1));
    EXPECT_FALSE(r.Feed(f1));  // replayed
    EXPECT_FALSE(r.Feed(f2));  // and the session is over
  }
  {
    FrameReader r(key);
    EXPECT_FALSE(r.Feed(f2));  // out of order
  }
  {
    FrameReader r(key);
    Bytes bad = f1;
    bad[8] ^= 1;
    EXPECT_FALSE(r.Feed(bad));
  }
  {
    FrameReader r(key);
    auto res = r.Feed(Bytes{0x7f, 0xff, 0xff, 0xff});
    ASSERT_FALSE(res);
    EXPECT_NE(res.error().detail.find("out of bounds"), std::string::npos);
  }
}

}  // namespace
}  // namespace hearth

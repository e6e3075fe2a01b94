// Pairing codes and mesh messages: round trips, and refusal of every
// truncation and of out-of-range fields.
#include <gtest/gtest.h>

#include "crypto/sodium.h"
#include "protocol/mesh_messages.h"
#include "protocol/pairing.h"
#include "tests/support/decode_checks.h"

namespace hearth {
namespace {

InviteCode SampleCode() {
  InviteCode c;
  crypto::RandomBytes(c.household.bytes.data(), 32);
  crypto::RandomBytes(c.inviter.bytes.data(), 32);
  crypto::RandomBytes(c.secret.data(), 16);
  c.addresses.push_back(*ParseInviteAddress("127.0.0.1:7601"));
  c.addresses.push_back(*ParseInviteAddress("[::1]:7601"));
  return c;
}

TEST(PairingTest, InviteCodeRoundTripsAndRejectsDamage) {
  InviteCode c = SampleCode();
  std::string text = EncodeInviteCode(c);
  EXPECT_TRUE(text.starts_with("hearth1-"));
  auto back = DecodeInviteCode(text + "\n");
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->addresses[1].ToString(), "[::1]:7601");
  // In capitals (as a QR code carries it): the same code.
  std::string upper = text;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ASSERT_TRUE(DecodeInviteCode(upper).has_value());
  EXPECT_EQ(*DecodeInviteCode(upper), c);
  // Every single-character change is caught (checksum or layout).
  for (size_t i = 8; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = bad[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(DecodeInviteCode(bad).has_value()) << i;
  }
  for (size_t n = 0; n < text.size(); ++n) EXPECT_FALSE(DecodeInviteCode(text.substr(0, n)).has_value()) << n;
  EXPECT_FALSE(DecodeInviteCode("hello").has_value());
}

TEST(PairingTest, ParsesAddresses) {
  EXPECT_FALSE(ParseInviteAddress("127.0.0.1").has_value());
  EXPECT_FALSE(ParseInviteAddress("127.0.0.1:0").has_value());
  EXPECT_FALSE(ParseInviteAddress("127.0.0.1:70000").has_value());
  EXPECT_FALSE(ParseInviteAddress("example.org:80").has_value());
  EXPECT_EQ(ParseInviteAddress("10.1.2.3:9")->ToString(), "10.1.2.3:9");
}

TEST(PairingTest, JoinProofBindsSecretAndBothDevices) {
  InviteCode c = SampleCode();
  DeviceId joiner, other;
  crypto::RandomBytes(joiner.bytes.data(), 32);
  crypto::RandomBytes(other.bytes.data(), 32);
  auto proof = JoinProof(c.secret, c.household, c.inviter, joiner);
  EXPECT_EQ(proof, JoinProof(c.secret, c.household, c.inviter, joiner));
  EXPECT_NE(proof, JoinProof(c.secret, c.household, c.inviter, other));
  EXPECT_NE(proof, JoinProof(c.secret, c.household, other, joiner));
  auto secret2 = c.secret;
  secret2[0] ^= 1;
  EXPECT_NE(proof, JoinProof(secret2, c.household, c.inviter, joiner));
  EXPECT_NE(InviteIdOf(c.secret), InviteIdOf(secret2));
}

using testing::ExpectEveryTruncationRefused;

TEST(MeshMessagesTest, RoundTripAndTruncation) {
  JoinRequest j;
  j.invite_id[3] = 7;
  j.proof[5] = 9;
  j.device_name = "laptop";
  EXPECT_EQ(*DecodeJoin(EncodeJoin(j)), j);
  ExpectEveryTruncationRefused(EncodeJoin(j), DecodeJoin);

  Welcome w;
  w.content_secret = std::array<uint8_t, 32>{1, 2, 3};
  EXPECT_EQ(*DecodeWelcome(EncodeWelcome(w)), w);
  ExpectEveryTruncationRefused(EncodeWelcome(w), DecodeWelcome);
  Welcome storage_with_secret = w;
  storage_with_secret.role = Role::kStorage;
  EXPECT_FALSE(DecodeWelcome(EncodeWelcome(storage_with_secret)).has_value())
      << "a storage device must never be handed the content secret";
  Welcome storage;
  storage.role = Role::kStorage;
  EXPECT_EQ(*DecodeWelcome(EncodeWelcome(storage)), storage);

  std::vector<BlobId> blobs(kMaxHaveIds + 5);
  for (size_t i = 0; i < blobs.size(); ++i) blobs[i].bytes[0] = static_cast<uint8_t>(i), blobs[i].bytes[1] = static_cast<uint8_t>(i >> 8);
  auto frames = EncodeHaveSet(blobs);
  ASSERT_EQ(frames.size(), 2u);
  auto first = DecodeHave(frames[0]);
  auto second = DecodeHave(frames[1]);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->replace);
  EXPECT_FALSE(second->replace);
  EXPECT_EQ(first->blobs.size() + second->blobs.size(), blobs.size());
  auto empty = EncodeHaveSet({});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(DecodeHave(empty[0])->replace);
  auto additions = EncodeHaveAdditions(blobs);
  ASSERT_EQ(additions.size(), 2u);
  EXPECT_FALSE(DecodeHave(additions[0])->replace);
  EXPECT_FALSE(DecodeHave(additions[1])->replace);
  EXPECT_EQ(DecodeHave(additions[0])->blobs.size() + DecodeHave(additions[1])->blobs.size(), blobs.size());
  EXPECT_TRUE(EncodeHaveAdditions({}).empty()) << "nothing new: nothing to send";

  TorrentReply t{blobs[1], Bytes{1, 2, 3}};
  EXPECT_EQ(*DecodeTorrentReply(EncodeTorrentReply(t)), t);
  ExpectEveryTruncationRefused(EncodeTorrentReply(t), DecodeTorrentReply);
  TorrentReply none{blobs[1], std::nullopt};
  EXPECT_EQ(*DecodeTorrentReply(EncodeTorrentReply(none)), none);

  std::vector<PeerAddress> peers = {{DeviceId{}, *ParseInviteAddress("127.0.0.1:5")},
                                    {DeviceId{}, *ParseInviteAddress("[::1]:6")}};
  EXPECT_EQ(*DecodePeers(EncodePeers(peers)), peers);
  ExpectEveryTruncationRefused(EncodePeers(peers), DecodePeers);
}

}  // namespace
}  // namespace hearth

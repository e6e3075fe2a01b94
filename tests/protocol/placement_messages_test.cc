#include "protocol/placement_messages.h"

#include <gtest/gtest.h>

#include "tests/support/decode_checks.h"

namespace hearth {
namespace {

using testing::ExpectEveryTruncationRefused;

TEST(PlacementMessages, StateRoundTripsWithAndWithoutALimit) {
  DeviceState s{973, true, 123456789, 5'000'000'000'000};
  EXPECT_EQ(DecodeDeviceState(EncodeDeviceState(s)), s);
  ExpectEveryTruncationRefused(EncodeDeviceState(s), DecodeDeviceState);
  DeviceState unlimited{0, false, 0, std::nullopt};
  EXPECT_EQ(DecodeDeviceState(EncodeDeviceState(unlimited)), unlimited);
  ExpectEveryTruncationRefused(EncodeDeviceState(unlimited), DecodeDeviceState);
}

TEST(PlacementMessages, AnImpossibleAvailabilityOrUnknownFlagIsRefusedWithAReason) {
  Bytes bytes = EncodeDeviceState(DeviceState{1000, false, 1, std::nullopt});
  bytes[1] = 0x03;
  bytes[2] = 0xe9;  // 1001
  auto r = DecodeDeviceState(bytes);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("1001/1000 is impossible"), std::string::npos) << r.error();
  bytes = EncodeDeviceState(DeviceState{10, false, 1, std::nullopt});
  bytes[3] = 0x80;
  EXPECT_FALSE(DecodeDeviceState(bytes));
  bytes[3] = 0;
  bytes[0] = 2;  // a newer version
  EXPECT_FALSE(DecodeDeviceState(bytes));
}

TEST(PlacementMessages, ProveAndProofRoundTrip) {
  ProveRequest p;
  p.blob.bytes.fill(7);
  p.chunk = 0x01020304;
  p.nonce.fill(9);
  EXPECT_EQ(DecodeProve(EncodeProve(p)), p);
  ExpectEveryTruncationRefused(EncodeProve(p), DecodeProve);

  const Bytes chunk(65536, 0x5a);
  ProofReply keeps{p.blob, p.chunk, p.nonce, Possession::kHoldsAndKeeps, ProofDigest(p, chunk)};
  EXPECT_EQ(DecodeProof(EncodeProof(keeps)), keeps);
  ExpectEveryTruncationRefused(EncodeProof(keeps), DecodeProof);
  ProofReply lacks{p.blob, p.chunk, p.nonce, Possession::kLacks, {}};
  EXPECT_EQ(DecodeProof(EncodeProof(lacks)), lacks);
  ExpectEveryTruncationRefused(EncodeProof(lacks), DecodeProof);
  Bytes unknown = EncodeProof(lacks);
  unknown.back() = 3;
  EXPECT_FALSE(DecodeProof(unknown));
}

TEST(PlacementMessages, AProofDigestBindsTheNonceTheBlobTheChunkAndItsBytes) {
  ProveRequest p;
  p.blob.bytes.fill(7);
  p.chunk = 3;
  p.nonce.fill(1);
  const Bytes chunk(1000, 0x11);
  const auto d = ProofDigest(p, chunk);
  ProveRequest other_nonce = p;
  other_nonce.nonce[0] = 2;
  ProveRequest other_chunk = p;
  other_chunk.chunk = 4;
  ProveRequest other_blob = p;
  other_blob.blob.bytes[31] = 8;
  Bytes flipped = chunk;
  flipped[999] ^= 1;
  EXPECT_NE(ProofDigest(other_nonce, chunk), d);
  EXPECT_NE(ProofDigest(other_chunk, chunk), d);
  EXPECT_NE(ProofDigest(other_blob, chunk), d);
  EXPECT_NE(ProofDigest(p, flipped), d);
  EXPECT_EQ(ProofDigest(p, chunk), d);
}

}  // namespace
}  // namespace hearth

#include "protocol/claim_details.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

crypto::ContentSecret Secret(uint8_t b) {
  std::array<uint8_t, 32> s;
  s.fill(b);
  return crypto::ContentSecret::FromBytes(s);
}

ClaimDetails Sample() {
  ClaimDetails d;
  d.track.bytes.fill(1);
  d.file.bytes.fill(2);
  d.format = "flac";
  d.duration_ms = 215000;
  d.metadata = {{"title", "Jóga"}, {"artist", "Björk"}, {"album", "Homogenic"}};
  d.provenance = Provenance::kPurchased;
  d.provenance_detail = "Bandcamp";
  d.acquired_us = 1700000000000000;
  return d;
}

TEST(ClaimDetails, EncodingIsCanonicalAndRoundTrips) {
  ClaimDetails d = Sample();
  Bytes a = EncodeClaimDetails(d);
  std::reverse(d.metadata.begin(), d.metadata.end());
  EXPECT_EQ(EncodeClaimDetails(d), a);  // metadata order does not matter
  auto back = DecodeClaimDetails(a);
  ASSERT_TRUE(back);
  std::sort(d.metadata.begin(), d.metadata.end());
  EXPECT_EQ(*back, d);
  a.push_back(0);
  EXPECT_FALSE(DecodeClaimDetails(a));
}

TEST(ClaimDetails, OnlyTheHouseholdSecretOpensAndOnlyForTheSameClaim) {
  HouseholdId h;
  h.bytes.fill(3);
  DeviceId author;
  author.bytes.fill(4);
  BlobId blob;
  blob.bytes.fill(5);
  Bytes sealed = SealClaimDetails(Secret(9), h, author, blob, Sample());
  auto opened = OpenClaimDetails(Secret(9), h, author, blob, sealed);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(opened->format, "flac");
  EXPECT_FALSE(OpenClaimDetails(Secret(8), h, author, blob, sealed));
  BlobId other = blob;
  other.bytes[0] ^= 1;
  EXPECT_FALSE(OpenClaimDetails(Secret(9), h, author, other, sealed));  // moved to another blob
  sealed[30] ^= 1;
  EXPECT_FALSE(OpenClaimDetails(Secret(9), h, author, blob, sealed));
}

}  // namespace
}  // namespace hearth

#include "crypto/sealed_box.h"

#include <gtest/gtest.h>

namespace hearth::crypto {
namespace {

TEST(SealedBox, RoundTripsAndRejectsAnyChange) {
  auto key = Secret<32>::Random();
  Bytes ad = {9, 9};
  Bytes msg(100, 0x5a);
  Bytes box = SealBox(key, ad, msg);
  ASSERT_EQ(box.size(), msg.size() + kSealedBoxOverhead);
  auto opened = OpenBox(key, ad, box);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, msg);
  for (size_t i = 0; i < box.size(); ++i) {
    Bytes bad = box;
    bad[i] ^= 0x01;
    EXPECT_FALSE(OpenBox(key, ad, bad)) << "flip at " << i;
  }
  EXPECT_FALSE(OpenBox(key, Bytes{9, 8}, box));
  EXPECT_FALSE(OpenBox(Secret<32>::Random(), ad, box));
  EXPECT_FALSE(OpenBox(key, ad, ByteSpan(box.data(), 39)));
}

TEST(SealedBox, UsesAFreshNonceEachTime) {
  auto key = Secret<32>::Random();
  EXPECT_NE(SealBox(key, {}, Bytes{1}), SealBox(key, {}, Bytes{1}));
}

}  // namespace
}  // namespace hearth::crypto

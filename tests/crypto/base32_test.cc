#include "crypto/base32.h"

#include <gtest/gtest.h>

namespace hearth::crypto {
namespace {

TEST(Base32, MatchesRfc4648VectorsInLowercaseWithoutPadding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},          {"f", "my"},          {"fo", "mzxq"},          {"foo", "mzxw6"},
      {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base32Encode(AsBytes(plain)), encoded);
    auto back = Base32Decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(std::string(back->begin(), back->end()), plain);
  }
}

TEST(Base32, DecodesUppercaseAndRejectsForeignCharacters) {
  EXPECT_TRUE(Base32Decode("MZXW6"));
  EXPECT_FALSE(Base32Decode("mzxw1"));
  EXPECT_FALSE(Base32Decode("mzx="));
}

TEST(Base32, RejectsNonCanonicalTrailingBits) {
  // "my" is "f"; "mz" differs only in the unused trailing bits.
  EXPECT_TRUE(Base32Decode("my"));
  EXPECT_FALSE(Base32Decode("mz"));
  EXPECT_FALSE(Base32Decode("m"));  // not even one byte
}

TEST(Base32, ThirtyTwoByteKeysEncodeTo52Characters) {
  Bytes key(32, 0xab);
  EXPECT_EQ(Base32Encode(key).size(), 52u);
}

}  // namespace
}  // namespace hearth::crypto

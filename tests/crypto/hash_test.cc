#include "crypto/hash.h"

#include <gtest/gtest.h>

namespace hearth::crypto {
namespace {

TEST(Blake2b, KnownAnswers) {
  EXPECT_EQ(ToHex(Blake2b256(AsBytes(""))),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(ToHex(Blake2b256(AsBytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Blake2b, StreamingEqualsOneShotWhateverThePieces) {
  Bytes data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);
  Blake2bStream s;
  size_t at = 0, step = 1;
  while (at < data.size()) {
    size_t n = std::min(step, data.size() - at);
    s.Update(ByteSpan(data.data() + at, n));
    at += n;
    step = step * 3 + 1;
  }
  EXPECT_EQ(s.Finish(), Blake2b256(data));
}

TEST(Blake2b, KeyedDiffersByKeyAndMatchesStream) {
  Bytes k1(32, 1), k2(32, 2);
  auto a = Blake2b256Keyed(k1, AsBytes("x"));
  EXPECT_NE(a, Blake2b256Keyed(k2, AsBytes("x")));
  EXPECT_NE(a, Blake2b256(AsBytes("x")));
  Blake2bStream s(k1);
  s.Update(AsBytes("x"));
  EXPECT_EQ(s.Finish(), a);
}

}  // namespace
}  // namespace hearth::crypto

#include "protocol/byte_io.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(ByteIo, WritesBigEndianAndReadsBack) {
  ByteWriter w;
  w.U8(1);
  w.U16(0x0203);
  w.U32(0x04050607);
  w.U64(0x08090a0b0c0d0e0full);
  w.I64(-2);
  w.Str("hé");
  w.Blob(Bytes{9, 9});
  EXPECT_EQ(ToHex(w.bytes()),
            "01" "0203" "04050607" "08090a0b0c0d0e0f" "fffffffffffffffe" "0003" "68c3a9" "00000002" "0909");
  ByteReader r(w.bytes());
  EXPECT_EQ(r.U8(), 1);
  EXPECT_EQ(r.U16(), 0x0203);
  EXPECT_EQ(r.U32(), 0x04050607u);
  EXPECT_EQ(r.U64(), 0x08090a0b0c0d0e0full);
  EXPECT_EQ(r.I64(), -2);
  EXPECT_EQ(r.Str(10), "hé");
  EXPECT_EQ(r.Blob(10), (Bytes{9, 9}));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteIo, ReaderLatchesFailureInsteadOfOverreading) {
  Bytes b = {0, 5, 'a'};
  ByteReader r(b);
  EXPECT_EQ(r.Str(100), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.U64(), 0u);
}

TEST(ByteIo, StrEnforcesLimitAndUtf8) {
  ByteWriter w;
  w.Str("abcdef");
  ByteReader r(w.bytes());
  r.Str(5);
  EXPECT_FALSE(r.ok());
  Bytes bad = {0, 2, 0xc3, 0x28};
  ByteReader r2(bad);
  r2.Str(10);
  EXPECT_FALSE(r2.ok());
}

TEST(Utf8, AcceptsValidAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Björk – 東京 🎵"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(AsciiLower, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Björk ABC-xyz 09"), "björk abc-xyz 09");
  EXPECT_EQ(AsciiLower("ÉCOLE"), "École");  // multi-byte letters stay as they are
  EXPECT_EQ(AsciiLower(""), "");
}

}  // namespace
}  // namespace hearth

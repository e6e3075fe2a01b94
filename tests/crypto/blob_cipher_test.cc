#include "crypto/blob_cipher.h"

#include <gtest/gtest.h>

#include <random>

#include "crypto/content_secret.h"
#include "crypto/hash.h"

namespace hearth::crypto {
namespace {

Bytes Pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

ContentSecret FixedSecret(uint8_t base = 0) {
  std::array<uint8_t, 32> s;
  for (int i = 0; i < 32; ++i) s[i] = static_cast<uint8_t>(base + i);
  return ContentSecret::FromBytes(s);
}

SubKey KeyFor(const ContentSecret& secret, ByteSpan file) {
  return secret.BlobKey(Blake2b256(file));
}

// Generated once from this implementation and committed: a silent change of
// the blob format, the key derivation or the chunking fails here. The values
// were cross-checked against an independent Python implementation of the
// format (hashlib BLAKE2b + the `cryptography` package's ChaCha20-Poly1305).
TEST(BlobCipher, KnownAnswerVectors) {
  ContentSecret secret = FixedSecret();
  Bytes file = Pattern(150000);
  SubKey key = KeyFor(secret, file);
  EXPECT_EQ(ToHex(key.span()), "12edb29d93811d08f52d5f57de6360948c56b9663764c461edbab518daab6dbd");
  Bytes blob = SealBlob(key, file);
  ASSERT_EQ(blob.size(), 150000u + 3 * 16);
  EXPECT_EQ(ToHex(Blake2b256(blob)), "e1b2d75ede57136747de1e782fa17d5a458a11dbfe84aa5c6022d9e8d8d9fd4f");
  EXPECT_EQ(ToHex(ByteSpan(blob.data(), 16)), "370d0be2b19d396ef020bf92542f7dea");
  Bytes empty_blob = SealBlob(KeyFor(secret, {}), {});
  EXPECT_EQ(ToHex(empty_blob), "2b6a82c68687d753792cd60347c0ec03");
}

TEST(BlobCipher, LengthsFollowTheChunking) {
  EXPECT_EQ(ChunkCount(0), 1u);
  EXPECT_EQ(ChunkCount(1), 1u);
  EXPECT_EQ(ChunkCount(65520), 1u);
  EXPECT_EQ(ChunkCount(65521), 2u);
  EXPECT_EQ(SealedLength(65520), 65536u);
  EXPECT_EQ(SealedLength(0), 16u);
  for (uint64_t len : {0ull, 1ull, 65519ull, 65520ull, 65521ull, 131040ull, 131041ull, 10000000ull}) {
    EXPECT_EQ(PlaintextLength(SealedLength(len)), len) << len;
  }
  EXPECT_FALSE(PlaintextLength(15));           // shorter than a tag
  EXPECT_FALSE(PlaintextLength(65536 + 10));   // last chunk cut inside its tag
  EXPECT_FALSE(PlaintextLength(65536 + 16));   // an empty chunk after a full one
}

TEST(BlobCipher, RoundTripsAtEveryBoundary) {
  ContentSecret secret = FixedSecret();
  for (size_t len : {0u, 1u, 65519u, 65520u, 65521u, 3u * 65520u, 3u * 65520u + 5u}) {
    Bytes file = Pattern(len);
    SubKey key = KeyFor(secret, file);
    Bytes blob = SealBlob(key, file);
    EXPECT_EQ(blob.size(), SealedLength(len));
    auto back = OpenBlob(key, blob);
    ASSERT_TRUE(back) << len;
    EXPECT_EQ(*back, file);
  }
}

TEST(BlobCipher, EveryFullSealedChunkIsOne64KiBPieceThatOpensAlone) {
  ContentSecret secret = FixedSecret();
  Bytes file = Pattern(4 * 65520 + 1000);
  SubKey key = KeyFor(secret, file);
  Bytes blob = SealBlob(key, file);
  BlobCipher cipher(key, file.size());
  ASSERT_EQ(cipher.chunk_count(), 5u);
  for (uint64_t i : {3u, 0u, 4u, 1u}) {  // any order: random access
    uint64_t n = PlainChunkLength(file.size(), i);
    Bytes out(n);
    auto r = cipher.OpenChunk(i, ByteSpan(blob.data() + i * 65536, n + 16), out);
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(*r, n);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), file.begin() + i * 65520));
  }
}

TEST(BlobCipher, SameFileSameHouseholdGivesSameBlobOtherHouseholdUnrelated) {
  Bytes file = Pattern(70000);
  EXPECT_EQ(SealBlob(KeyFor(FixedSecret(0), file), file),
            SealBlob(KeyFor(FixedSecret(0), file), file));
  Bytes other = SealBlob(KeyFor(FixedSecret(100), file), file);
  EXPECT_NE(SealBlob(KeyFor(FixedSecret(0), file), file), other);
}

TEST(BlobCipher, TamperedChunkFailsAuthentication) {
  Bytes file = Pattern(3 * 65520);
  SubKey key = KeyFor(FixedSecret(), file);
  Bytes blob = SealBlob(key, file);
  for (size_t at : {size_t{0}, size_t{65535}, size_t{65536 + 100}, blob.size() - 1}) {
    Bytes bad = blob;
    bad[at] ^= 0x80;
    auto r = OpenBlob(key, bad);
    ASSERT_FALSE(r) << at;
    EXPECT_EQ(r.error(), BlobError::kAuthFailed);
  }
}

TEST(BlobCipher, SwappedChunksFail) {
  Bytes file = Pattern(3 * 65520);
  SubKey key = KeyFor(FixedSecret(), file);
  Bytes blob = SealBlob(key, file);
  std::swap_ranges(blob.begin(), blob.begin() + 65536, blob.begin() + 65536);
  EXPECT_EQ(OpenBlob(key, blob).error(), BlobError::kAuthFailed);
  // A chunk presented as another index fails too.
  Bytes fresh = SealBlob(key, file);
  BlobCipher cipher(key, file.size());
  Bytes out(65520);
  EXPECT_TRUE(cipher.OpenChunk(0, ByteSpan(fresh.data(), 65536), out));
  EXPECT_FALSE(cipher.OpenChunk(1, ByteSpan(fresh.data(), 65536), out));
}

TEST(BlobCipher, DroppedLastChunkFails) {
  Bytes file = Pattern(3 * 65520);
  SubKey key = KeyFor(FixedSecret(), file);
  Bytes blob = SealBlob(key, file);
  Bytes shorter(blob.begin(), blob.begin() + 2 * 65536);
  // Two full chunks look like a 2-chunk blob, but chunk 1 was not sealed as
  // the last one of a 131,040-byte plaintext.
  EXPECT_EQ(OpenBlob(key, shorter).error(), BlobError::kAuthFailed);
  // With the true length known, the missing chunk is an index error.
  BlobCipher cipher(key, file.size());
  Bytes out(65520);
  EXPECT_EQ(cipher.OpenChunk(3, {}, out).error(), BlobError::kBadIndex);
}

TEST(BlobCipher, TruncatedBlobFails) {
  Bytes file = Pattern(65520 + 500);
  SubKey key = KeyFor(FixedSecret(), file);
  Bytes blob = SealBlob(key, file);
  for (size_t cut : {size_t{1}, size_t{10}, size_t{17}, size_t{400}}) {
    Bytes bad(blob.begin(), blob.end() - static_cast<long>(cut));
    EXPECT_FALSE(OpenBlob(key, bad)) << cut;
  }
}

TEST(BlobCipher, AnotherHouseholdsSecretCannotOpen) {
  Bytes file = Pattern(1000);
  Bytes blob = SealBlob(KeyFor(FixedSecret(0), file), file);
  EXPECT_EQ(OpenBlob(KeyFor(FixedSecret(1), file), blob).error(), BlobError::kAuthFailed);
}

TEST(BlobEncryptor, StreamingInRandomPiecesEqualsWholeBuffer) {
  std::mt19937 rng(42);
  for (size_t len : {0u, 1000u, 65520u, 200000u}) {
    Bytes file = Pattern(len);
    SubKey key = KeyFor(FixedSecret(), file);
    Bytes streamed;
    size_t chunks = 0;
    BlobEncryptor enc(key, len, [&](ByteSpan c) {
      ++chunks;
      EXPECT_LE(c.size(), 65536u);
      streamed.insert(streamed.end(), c.begin(), c.end());
      return true;
    });
    size_t at = 0;
    while (at < len) {
      size_t n = std::min<size_t>(std::uniform_int_distribution<size_t>(1, 90000)(rng), len - at);
      ASSERT_TRUE(enc.Write(ByteSpan(file.data() + at, n)));
      at += n;
    }
    ASSERT_TRUE(enc.Finish());
    EXPECT_EQ(chunks, ChunkCount(len));
    EXPECT_EQ(streamed, SealBlob(key, file)) << len;
  }
}

TEST(BlobEncryptor, RefusesWrongLengthAndReportsSinkFailure) {
  auto key = Secret<32>::Random();
  {
    BlobEncryptor enc(key, 10, [](ByteSpan) { return true; });
    EXPECT_TRUE(enc.Write(Bytes(5)));
    EXPECT_FALSE(enc.Finish());  // 5 of 10 bytes
  }
  {
    BlobEncryptor enc(key, 10, [](ByteSpan) { return true; });
    EXPECT_FALSE(enc.Write(Bytes(11)));
  }
  {
    BlobEncryptor enc(key, 200000, [](ByteSpan) { return false; });
    EXPECT_FALSE(enc.Write(Bytes(200000)));
    EXPECT_FALSE(enc.Finish());
  }
}

}  // namespace
}  // namespace hearth::crypto

// Blobs kept in place: the record's bytes, and reads that seal the original
// on the fly and refuse a file that changed.
#include "node/store/in_place.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "crypto/blob_cipher.h"
#include "crypto/sodium.h"
#include "node/store/blob_store.h"
#include "node/store/in_place_cache.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

// Writes `plain` to `path` and makes the record an import would.
InPlaceRecord Import(const std::string& path, const Bytes& plain, Bytes* sealed_out) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(plain.data()),
                                              static_cast<std::streamsize>(plain.size()));
  struct stat st{};
  ::stat(path.c_str(), &st);
  InPlaceRecord r;
  r.path = path;
  r.length = plain.size();
  r.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  r.inode = st.st_ino;
  r.key = crypto::Secret<32>::Random();
  *sealed_out = crypto::SealBlob(r.key, plain);
  for (uint64_t off = 0; off < sealed_out->size(); off += crypto::kSealedChunkSize)
    r.digests.push_back(DigestOfChunk(ByteSpan(*sealed_out).subspan(
        off, std::min<uint64_t>(crypto::kSealedChunkSize, sealed_out->size() - off))));
  return r;
}

// Records `r` in `store` under a made-up blob id.
BlobId AddUnderRandomId(BlobStore& store, const InPlaceRecord& r) {
  BlobId id;
  crypto::RandomBytes(id.bytes.data(), id.bytes.size());
  EXPECT_TRUE(store.AddInPlace(id, r));
  return id;
}

TEST(InPlace, TheRecordRoundTripsAndDamageIsRefused) {
  testing::TempDir dir;
  Bytes plain(200'000), sealed;
  crypto::RandomBytes(plain.data(), plain.size());
  InPlaceRecord r = Import(dir / "song.flac", plain, &sealed);
  const Bytes bytes = EncodeInPlace(r);
  auto back = DecodeInPlace(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->path, r.path);
  EXPECT_EQ(back->length, r.length);
  EXPECT_EQ(back->mtime_ns, r.mtime_ns);
  EXPECT_EQ(back->digests, r.digests);
  for (size_t cut = 0; cut < bytes.size(); cut += 7)
    EXPECT_FALSE(DecodeInPlace(ByteSpan(bytes).first(cut))) << cut;
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeInPlace(longer));
  Bytes bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_FALSE(DecodeInPlace(bad_magic));
}

// A record written by the first format (BLAKE2b-128 chunk digests, "HIP1")
// still reads, and a changed chunk is still refused by it; new records
// keep each chunk's own AEAD tag ("HIP2").
TEST(InPlace, RecordsOfTheFirstFormatStillReadAndRefuseDamage) {
  testing::TempDir dir;
  Bytes plain(2 * crypto::kPlainChunkSize + 123), sealed;
  crypto::RandomBytes(plain.data(), plain.size());
  InPlaceRecord r = Import(dir / "song.flac", plain, &sealed);
  EXPECT_EQ(EncodeInPlace(r)[3], '2');
  for (size_t i = 0; i < r.digests.size(); ++i) {
    const size_t end = std::min<size_t>((i + 1) * crypto::kSealedChunkSize, sealed.size());
    EXPECT_TRUE(std::equal(r.digests[i].begin(), r.digests[i].end(), sealed.begin() + static_cast<std::ptrdiff_t>(end - 16)))
        << "chunk " << i << ": its tag";
  }
  r.version = 1;
  r.digests.clear();
  for (uint64_t off = 0; off < sealed.size(); off += crypto::kSealedChunkSize)
    r.digests.push_back(DigestOfChunk(
        ByteSpan(sealed).subspan(off, std::min<uint64_t>(crypto::kSealedChunkSize, sealed.size() - off)), 1));
  const Bytes old = EncodeInPlace(r);
  EXPECT_EQ(old[3], '1');
  auto back = DecodeInPlace(old);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->version, 1);
  auto read = ReadInPlace(*back, 0, sealed.size());
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, sealed);
  back->digests[1][0] ^= 1;  // as if chunk 1 of the file had changed
  auto refused = ReadInPlace(*back, crypto::kSealedChunkSize, 100);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, StoreErrc::kChanged);
}

TEST(InPlace, ReadsSealTheOriginalAndAChangedFileGivesNoByte) {
  testing::TempDir dir;
  Bytes plain(3 * crypto::kPlainChunkSize + 500), sealed;
  crypto::RandomBytes(plain.data(), plain.size());
  InPlaceRecord r = Import(dir / "song.flac", plain, &sealed);
  auto whole = ReadInPlace(r, 0, sealed.size() + 100);
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(*whole, sealed);
  auto middle = ReadInPlace(r, 70'000, 100'000);
  ASSERT_TRUE(middle);
  EXPECT_EQ(*middle, Bytes(sealed.begin() + 70'000, sealed.begin() + 170'000));

  // Through the store: held, sized and read like a sealed copy, and
  // removing it leaves the original alone.
  std::filesystem::create_directories(dir / "home");
  auto store = BlobStore::Open(dir / "home");
  ASSERT_TRUE(store);
  const BlobId id = AddUnderRandomId(*store, r);
  EXPECT_TRUE(store->Has(id));
  EXPECT_TRUE(store->IsInPlace(id));
  EXPECT_EQ(store->SizeOf(id).value_or(0), sealed.size());
  EXPECT_EQ(store->Read(id, 0, 65536).value_or(Bytes{}), Bytes(sealed.begin(), sealed.begin() + 65536));
  EXPECT_EQ(store->List().value_or(std::vector<BlobId>{}), std::vector<BlobId>{id});

  // Same size, one byte different, mtime kept as it was: the digest of
  // that chunk says so.
  {
    std::fstream f(dir / "song.flac", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * crypto::kPlainChunkSize + 10);
    f.put(static_cast<char>(plain[2 * crypto::kPlainChunkSize + 10] ^ 1));
  }
  struct stat st{};
  ::stat((dir / "song.flac").c_str(), &st);
  r.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  EXPECT_TRUE(ReadInPlace(r, 0, 65536)) << "the chunks before it are unchanged";
  auto changed = ReadInPlace(r, 0, sealed.size());
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, StoreErrc::kChanged);
  // Through the store, whose record still has the old mtime: refused too.
  auto stale = store->Read(id, 0, 100);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, StoreErrc::kChanged);

  ASSERT_TRUE(store->Remove(id));
  EXPECT_FALSE(store->Has(id));
  EXPECT_TRUE(std::filesystem::exists(dir / "song.flac")) << "the original is the user's";
  std::filesystem::remove(dir / "song.flac");
  auto gone = ReadInPlace(r, 0, 100);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, StoreErrc::kChanged);
}

// The seed's cache of decoded records: a record re-pointed to a moved file
// is read again from the home, and a file that changed is still refused.
TEST(InPlace, TheCacheFollowsARecordThatMovedAndRefusesAChangedFile) {
  testing::TempDir dir;
  Bytes plain(2 * crypto::kPlainChunkSize + 7), sealed;
  crypto::RandomBytes(plain.data(), plain.size());
  InPlaceRecord r = Import(dir / "a.flac", plain, &sealed);
  std::filesystem::create_directories(dir / "home");
  auto store = BlobStore::Open(dir / "home");
  ASSERT_TRUE(store);
  const BlobId id = AddUnderRandomId(*store, r);
  InPlaceCache cache(*store);
  EXPECT_EQ(cache.Read(id, 0, sealed.size()).value(), sealed);

  // Moved; the store's record follows (as the folder watcher does).
  std::filesystem::rename(dir / "a.flac", dir / "b.flac");
  r.path = dir / "b.flac";
  ASSERT_TRUE(store->AddInPlace(id, r));
  auto moved = cache.Read(id, 1000, 70'000);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, Bytes(sealed.begin() + 1000, sealed.begin() + 71'000));

  // Rewritten with other bytes: no read succeeds through the cache.
  crypto::RandomBytes(plain.data(), plain.size());
  std::ofstream(dir / "b.flac", std::ios::binary)
      .write(reinterpret_cast<const char*>(plain.data()), static_cast<std::streamsize>(plain.size()));
  auto changed = cache.Read(id, 0, 100);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, StoreErrc::kChanged);
}

}  // namespace
}  // namespace hearth::store

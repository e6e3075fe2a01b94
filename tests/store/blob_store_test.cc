#include "node/store/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

BlobId Id(uint8_t b) {
  BlobId id;
  id.bytes.fill(b);
  return id;
}

size_t FilesUnder(const std::string& dir) {
  size_t n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
    n += f.is_regular_file() ? 1 : 0;
  return n;
}

TEST(BlobStore, CommittedBlobIsReadableWholeAndInRanges) {
  testing::TempDir dir;
  auto store = BlobStore::Open(dir.path());
  ASSERT_TRUE(store);
  auto w = store->Create();
  ASSERT_TRUE(w);
  Bytes data(200000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(w->Write(ByteSpan(data.data(), 1000)));
  ASSERT_TRUE(w->Write(ByteSpan(data.data() + 1000, data.size() - 1000)));
  EXPECT_FALSE(store->Has(Id(1)));
  ASSERT_TRUE(w->Commit(Id(1)));
  EXPECT_TRUE(store->Has(Id(1)));
  EXPECT_EQ(store->SizeOf(Id(1)).value(), 200000u);
  EXPECT_EQ(store->Read(Id(1), 0, 200000).value(), data);
  auto tail = store->Read(Id(1), 199990, 100).value();
  EXPECT_EQ(tail.size(), 10u);
  EXPECT_EQ(tail[0], data[199990]);
  EXPECT_EQ(store->List().value().size(), 1u);
  EXPECT_EQ(FilesUnder(dir / "tmp"), 0u);
}

TEST(BlobStore, AbandonedWriterLeavesNothing) {
  testing::TempDir dir;
  auto store = BlobStore::Open(dir.path());
  {
    auto w = store->Create();
    ASSERT_TRUE(w->Write(Bytes(5000, 1)));
    EXPECT_EQ(FilesUnder(dir / "blobs"), 0u);  // nothing is visible before Commit
  }
  EXPECT_EQ(FilesUnder(dir / "tmp"), 0u);
  EXPECT_EQ(FilesUnder(dir / "blobs"), 0u);
}

TEST(BlobStore, OpenSweepsTempFilesOfInterruptedWrites) {
  testing::TempDir dir;
  ASSERT_TRUE(BlobStore::Open(dir.path()));
  std::FILE* f = std::fopen((dir / "tmp/blob-deadbeef").c_str(), "w");
  std::fputs("half a blob", f);
  std::fclose(f);
  ASSERT_TRUE(BlobStore::Open(dir.path()));
  EXPECT_EQ(FilesUnder(dir / "tmp"), 0u);
}

TEST(BlobStore, ACommittedBlobIsNeverReplaced) {
  testing::TempDir dir;
  auto store = BlobStore::Open(dir.path());
  auto w1 = store->Create();
  ASSERT_TRUE(w1->Write(Bytes(10, 1)));
  ASSERT_TRUE(w1->Commit(Id(7)));
  auto w2 = store->Create();
  ASSERT_TRUE(w2->Write(Bytes(10, 2)));
  ASSERT_TRUE(w2->Commit(Id(7)));
  EXPECT_EQ(store->Read(Id(7), 0, 10).value(), Bytes(10, 1));
  EXPECT_EQ(FilesUnder(dir / "tmp"), 0u);
}

TEST(BlobStore, MissingBlobIsNotFound) {
  testing::TempDir dir;
  auto store = BlobStore::Open(dir.path());
  auto r = store->Read(Id(3), 0, 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrc::kNotFound);
}

}  // namespace
}  // namespace hearth::store

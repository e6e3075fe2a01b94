// VerifyBlob and the Scrubber on real files: a whole blob passes, one flipped
// byte fails, a missing file is no verdict; a blob asked for is checked at
// once even on a day-long pace, and damage is reported once per check.
#include "node/mesh/scrubber.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "crypto/sodium.h"
#include "node/swarm/blob_torrent.h"
#include "tests/support/temp_dir.h"

namespace hearth::mesh {
namespace {

// A blob of `size` random bytes in `blobs`, under its real id.
BlobId PutBlob(store::BlobStore& blobs, size_t size) {
  Bytes bytes(size);
  crypto::RandomBytes(bytes.data(), bytes.size());
  swarm::BlobTorrentBuilder builder;
  for (size_t at = 0; at < size; at += swarm::kPieceSize)
    builder.AddPiece(ByteSpan(bytes.data() + at, std::min<size_t>(swarm::kPieceSize, size - at)));
  const BlobId id = builder.Finish()->id;
  const std::string path = blobs.PathOf(id);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return id;
}

void FlipByte(const std::string& path, size_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 1);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

TEST(Scrubber, AWholeBlobPassesAFlippedByteFailsAMissingFileIsNoVerdict) {
  testing::TempDir dir;
  auto blobs = store::BlobStore::Open(dir.path());
  ASSERT_TRUE(blobs);
  for (size_t size : {size_t{1}, size_t{65536}, size_t{200'000}}) {
    const BlobId id = PutBlob(*blobs, size);
    EXPECT_EQ(VerifyBlob(blobs->PathOf(id), id), true) << size;
    FlipByte(blobs->PathOf(id), size - 1);
    EXPECT_EQ(VerifyBlob(blobs->PathOf(id), id), false) << size;
  }
  BlobId nowhere;
  nowhere.bytes.fill(3);
  EXPECT_FALSE(VerifyBlob(blobs->PathOf(nowhere), nowhere).has_value());
}

TEST(Scrubber, ABlobAskedForIsCheckedAtOnceEvenOnADayLongPace) {
  testing::TempDir dir;
  auto blobs = store::BlobStore::Open(dir.path());
  ASSERT_TRUE(blobs);
  const BlobId good = PutBlob(*blobs, 300'000), bad = PutBlob(*blobs, 300'000);
  FlipByte(blobs->PathOf(bad), 70'000);
  std::promise<BlobId> reported;
  auto future = reported.get_future();
  std::atomic<int> reports{0};
  Scrubber scrubber(*blobs, ScrubOptions{true, std::chrono::seconds(86400), 0.10},
                    [&](const BlobId& blob, const std::string& why) {
                      EXPECT_FALSE(why.empty());
                      if (reports++ == 0) reported.set_value(blob);
                    });
  scrubber.Start();
  scrubber.CheckNow(bad);
  ASSERT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(future.get(), bad);
  scrubber.Stop();
  EXPECT_GE(scrubber.verified(), 1u);
  (void)good;
}

}  // namespace
}  // namespace hearth::mesh

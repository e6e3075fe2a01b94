// FsyncWorker: jobs come back in order, failures are reported as such, the
// owner is told after each job, and destruction finishes what was queued.
#include "node/swarm/fsync_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/temp_dir.h"

namespace hearth::swarm {
namespace {

BlobId BlobNumber(uint8_t n) {
  BlobId b;
  b.bytes[0] = n;
  return b;
}

TEST(FsyncWorker, ReportsEachJobInOrderAndFailuresAsFailures) {
  testing::TempDir dir;
  const std::string good = dir / "good";
  std::ofstream(good) << "bytes";
  std::atomic<int> notified{0};
  FsyncWorker worker([&] { notified.fetch_add(1); });
  worker.Submit({BlobNumber(1), good, dir.path(), 11});
  worker.Submit({BlobNumber(2), dir / "missing", dir.path(), 22});
  worker.Submit({BlobNumber(3), good, dir / "no-such-dir", 33});

  std::vector<FsyncWorker::Job> done;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (done.size() < 3 && std::chrono::steady_clock::now() < until) {
    for (auto& j : worker.TakeDone()) done.push_back(std::move(j));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].blob, BlobNumber(1));
  EXPECT_TRUE(done[0].ok);
  EXPECT_EQ(done[0].downloaded, 11u);
  EXPECT_EQ(done[1].blob, BlobNumber(2));
  EXPECT_FALSE(done[1].ok) << "a file that is not there cannot be made durable";
  EXPECT_EQ(done[2].blob, BlobNumber(3));
  EXPECT_FALSE(done[2].ok) << "nor one whose directory cannot be synced";
  EXPECT_EQ(notified.load(), 3);
  EXPECT_TRUE(worker.TakeDone().empty()) << "each job is handed back once";
}

TEST(FsyncWorker, DestructionFinishesQueuedJobs) {
  testing::TempDir dir;
  const std::string file = dir / "f";
  std::ofstream(file) << "x";
  std::atomic<int> notified{0};
  {
    FsyncWorker worker([&] { notified.fetch_add(1); });
    for (uint8_t i = 0; i < 20; ++i) worker.Submit({BlobNumber(i), file, dir.path(), i});
  }
  EXPECT_EQ(notified.load(), 20);
}

}  // namespace
}  // namespace hearth::swarm

// Swarm between two real libtorrent sessions on loopback: a seed says when it
// takes peers, and a fetch added before that (started paused so that it
// connects the moment it is resumed) still completes, bit-exact.
#include "node/swarm/swarm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/sodium.h"
#include "node/swarm/blob_torrent.h"
#include "tests/support/temp_dir.h"

namespace hearth::swarm {
namespace {

// Set by the swarm's notify callback (any thread): Poll() has something.
struct Wakeup {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  void Notify() {
    std::lock_guard lock(mu);
    ready = true;
    cv.notify_all();
  }
  // Waits until notified or `at_most` passes (a sweep is still due then:
  // Sweep() finds what libtorrent reports without an alert).
  void Wait(std::chrono::milliseconds at_most) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, at_most, [&] { return ready; });
    ready = false;
  }
};

struct Node {
  std::shared_ptr<Wakeup> wakeup = std::make_shared<Wakeup>();
  DeviceId id;
  SwarmToken token;
  std::shared_ptr<SwarmGuard> guard;
  std::unique_ptr<Swarm> swarm;
};

Node StartNode(const std::string& home, InPlaceReader in_place = nullptr) {
  Node n;
  crypto::RandomBytes(n.id.bytes.data(), n.id.bytes.size());
  crypto::RandomBytes(n.token.data(), n.token.size());
  n.guard = std::make_shared<SwarmGuard>(n.id, n.token);
  SwarmOptions o;
  o.listen = "127.0.0.1:0";
  o.partial_dir = home + "/partial";
  o.blob_dir = home + "/blobs";
  o.notify = [w = n.wakeup] { w->Notify(); };
  if (in_place) {
    o.in_place = [](const BlobId&) { return true; };
    o.in_place_read = std::move(in_place);
  }
  auto s = Swarm::Start(std::move(o), n.guard);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error());
  if (s) n.swarm = std::move(*s);
  return n;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Swarm, ASeedSaysWhenItTakesPeersAndAFetchStartedPausedCompletes) {
  testing::TempDir dir;
  Node holder = StartNode(dir / "holder");
  Node fetcher = StartNode(dir / "fetcher");
  ASSERT_TRUE(holder.swarm && fetcher.swarm);
  holder.guard->Allow(fetcher.id, fetcher.token);
  fetcher.guard->Allow(holder.id, holder.token);

  // A three-and-a-bit-piece blob in the holder's store.
  Bytes blob_bytes(3 * kPieceSize + 1234);
  crypto::RandomBytes(blob_bytes.data(), blob_bytes.size());
  BlobTorrentBuilder builder;
  for (size_t off = 0; off < blob_bytes.size(); off += kPieceSize)
    builder.AddPiece(ByteSpan(blob_bytes).subspan(off, std::min<size_t>(kPieceSize, blob_bytes.size() - off)));
  auto made = builder.Finish();
  ASSERT_TRUE(made.has_value());
  const std::string hex = made->id.Hex();
  const std::string stored = dir / "holder" + "/blobs/" + hex.substr(0, 2);
  std::filesystem::create_directories(stored);
  std::ofstream(stored + "/" + hex, std::ios::binary)
      .write(reinterpret_cast<const char*>(blob_bytes.data()), static_cast<std::streamsize>(blob_bytes.size()));

  ASSERT_TRUE(holder.swarm->Seed(made->id, made->torrent).has_value());
  bool ready_event = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ready_event && std::chrono::steady_clock::now() < until) {
    for (const SwarmEvent& e : holder.swarm->Poll())
      if (e.kind == SwarmEvent::Kind::kSeedReady && e.blob == made->id) ready_event = true;
    holder.wakeup->Wait(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(ready_event) << "a seed reports when its check is done";
  EXPECT_TRUE(holder.swarm->SeedReady(made->id));
  EXPECT_FALSE(fetcher.swarm->SeedReady(made->id)) << "not held there";

  ASSERT_TRUE(fetcher.swarm->Fetch(made->id, made->torrent).has_value());
  EXPECT_FALSE(fetcher.swarm->SeedReady(made->id)) << "a fetch is no seed";
  fetcher.swarm->ConnectPeer(made->id, "127.0.0.1", holder.swarm->port());
  bool fetched = false;
  while (!fetched && std::chrono::steady_clock::now() < until) {
    (void)holder.swarm->Poll();
    for (const SwarmEvent& e : fetcher.swarm->Poll()) {
      ASSERT_NE(e.kind, SwarmEvent::Kind::kFailed) << e.detail;
      if (e.kind == SwarmEvent::Kind::kFetched && e.blob == made->id) fetched = true;
    }
    fetcher.swarm->Sweep();
    fetcher.wakeup->Wait(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fetched) << "the paused fetch was resumed and completed";
  const std::string got = ReadAll(dir / "fetcher" + "/blobs/" + hex.substr(0, 2) + "/" + hex);
  EXPECT_EQ(got, std::string(blob_bytes.begin(), blob_bytes.end()));
  EXPECT_TRUE(fetcher.swarm->SeedReady(made->id)) << "once fetched, it seeds";
}

// A seed kept in place has no file: its pieces are read through the reader
// (here, from memory) -- and a fetch from it completes bit-exact.
TEST(Swarm, AnInPlaceSeedIsReadThroughItsReader) {
  testing::TempDir dir;
  Bytes blob_bytes(5 * kPieceSize + 77);
  crypto::RandomBytes(blob_bytes.data(), blob_bytes.size());
  std::atomic<int> reads{0};
  Node holder = StartNode(dir / "holder", [&](const BlobId&, uint64_t offset, uint64_t length) {
    ++reads;
    const uint64_t end = std::min<uint64_t>(offset + length, blob_bytes.size());
    return std::expected<Bytes, std::string>(Bytes(blob_bytes.begin() + static_cast<ptrdiff_t>(offset),
                                                   blob_bytes.begin() + static_cast<ptrdiff_t>(end)));
  });
  Node fetcher = StartNode(dir / "fetcher");
  ASSERT_TRUE(holder.swarm && fetcher.swarm);
  holder.guard->Allow(fetcher.id, fetcher.token);
  fetcher.guard->Allow(holder.id, holder.token);
  BlobTorrentBuilder builder;
  for (size_t off = 0; off < blob_bytes.size(); off += kPieceSize)
    builder.AddPiece(ByteSpan(blob_bytes).subspan(off, std::min<size_t>(kPieceSize, blob_bytes.size() - off)));
  auto made = builder.Finish();
  ASSERT_TRUE(made.has_value());
  ASSERT_TRUE(holder.swarm->Seed(made->id, made->torrent).has_value());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!holder.swarm->SeedReady(made->id) && std::chrono::steady_clock::now() < until) {
    for (const SwarmEvent& e : holder.swarm->Poll()) ASSERT_NE(e.kind, SwarmEvent::Kind::kFailed) << e.detail;
    holder.wakeup->Wait(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(holder.swarm->SeedReady(made->id));
  ASSERT_TRUE(fetcher.swarm->Fetch(made->id, made->torrent).has_value());
  fetcher.swarm->ConnectPeer(made->id, "127.0.0.1", holder.swarm->port());
  bool fetched = false;
  while (!fetched && std::chrono::steady_clock::now() < until) {
    for (const SwarmEvent& e : holder.swarm->Poll()) EXPECT_NE(e.kind, SwarmEvent::Kind::kFailed) << e.detail;
    for (const SwarmEvent& e : fetcher.swarm->Poll()) {
      ASSERT_NE(e.kind, SwarmEvent::Kind::kFailed) << e.detail;
      EXPECT_NE(e.kind, SwarmEvent::Kind::kHashFailed) << e.detail;
      if (e.kind == SwarmEvent::Kind::kFetched && e.blob == made->id) fetched = true;
    }
    fetcher.swarm->Sweep();
    fetcher.wakeup->Wait(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fetched);
  const std::string hex = made->id.Hex();
  EXPECT_EQ(ReadAll(dir / "fetcher" + "/blobs/" + hex.substr(0, 2) + "/" + hex),
            std::string(blob_bytes.begin(), blob_bytes.end()));
  EXPECT_GE(reads.load(), 6) << "every piece came through the reader";
  EXPECT_FALSE(std::filesystem::exists(dir / "holder" + "/blobs/" + hex.substr(0, 2) + "/" + hex));
}

}  // namespace
}  // namespace hearth::swarm

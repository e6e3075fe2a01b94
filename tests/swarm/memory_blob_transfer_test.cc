// The in-memory blob transfer keeps the swarm's contract: a blob moves only
// from a seed whose guard admits the fetching device, lands whole in the
// blob store and is reported once.
#include "node/swarm/memory_blob_transfer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace hearth::swarm {
namespace {

struct MemoryNode {
  std::string dir;
  SwarmToken token{};
  DeviceId id;
  std::shared_ptr<SwarmGuard> guard;
  std::unique_ptr<BlobTransfer> transfer;
  int notified = 0;
};

MemoryNode MakeNode(const std::string& dir, uint8_t n) {
  MemoryNode node;
  node.dir = dir;
  node.token.fill(n);
  node.id.bytes.fill(n);
  node.guard = std::make_shared<SwarmGuard>(node.id, node.token);
  return node;
}

void StartTransfer(MemoryBlobNetwork& net, MemoryNode& node) {
  SwarmOptions o;
  o.partial_dir = node.dir + "/partial";
  o.blob_dir = node.dir + "/blobs";
  o.notify = [&node] { ++node.notified; };
  auto t = net.FactoryFor("127.0.0.1")(o, node.guard);
  ASSERT_TRUE(t.has_value());
  node.transfer = std::move(*t);
}

TEST(MemoryBlobTransferTest, ABlobMovesOnlyFromASeedThatAdmitsTheFetcher) {
  testing::TempDir tmp;
  MemoryBlobNetwork net;
  MemoryNode pc = MakeNode(tmp.path() + "/pc", 1), laptop = MakeNode(tmp.path() + "/laptop", 2);
  StartTransfer(net, pc);
  StartTransfer(net, laptop);
  BlobId blob;
  blob.bytes.fill(0xab);
  const std::string hex = blob.Hex();
  std::filesystem::create_directories(pc.dir + "/blobs/" + hex.substr(0, 2));
  std::ofstream(pc.dir + "/blobs/" + hex.substr(0, 2) + "/" + hex) << "sealed bytes";

  ASSERT_TRUE(pc.transfer->Seed(blob, {}));
  EXPECT_TRUE(pc.transfer->SeedReady(blob));
  ASSERT_TRUE(laptop.transfer->Fetch(blob, {}));
  // Not admitted yet (no swarm token over a mesh session): nothing moves.
  laptop.transfer->ConnectPeer(blob, "127.0.0.1", pc.transfer->port());
  EXPECT_TRUE(laptop.transfer->Poll().empty());
  EXPECT_EQ(pc.guard->refused_requests(), 1u);
  // Admitted: it moves, whole, and is reported once.
  pc.guard->Allow(laptop.id, laptop.token);
  laptop.transfer->ConnectPeer(blob, "127.0.0.1", pc.transfer->port());
  const auto events = laptop.transfer->Poll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, SwarmEvent::Kind::kFetched);
  EXPECT_EQ(events[0].downloaded, 12u);
  std::ifstream in(laptop.dir + "/blobs/" + hex.substr(0, 2) + "/" + hex);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, "sealed bytes");
  EXPECT_TRUE(laptop.transfer->Poll().empty());
  EXPECT_GT(laptop.notified, 0);
  // Forbidden again (its session ended): a second fetch gets nothing.
  pc.guard->Forbid(laptop.id);
  BlobId other = blob;
  other.bytes[0] = 1;
  ASSERT_TRUE(laptop.transfer->Fetch(other, {}));
  laptop.transfer->ConnectPeer(other, "127.0.0.1", pc.transfer->port());
  EXPECT_TRUE(laptop.transfer->Poll().empty());
}

}  // namespace
}  // namespace hearth::swarm

// Two real nodes in one process whose mesh sessions run over an in-memory
// transport (node/mesh/memory_transport.h) instead of TCP -- with libtorrent
// on loopback, then with an in-memory blob transfer too, so that not one
// socket is opened: the ledger syncs and replication moves blobs. Shows
// MeshNode depends on the transport and blob-transfer seams only.
#include <gtest/gtest.h>

#include <cstring>

#include "node/mesh/memory_transport.h"
#include "node/mesh/mesh_node.h"
#include "node/swarm/memory_blob_transfer.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

// false: libtorrent moves the blobs; true: MemoryBlobNetwork does.
class MemorySessionTest : public MeshFixture, public ::testing::WithParamInterface<bool> {};

// A node whose mesh sessions run over `t`, listening at `listen`, no LAN.
mesh::MeshOptions MemoryOptions(mesh::Transport* t, const std::string& listen) {
  mesh::MeshOptions o;
  o.listen = listen;
  o.torrent_listen = "127.0.0.1:0";
  o.transport = t;
  o.lan = false;
  return o;
}

BlobId BlobOf(const std::string& hex) {
  BlobId b;
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i)
    b.bytes[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return b;
}

TEST_P(MemorySessionTest, TwoNodesSyncAndReplicateOverAnInMemoryTransport) {
  InitAndImport("a", 2);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  }
  // Written while both are stopped: b learns of it only from a session.
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  std::vector<BlobId> blobs;
  for (const auto& t : Json("a", "ls")) blobs.push_back(BlobOf(t["blob"]));
  ASSERT_EQ(blobs.size(), 2u);

  auto home_a = store::Home::Open(Home("a"));
  auto home_b = store::Home::Open(Home("b"));
  ASSERT_TRUE(home_a && home_b);
  const size_t entries_a = home_a->ledger().ledger().size();
  ASSERT_GT(entries_a, home_b->ledger().ledger().size());

  mesh::asio::io_context io;
  mesh::MemoryNetwork net(io);
  swarm::MemoryBlobNetwork blob_net;
  const bool memory_blobs = GetParam();
  // Loopback hosts: the swarm dials the session's remote host.
  auto transport_a = net.MakeTransport("127.0.0.1");
  auto transport_b = net.MakeTransport("127.0.0.1");
  std::vector<std::string> log_b;
  auto options = [&](mesh::Transport* t, const std::string& listen) {
    mesh::MeshOptions o = MemoryOptions(t, listen);
    o.verify_seeds = false;
    if (memory_blobs) o.blob_transfer = blob_net.FactoryFor("127.0.0.1");
    return o;
  };
  mesh::MeshOptions oa = options(transport_a.get(), "127.0.0.1:7601");
  mesh::MeshOptions ob = options(transport_b.get(), "127.0.0.1:7602");
  ob.peers = {"127.0.0.1:7601"};
  ob.log = [&](const std::string& line) { log_b.push_back(line); };
  mesh::MeshNode a(io, *home_a, oa), b(io, *home_b, ob);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  EXPECT_EQ(a.control_port(), 7601);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto done = [&] {
    return b.online_peers() == 1 && home_b->ledger().ledger().size() == entries_a &&
           home_b->blobs().Has(blobs[0]) && home_b->blobs().Has(blobs[1]);
  };
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(a.online_peers(), 1u);
  EXPECT_EQ(home_b->ledger().ledger().size(), entries_a) << "the policy entry did not arrive";
  EXPECT_TRUE(home_b->blobs().Has(blobs[0]));
  EXPECT_TRUE(home_b->blobs().Has(blobs[1]));
  bool connected = false;
  for (const auto& line : log_b) connected = connected || line.find("connected to") != std::string::npos;
  EXPECT_TRUE(connected);
  if (memory_blobs) {
    EXPECT_GT(blob_net.bytes_copied(), 0u);
  }
  a.Stop();
  b.Stop();
  io.run_for(std::chrono::milliseconds(200));
}

// Claims written straight into a home: enough bytes of ledger to pass the
// send window of a catching-up session (ledger_sync.h) several times.
void WriteClaims(store::Home& home, size_t n, uint8_t salt) {
  const DeviceId me = home.device_id();
  AuthorHead head = home.ledger().ledger().HeadOf(me);
  std::vector<SignedEntry> batch;
  for (size_t i = 0; i < n; ++i) {
    TrackClaim c;
    c.blob.bytes.fill(salt);
    std::memcpy(c.blob.bytes.data(), &i, sizeof i);
    c.plaintext_length = 1000 + i;
    c.sealed_details = Bytes(400, salt);  // not openable: the catalog passes over them
    Entry e = home.ledger().ledger().NextEntry(me, c, static_cast<int64_t>(i));
    e.seq = head.seq + 1;
    e.prev = head.id;
    batch.push_back(SignEntry(std::move(e), home.device_key()));
    head.seq = batch.back().entry.seq;
    head.id = batch.back().id;
  }
  auto r = home.ledger().AppendBatch(batch);
  ASSERT_TRUE(r);
  for (const auto& outcome : *r) ASSERT_FALSE(outcome) << outcome->error.Message();
}

// A member lacking many megabytes of ledger gets them a batch at a time as
// its session drains, whole and in order; entries written meanwhile follow
// them, and none is refused for a missing parent.
TEST_F(MeshFixture, ALedgerLargerThanTheSendWindowArrivesWholeAndInOrder) {
  InitAndImport("a", 1);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  }
  auto home_a = store::Home::Open(Home("a"));
  auto home_b = store::Home::Open(Home("b"));
  ASSERT_TRUE(home_a && home_b);
  WriteClaims(*home_a, 12000, 7);  // about 7 MB of entries

  mesh::asio::io_context io;
  mesh::MemoryNetwork net(io);
  auto transport_a = net.MakeTransport("127.0.0.1");
  auto transport_b = net.MakeTransport("127.0.0.1");
  std::vector<std::string> log_b;
  mesh::MeshOptions oa = MemoryOptions(transport_a.get(), "127.0.0.1:7601");
  mesh::MeshOptions ob = MemoryOptions(transport_b.get(), "127.0.0.1:7602");
  ob.peers = {"127.0.0.1:7601"};
  ob.log = [&](const std::string& line) { log_b.push_back(line); };
  mesh::MeshNode a(io, *home_a, oa), b(io, *home_b, ob);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  // Once b has some of it, a writes more: they must come after the rest.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool wrote_more = false;
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    if (!wrote_more && home_b->ledger().ledger().size() > 100) {
      // As the CLI would: through another connection to a's home.
      auto cli = store::Home::Open(Home("a"));
      ASSERT_TRUE(cli);
      for (int i = 0; i < 5; ++i) {
        TrackClaim c{BlobId{{static_cast<uint8_t>(200 + i)}}, 1000, Bytes(48, 1)};
        ASSERT_TRUE(cli->ledger().Author(cli->device_key(), c, i));
      }
      wrote_more = true;
    }
    if (wrote_more && home_b->ledger().ledger().size() == 12008) break;
  }
  EXPECT_TRUE(wrote_more);
  ASSERT_TRUE(home_a->ledger().CatchUp());
  EXPECT_EQ(home_b->ledger().ledger().size(), 12008u);
  EXPECT_EQ(home_b->ledger().ledger().size(), home_a->ledger().ledger().size());
  for (const auto& line : log_b) EXPECT_EQ(line.find("refused"), std::string::npos) << line;
  a.Stop();
  b.Stop();
  io.run_for(std::chrono::milliseconds(200));
}

// A player's chunk: from the store when held; when no device sends it, a
// timeout it can tell from a stop by its code.
class MemoryChunkTest : public MeshFixture {};

TEST_F(MemoryChunkTest, AChunkComesFromTheStoreOrFailsWithACodeSayingWhy) {
  InitAndImport("a", 1);
  std::vector<BlobId> blobs;
  for (const auto& t : Json("a", "ls")) blobs.push_back(BlobOf(t["blob"]));
  ASSERT_EQ(blobs.size(), 1u);
  auto home = store::Home::Open(Home("a"));
  ASSERT_TRUE(home);
  mesh::asio::io_context io;
  mesh::MemoryNetwork net(io);
  swarm::MemoryBlobNetwork blob_net;
  auto transport = net.MakeTransport("127.0.0.1");
  mesh::MeshOptions o;
  o.listen = "127.0.0.1:7601";
  o.torrent_listen = "127.0.0.1:0";
  o.transport = transport.get();
  o.lan = false;
  o.blob_transfer = blob_net.FactoryFor("127.0.0.1");
  mesh::MeshNode node(io, *home, o);
  ASSERT_TRUE(node.Start());

  std::vector<std::expected<Bytes, mesh::MeshError>> answers;
  auto record = [&](std::expected<Bytes, mesh::MeshError> r) { answers.push_back(std::move(r)); };
  node.ReadChunk(blobs[0], 0, std::chrono::milliseconds(100), record);
  ASSERT_EQ(answers.size(), 1u) << "a held chunk is answered at once";
  ASSERT_TRUE(answers[0]);
  auto stored = home->blobs().Read(blobs[0], 0, answers[0]->size());
  ASSERT_TRUE(stored);
  EXPECT_EQ(*answers[0], *stored);

  BlobId nowhere;
  nowhere.bytes.fill(0x5a);
  node.ReadChunk(nowhere, 3, std::chrono::milliseconds(100), record);
  node.ReadChunk(nowhere, 4, std::chrono::hours(1), record);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (answers.size() < 2 && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(20));
  ASSERT_EQ(answers.size(), 2u);
  ASSERT_FALSE(answers[1]);
  EXPECT_EQ(answers[1].error().code, mesh::MeshErrc::kChunkTimedOut);
  EXPECT_NE(answers[1].error().message.find("chunk 3"), std::string::npos) << answers[1].error().message;

  node.Stop();
  ASSERT_EQ(answers.size(), 3u) << "a waiting player hears of the stop";
  ASSERT_FALSE(answers[2]);
  EXPECT_EQ(answers[2].error().code, mesh::MeshErrc::kStopping);
  node.ReadChunk(blobs[0], 0, std::chrono::seconds(1), record);
  ASSERT_EQ(answers.size(), 4u);
  ASSERT_FALSE(answers[3]);
  EXPECT_EQ(answers[3].error().code, mesh::MeshErrc::kStopping);
  io.run_for(std::chrono::milliseconds(100));
}

std::string BlobsName(const ::testing::TestParamInfo<bool>& p) { return p.param ? "InMemory" : "Libtorrent"; }
INSTANTIATE_TEST_SUITE_P(Blobs, MemorySessionTest, ::testing::Values(false, true), BlobsName);

}  // namespace
}  // namespace hearth::testing

// Relayed sessions, in one process over the in-memory transport: the PC (a)
// and the laptop (b) cannot dial each other (MemoryNetwork::Cut, as if
// each sat behind its own NAT) but both reach the storage box (r). With
// reach=on, r carries their mesh session: the laptop plays a chunk and
// fetches a track only the PC holds, the peers table (`hearth devices`)
// says "relayed" via the box, and once the two can dial each other the direct session replaces the
// relayed one.
#include <gtest/gtest.h>

#include "node/mesh/memory_transport.h"
#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

BlobId BlobFromHex(const std::string& hex) {
  BlobId b;
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i)
    b.bytes[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return b;
}

std::optional<store::PeerRecord> PeerIn(store::Home& home, const DeviceId& device) {
  auto peers = store::ListPeers(home.db());
  if (!peers) return std::nullopt;
  for (const auto& p : *peers)
    if (p.device == device && p.online) return p;
  return std::nullopt;
}

TEST_F(MeshFixture, TwoDevicesThatCannotDialEachOtherAreRelayedByAThirdThenGoDirect) {
  InitAndImport("a", 3, /*seconds=*/40);  // several chunks each
  ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("r", Invite("a", "--role storage")).exit_code, 0);
    // The box keeps no copy here (the tracks stay only on the PC), and the
    // laptop is a phone: it holds no replicas either.
    ASSERT_EQ(Hearth("a", "policy set capacity=r:1").exit_code, 0);
    ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  }
  std::vector<BlobId> blobs;
  for (const auto& t : Json("a", "ls")) blobs.push_back(BlobFromHex(t["blob"]));
  ASSERT_EQ(blobs.size(), 3u);
  auto home_a = store::Home::Open(Home("a"));
  auto home_r = store::Home::Open(Home("r"));
  auto home_b = store::Home::Open(Home("b"));
  ASSERT_TRUE(home_a && home_r && home_b);
  ASSERT_TRUE(home_b->ledger().ledger().state().policy.reach);

  mesh::asio::io_context io;
  mesh::MemoryNetwork net(io);
  auto ta = net.MakeTransport("127.0.0.1");
  auto tr = net.MakeTransport("127.0.0.2");
  auto tb = net.MakeTransport("127.0.0.3");
  net.Cut("127.0.0.1", "127.0.0.3");
  std::vector<std::string> log_a, log_r, log_b;
  auto options = [&](mesh::Transport* t, const std::string& host, std::vector<std::string>* log) {
    mesh::MeshOptions o;
    o.listen = host + ":7601";
    o.torrent_listen = host + ":0";
    o.transport = t;
    o.lan = false;
    o.verify_seeds = false;  // libtorrent moves the pieces (the relayed fetch hands them to it)
    o.log = [log](const std::string& line) { log->push_back(line); };
    return o;
  };
  mesh::MeshOptions oa = options(ta.get(), "127.0.0.1", &log_a);
  mesh::MeshOptions orr = options(tr.get(), "127.0.0.2", &log_r);
  mesh::MeshOptions ob = options(tb.get(), "127.0.0.3", &log_b);
  oa.peers = {"127.0.0.2:7601"};
  ob.peers = {"127.0.0.2:7601"};
  mesh::MeshNode a(io, *home_a, oa), r(io, *home_r, orr), b(io, *home_b, ob);
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(r.Start());
  ASSERT_TRUE(b.Start());
  auto run_until = [&](const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(20));
    return done();
  };
  auto logged = [](const std::vector<std::string>& log, const std::string& text) {
    for (const auto& line : log)
      if (line.find(text) != std::string::npos) return true;
    return false;
  };
  auto joined = [](const std::vector<std::string>& log) {
    std::string all;
    for (const auto& line : log) all += line + "\n";
    return all;
  };

  // a and b meet through r.
  ASSERT_TRUE(run_until([&] { return a.online_peers() == 2 && b.online_peers() == 2; }, std::chrono::seconds(30)))
      << joined(log_b) << joined(log_r);
  EXPECT_EQ(r.relayed_for_others(), 1u);
  EXPECT_TRUE(logged(log_b, "through r (")) << joined(log_b);
  auto seen = PeerIn(*home_b, home_a->device_id());
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->path, "relayed");
  ASSERT_TRUE(seen->via);
  EXPECT_EQ(*seen->via, home_r->device_id());
  EXPECT_EQ(seen->host, "127.0.0.1") << "a relayed session keeps the address known before";
  // Playback: a chunk of a track only a holds comes over the relayed session.
  std::optional<std::expected<Bytes, mesh::MeshError>> chunk;
  b.ReadChunk(blobs[0], 0, std::chrono::seconds(20), [&](auto c) { chunk = std::move(c); });
  ASSERT_TRUE(run_until([&] { return chunk.has_value(); }, std::chrono::seconds(25)));
  ASSERT_TRUE(*chunk) << chunk->error().message;
  auto stored = home_a->blobs().Read(blobs[0], 0, (*chunk)->size());
  ASSERT_TRUE(stored);
  EXPECT_EQ(**chunk, *stored);
  // A fetch: the whole blob, checked piece by piece.
  b.Want(blobs[1]);
  EXPECT_TRUE(run_until([&] { return home_b->blobs().Has(blobs[1]); }, std::chrono::seconds(30))) << joined(log_b);
  EXPECT_TRUE(logged(log_b, "over the mesh session with a")) << joined(log_b);

  EXPECT_FALSE(home_r->blobs().Has(blobs[1])) << "the box kept no copy";
  EXPECT_EQ(r.relayed_for_others(), 1u);

  // An admin caps what the box relays: the third track comes at that rate
  // at most (plus the bucket's quarter second and a frame in flight).
  constexpr uint64_t kRate = 256 * 1024;
  ASSERT_EQ(Hearth("a", "policy set relay_limit=r:256K/s").exit_code, 0);
  ASSERT_TRUE(run_until([&] { return !home_r->ledger().ledger().state().policy.relay_limits.empty(); },
                        std::chrono::seconds(10)));
  const uint64_t carried_before = r.bytes_relayed_for_others();
  const auto capped_from = std::chrono::steady_clock::now();
  ASSERT_FALSE(home_b->blobs().Has(blobs[2]));
  b.Want(blobs[2]);
  bool within = true;
  EXPECT_TRUE(run_until(
      [&] {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - capped_from).count();
        const uint64_t carried = r.bytes_relayed_for_others() - carried_before;
        if (carried > kRate * elapsed + 128 * 1024 + kMaxRelayChunk) within = false;
        return home_b->blobs().Has(blobs[2]);
      },
      std::chrono::seconds(30)));
  EXPECT_TRUE(within) << "the box relayed faster than its limit";
  EXPECT_GT(r.bytes_relayed_for_others() - carried_before, 400'000u) << "the track came through the box";

  // Once they can dial each other, the direct session replaces the relayed one.
  net.Mend("127.0.0.1", "127.0.0.3");
  const auto mended = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_until(
      [&] {
        auto p = PeerIn(*home_b, home_a->device_id());
        return p && p->path == "lan" && !p->via && r.relayed_for_others() == 0;
      },
      std::chrono::seconds(45)))
      << joined(log_b);
  EXPECT_EQ(b.online_peers(), 2u);
  std::printf("direct %.1f s after the NAT went\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - mended).count());
  a.Stop();
  r.Stop();
  b.Stop();
  io.run_for(std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace hearth::testing

// The mesh against bad input: used, expired, forged and damaged invites; a
// revoked device; an outsider that knows an info-hash and the ports;
// garbage on the control port.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <libtorrent/extensions.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <future>

#include "crypto/sodium.h"
#include "tests/support/threaded_node.h"
#include "node/library/track_record.h"
#include "node/store/database.h"
#include "protocol/pairing.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

class MeshHostileTest : public MeshFixture {};

TEST_F(MeshHostileTest, InviteCodesAreOneTimeExpiringAndUnforgeable) {
  InitAndImport("a", 1);
  auto a = Serve("a");
  const std::string code = Invite("a");
  ASSERT_EQ(Join("b", code).exit_code, 0);

  auto reused = Join("b2", code);
  EXPECT_EQ(reused.exit_code, 1);
  EXPECT_NE(reused.err.find("already been used"), std::string::npos) << reused.err;
  EXPECT_FALSE(std::filesystem::exists(Home("b2"))) << "a failed join leaves no home behind";
  EXPECT_FALSE(std::filesystem::exists(Home("b2") + ".joining"));

  // A code past the expiry it states (the inviter's clock is this machine's).
  const auto invite = Json("a", "invite --ttl 1s");
  const std::string short_lived = invite.value("code", "");
  const int64_t expires_us = invite.value("expires_us", int64_t{0});
  ASSERT_GT(expires_us, 0) << invite.dump();
  ASSERT_TRUE(Eventually([&] {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::microseconds>(now).count() > expires_us;
  }, std::chrono::seconds(5)));
  auto expired = Join("b3", short_lived);
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_NE(expired.err.find("expired"), std::string::npos) << expired.err;

  // Right household, inviter and address; a secret the inviter never issued.
  auto decoded = DecodeInviteCode(Invite("a"));
  ASSERT_TRUE(decoded.has_value());
  crypto::RandomBytes(decoded->secret.data(), decoded->secret.size());
  auto forged = Join("b4", EncodeInviteCode(*decoded));
  EXPECT_EQ(forged.exit_code, 1);
  EXPECT_NE(forged.err.find("not known"), std::string::npos) << forged.err;

  std::string damaged = code;
  damaged[20] = damaged[20] == 'a' ? 'b' : 'a';
  auto bad = Join("b5", damaged);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("damaged"), std::string::npos) << bad.err;

  // Only one device was added.
  EXPECT_EQ(Json("a", "devices").size(), 2u);
  EXPECT_TRUE(a->WaitForLog("refused a device"));
}

// Reads a blob's .torrent from a home's database.
Bytes TorrentOf(const std::string& home, const std::string& track_blob_hex) {
  auto db = store::Database::Open(home + "/hearth.db", false);
  EXPECT_TRUE(db.has_value());
  auto st = db->Prepare("SELECT torrent FROM blob_torrents WHERE hex(blob_id) = upper(?)");
  EXPECT_TRUE(st.has_value());
  st->Bind(1, track_blob_hex);
  auto row = st->Step();
  EXPECT_TRUE(row.has_value() && *row);
  return st->Blob(0);
}

// A libtorrent session for a raw BitTorrent client in the test: loopback
// only, no DHT/LSD/UPnP/NAT-PMP/uTP, quick ticks.
lt::session RawClientSession(std::shared_ptr<lt::plugin> extension = nullptr) {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  s.set_bool(lt::settings_pack::enable_dht, false);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
  s.set_int(lt::settings_pack::tick_interval, 20);
  lt::session_params params(s);
  if (extension) params.extensions.push_back(std::move(extension));
  return lt::session(std::move(params));
}

struct DownloadResult {
  bool connected = false;
  int64_t payload = 0;
  int pieces = 0;
};
// Adds `torrent` to `session`, connects to 127.0.0.1:`port` and asks for it
// for `for_how_long` (or until it has the whole thing).
DownloadResult TryDownload(lt::session& session, const Bytes& torrent, const std::string& save_path, uint16_t port,
                           std::chrono::milliseconds for_how_long) {
  lt::add_torrent_params p;
  p.ti = std::make_shared<lt::torrent_info>(
      lt::span<const char>(reinterpret_cast<const char*>(torrent.data()), static_cast<long>(torrent.size())),
      lt::from_span);
  p.save_path = save_path;
  p.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
  lt::torrent_handle h = session.add_torrent(p);
  h.connect_peer(lt::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  DownloadResult r;
  const auto until = std::chrono::steady_clock::now() + for_how_long;
  while (std::chrono::steady_clock::now() < until) {
    lt::torrent_status st = h.status();
    if (st.num_peers > 0) r.connected = true;
    if (st.is_seeding) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  lt::torrent_status st = h.status();
  r.payload = st.total_payload_download;
  r.pieces = st.num_pieces;
  // A whole blob can arrive between two looks, and two seeds then hang up on
  // each other: payload received means it was connected.
  if (r.payload > 0) r.connected = true;
  session.remove_torrent(h);
  return r;
}

// A raw BitTorrent client's extension: every handshake claims `device` with
// `proof` -- words seen on the wire, replayed.
class ReplayExtension : public lt::plugin {
 public:
  ReplayExtension(const DeviceId& device, const swarm::SwarmToken& proof)
      : device_(reinterpret_cast<const char*>(device.bytes.data()), device.bytes.size()),
        proof_(reinterpret_cast<const char*>(proof.data()), proof.size()) {}
  std::shared_ptr<lt::torrent_plugin> new_torrent(lt::torrent_handle const&, lt::client_data_t) override {
    struct Peer : lt::peer_plugin {
      Peer(std::string d, std::string p) : device(std::move(d)), proof(std::move(p)) {}
      lt::string_view type() const override { return "hearth_replay"; }
      void add_handshake(lt::entry& e) override {
        e["hearth_device"] = device;
        e["hearth_proof"] = proof;
      }
      std::string device, proof;
    };
    struct Torrent : lt::torrent_plugin {
      Torrent(std::string d, std::string p) : device(std::move(d)), proof(std::move(p)) {}
      std::shared_ptr<lt::peer_plugin> new_connection(lt::peer_connection_handle const&) override {
        return std::make_shared<Peer>(device, proof);
      }
      std::string device, proof;
    };
    return std::make_shared<Torrent>(device_, proof_);
  }

 private:
  std::string device_, proof_;
};

TEST_F(MeshHostileTest, RevokedDeviceAndOutsiderGetNothing) {
  InitAndImport("a", 2);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b");
  ASSERT_TRUE(a->WaitForLog("connected to b")) << a->Log();
  const auto tracks = TrackIds("a");
  // B fetches one track while a member, so A is seeding that blob now.
  ASSERT_EQ(Hearth("b", "fetch " + tracks[0] + " --timeout 30").exit_code, 0) << b->Log();
  const std::string blob = Json("a", "where " + tracks[0])["blob"];

  // An outsider that knows the torrent (more than the info-hash) and A's
  // BitTorrent port connects and asks: it must receive zero payload bytes.
  lt::session outsider = RawClientSession();
  auto got = TryDownload(outsider, TorrentOf(Home("a"), blob), dir_ / "outsider", a->torrent_port(),
                         std::chrono::seconds(3));
  EXPECT_TRUE(got.connected) << "the outsider should reach A's swarm port (else this test proves nothing)";
  EXPECT_EQ(got.payload, 0);
  EXPECT_EQ(got.pieces, 0);

  // A revokes B: B is cut off and gets no further entries or blobs.
  ASSERT_EQ(Hearth("a", "revoke b").exit_code, 0);
  ASSERT_TRUE(a->WaitForLog("cutting off b")) << a->Log();
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto fetch = Hearth("b", "fetch " + tracks[1] + " --timeout 3");
  EXPECT_EQ(fetch.exit_code, 1);
  EXPECT_FALSE(Holds("b", tracks[1]));
  // By the time A has refused B (B keeps trying to reach it), an entry
  // would have had every chance to reach B.
  EXPECT_TRUE(a->WaitForLog("refused", std::chrono::seconds(10))) << a->Log();
  EXPECT_EQ(Json("b", "policy show")["copies"], 1) << "a revoked device still received ledger entries";
}

// A revoked device's swarm proof, replayed by a raw BitTorrent client that
// knows the torrent and the port: accepted while the device was a member with
// a live session (which shows the replay is faithful), worth nothing once it
// is revoked.
TEST_F(MeshHostileTest, ARevokedDevicesReplayedSwarmProofGetsNothing) {
  InitAndImport("a", 1, 20, ".wav");  // ~3.5 MB, ~54 pieces
  const std::string t = TrackIds("a").front();
  const std::string blob = Json("a", "where " + t)["blob"];
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  mesh::MeshOptions o;
  o.listen = "127.0.0.1:0";
  o.torrent_listen = "127.0.0.1:0";
  o.peers = {a->address()};
  o.lan = false;
  auto b = std::make_unique<ThreadedNode>(Home("b"), o);
  ASSERT_TRUE(a->WaitForLog("connected to b")) << a->Log();
  const DeviceId b_id = b->home().device_id();
  const swarm::SwarmToken b_proof = b->Call([](mesh::MeshNode& n) { return n.swarm_proof(); });
  // B fetches the blob, so A loads and seeds its torrent.
  const auto digest = library::ParseHexDigest(blob);
  ASSERT_TRUE(digest.has_value());
  const BlobId blob_id = BlobId::From(*digest);
  b->Call([&](mesh::MeshNode& n) {
    n.Want(blob_id);
    return 0;
  });
  ASSERT_TRUE(Eventually([&] { return b->home().blobs().Has(blob_id); }, std::chrono::seconds(30))) << a->Log();
  const Bytes torrent = TorrentOf(Home("a"), blob);

  // While B is a member with a live session, its proof opens A's swarm.
  {
    lt::session replay = RawClientSession(std::make_shared<ReplayExtension>(b_id, b_proof));
    auto got = TryDownload(replay, torrent, dir_ / "replay1", a->torrent_port(), std::chrono::seconds(10));
    ASSERT_TRUE(got.connected);
    EXPECT_GT(got.payload, 0) << "the replayed proof should work while B is a member (else the test proves nothing)";
  }

  // A revokes B; B's node is cut off (and here keeps running, as a revoked
  // device would). The same proof, replayed, now gets nothing.
  ASSERT_EQ(Hearth("a", "revoke b").exit_code, 0);
  ASSERT_TRUE(a->WaitForLog("cutting off b")) << a->Log();
  {
    lt::session replay = RawClientSession(std::make_shared<ReplayExtension>(b_id, b_proof));
    auto got = TryDownload(replay, torrent, dir_ / "replay2", a->torrent_port(), std::chrono::seconds(4));
    EXPECT_TRUE(got.connected) << "the replay should reach A's swarm port (else this test proves nothing)";
    EXPECT_EQ(got.payload, 0);
    EXPECT_EQ(got.pieces, 0);
  }
  b.reset();
  // Nor after B's node is gone for good.
  {
    lt::session replay = RawClientSession(std::make_shared<ReplayExtension>(b_id, b_proof));
    auto got = TryDownload(replay, torrent, dir_ / "replay3", a->torrent_port(), std::chrono::seconds(3));
    EXPECT_EQ(got.payload, 0);
  }
}

TEST_F(MeshHostileTest, GarbageAndDroppedHandshakesDoNotDisturbTheNode) {
  InitAndImport("a", 1);
  auto a = Serve("a");
  namespace asio = boost::asio;
  asio::io_context io;
  const auto ep = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), a->control_port());
  for (int i = 0; i < 20; ++i) {
    asio::ip::tcp::socket sock(io);
    sock.connect(ep);
    if (i % 3 == 0) continue;  // connect and hang up
    Bytes junk(i % 3 == 1 ? 69 : 5000);
    crypto::RandomBytes(junk.data(), junk.size());
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(junk), ec);
    // An outsider's M1 gets no reply: the node just closes.
    std::array<uint8_t, 16> reply{};
    size_t n = sock.read_some(asio::buffer(reply), ec);
    EXPECT_EQ(n, 0u);
    EXPECT_TRUE(ec) << "the node answered garbage";
  }
  // The node still pairs and syncs a real device.
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b");
  EXPECT_TRUE(b->WaitForLog("ledger in step with a")) << b->Log();
  EXPECT_EQ(TrackIds("b"), TrackIds("a"));
}

// A member whose copy of a blob is damaged and who serves it unchecked (the
// real node with seed verification off).
mesh::MeshOptions LiarOptions(const std::string& peer) {
  mesh::MeshOptions o;
  o.listen = "127.0.0.1:0";
  o.torrent_listen = "127.0.0.1:0";
  o.peers = {peer};
  o.verify_seeds = false;
  o.scrub.enabled = false;  // nor does it look at its copies in the background
  return o;
}

TEST_F(MeshHostileTest, PeerSendingCorruptPiecesIsBannedAndFetchCompletesElsewhere) {
  InitAndImport("a", 1, 40, ".wav");  // ~7 MB, ~108 pieces
  const std::string t = TrackIds("a").front();
  const std::string blob = Json("a", "where " + t)["blob"];
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_EQ(Join("c", Invite("a", "--role phone")).exit_code, 0);
  {
    auto b = Serve("b");
    ASSERT_EQ(Hearth("b", "fetch " + t + " --timeout 30").exit_code, 0) << b->Log();
  }
  // Damage every piece of B's copy (same size, so nothing but the hashes can tell).
  const std::string path = Home("b") + "/blobs/" + blob.substr(0, 2) + "/" + blob;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open()) << path;
    f.seekg(0, std::ios::end);
    const auto size = static_cast<size_t>(f.tellg());
    for (size_t off = 100; off < size; off += 65536) {
      f.seekp(static_cast<std::streamoff>(off));
      f.put('\x5a');
    }
  }
  auto c = Serve("c");
  ASSERT_TRUE(c->WaitForLog("connected to a")) << c->Log();
  const std::string a_address = a->address();
  a->Stop();
  ThreadedNode liar(Home("b"), LiarOptions(c->address()));
  ASSERT_TRUE(c->WaitForLog("connected to b")) << c->Log();

  auto fetch = std::async(std::launch::async, [&] { return Hearth("c", "fetch " + t + " --timeout 90"); });
  ASSERT_TRUE(c->WaitForLog("failed its hash check", std::chrono::seconds(30))) << c->Log();
  // The ban names the device, not the address both devices share.
  EXPECT_TRUE(c->WaitForLog(": device b (", std::chrono::seconds(30))) << c->Log();
  EXPECT_TRUE(c->WaitForLog("sent corrupt data and is banned from this blob")) << c->Log();
  // The honest holder comes back at the same address (c dials it there: a
  // stopped too soon after c came up to be sure of c's new port); the fetch
  // completes from it.
  a = std::make_unique<NodeProcess>(HEARTH_BIN, Home("a"), std::vector<std::string>{}, std::vector<std::string>{},
                                    a_address);
  ASSERT_TRUE(a->started()) << a->Log();
  auto done = fetch.get();
  ASSERT_EQ(done.exit_code, 0) << done.err << c->Log() << "--- a:\n" << a->Log();
  ASSERT_EQ(Hearth("c", "export " + t + " " + Quote(dir_ / "out")).exit_code, 0);
  const std::string source = Json("a", "show " + t)["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("out/" + std::filesystem::path(source).filename().string())), ReadFileBytes(source));
}

}  // namespace
}  // namespace hearth::testing

// Placement with real nodes: devices report their availability and room,
// an admin's capacity caps what a device holds, a free-space floor keeps a
// disk from filling up, and `hearth status` says when the household lacks
// room for its copies.
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <atomic>
#include <fstream>
#include <thread>

#include "crypto/base32.h"
#include "crypto/blob_cipher.h"
#include "protocol/placement.h"
#include "node/mesh/connection.h"
#include "node/store/home.h"
#include "protocol/mesh_messages.h"
#include "protocol/placement_messages.h"
#include "protocol/sync_messages.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

DeviceId DeviceFromText(const std::string& text) {
  DeviceId d;
  const auto bytes = crypto::Base32Decode(text);
  if (bytes && bytes->size() == 32) std::copy(bytes->begin(), bytes->end(), d.bytes.begin());
  return d;
}

BlobId BlobFromHex(const std::string& hex) {
  BlobId b;
  for (size_t i = 0; i < 32 && 2 * i + 1 < hex.size(); ++i)
    b.bytes[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return b;
}

class PlacementTest : public MeshFixture {
 protected:
  // The health row of `device` in `home`'s status.
  nlohmann::json DeviceHealth(const std::string& home, const std::string& device) {
    const auto status = Json(home, "status");  // named: a temporary would die before the loop
    for (const auto& d : status["health"]["devices"])
      if (d.value("name", "") == device) return d;
    return {};
  }
};

TEST_F(PlacementTest, ACapacityCapsWhatADeviceHoldsAndTheRestStaysWhereItWas) {
  InitAndImport("a", 6, 2, ".mp3", "--copy");  // sealed copies, which may move
  auto a = Serve("a");
  ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
  SeedAlwaysOn("s");  // every blob would go to S, but S has room for about half
  const uint64_t total = DeviceHealth("a", "a")["held_bytes"];
  ASSERT_GT(total, 0u);
  const uint64_t capacity = total / 2;
  ASSERT_EQ(Hearth("a", "policy set capacity=s:" + std::to_string(capacity)).exit_code, 0);
  EXPECT_EQ(Json("a", "policy show")["capacities"][0]["bytes"], capacity);
  auto s = Serve("s");
  ASSERT_TRUE(Eventually([&] { return !DeviceHealth("a", "s")["availability"].is_null(); })) << a->Log();

  // Where every blob must end up: the plan placement makes from what A
  // knows (S online all week, A just started; S's room is its capacity).
  std::vector<PlacementDevice> devices;
  for (const std::string name : {"a", "s"}) {
    const auto row = DeviceHealth("a", name);
    PlacementDevice d;
    const std::string id = row["id"];
    d.device = DeviceFromText(id);
    d.availability = static_cast<uint16_t>(std::lround(row["availability"].get<double>() * 1000));
    if (name == "s") d.room = capacity;
    devices.push_back(d);
  }
  EXPECT_GT(devices[1].availability, 900) << "S reported its week online";
  std::vector<PlacementBlob> blobs;
  std::map<std::string, std::string> track_of_blob;
  const auto listing = Json("a", "ls");
  for (const auto& t : listing) {
    const std::string blob = t["blob"];
    track_of_blob[blob] = t["id"];
    blobs.push_back({BlobFromHex(blob), crypto::SealedLength(t["size"].get<uint64_t>())});
  }
  const PlacementPlan plan = PlaceReplicas(devices, blobs, 1);
  ASSERT_GT(plan.assigned_bytes.count(devices[1].device), 0u);
  ASSERT_LE(plan.assigned_bytes.at(devices[1].device), capacity);
  ASSERT_LT(plan.assigned_bytes.at(devices[1].device), total) << "S cannot take everything";

  // Settled: each blob on the one device the plan names.
  std::set<std::string> on_s;
  for (const auto& [blob, holders] : plan.assigned) {
    ASSERT_EQ(holders.size(), 1u);
    if (holders[0] == devices[1].device) on_s.insert(blob.Hex());
  }
  ASSERT_TRUE(Eventually([&] {
    for (const auto& [blob, track] : track_of_blob)
      if (HolderNames("a", track) != std::set<std::string>{on_s.contains(blob) ? "s" : "a"}) return false;
    return true;
  }, std::chrono::seconds(40))) << a->Log() << s->Log();
  const auto s_row = DeviceHealth("a", "s");
  EXPECT_LE(s_row["held_bytes"].get<uint64_t>(), capacity);
  EXPECT_EQ(s_row["capacity"], capacity);
  EXPECT_EQ(Json("s", "status")["counts"]["blobs"], on_s.size());
  EXPECT_TRUE(a->WaitForLog("proved they hold it")) << a->Log();
  // `devices` shows what each device said of itself too.
  const auto listed = Json("a", "devices");
  bool seen_s = false;
  for (const auto& d : listed) {
    if (d["name"] != "s") continue;
    EXPECT_GT(d["availability"].get<double>(), 0.9) << d.dump();
    EXPECT_TRUE(d["room"].is_number()) << d.dump();
    EXPECT_EQ(d["disk_full"], false);
    seen_s = true;
  }
  EXPECT_TRUE(seen_s) << listed.dump();
  const size_t tracks = track_of_blob.size();

  // Two copies of everything do not fit: status says so, and by how much.
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  const auto health = Json("a", "status")["health"];
  ASSERT_FALSE(health["lacks_room"].is_null()) << health.dump();
  EXPECT_GT(health["lacks_room"]["blobs"].get<size_t>(), 0u);
  EXPECT_EQ(health["lacks_room"]["blobs"].get<size_t>(), tracks - on_s.size());
  EXPECT_NE(Hearth("a", "status").out.find("lacks room for copies=2"), std::string::npos);
  // A fetches back what it had let go; nothing more moves to S.
  ASSERT_TRUE(Eventually([&] { return Json("a", "status")["counts"]["blobs"] == tracks; },
                         std::chrono::seconds(30))) << a->Log();
  EXPECT_LE(DeviceHealth("a", "s")["held_bytes"].get<uint64_t>(), capacity);
}

TEST_F(PlacementTest, ADiskAtItsFreeSpaceFloorTakesNoReplicasAndSaysSo) {
  InitAndImport("a", 3);
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  // Keep more free than the disk has: B is full from the start.
  auto b = Serve("b", {"--keep-free", "1000T"});
  ASSERT_TRUE(b->WaitForLog("free-space floor")) << b->Log();
  ASSERT_TRUE(Eventually([&] { return DeviceHealth("a", "b").value("disk_full", false); })) << a->Log();
  const auto health = Json("a", "status")["health"];
  ASSERT_FALSE(health["lacks_room"].is_null()) << health.dump();
  EXPECT_EQ(health["lacks_room"]["blobs"], 3);
  EXPECT_EQ(health["under_replicated"], 3);
  EXPECT_EQ(Json("b", "status")["counts"]["blobs"], 0);
  EXPECT_EQ(b->Log().find("fetched blob"), std::string::npos) << b->Log();
  EXPECT_NE(Hearth("a", "status").out.find("DISK AT ITS FREE-SPACE FLOOR"), std::string::npos);

  // Room again: B takes its copies.
  b.reset();
  auto b2 = Serve("b", {"--keep-free", "1%"});
  EXPECT_TRUE(Eventually([&] { return Json("b", "status")["counts"]["blobs"] == 3; }, std::chrono::seconds(30)))
      << b2->Log();
  EXPECT_TRUE(Eventually([&] { return Json("a", "status")["health"]["under_replicated"] == 0; })) << a->Log();
}

// A disk a tmpfs of 40 MB in this test's own mount namespace: something else
// fills it while a replica is arriving. The fetch stops with a clear line,
// the node keeps running, what it held is whole, the others hear the disk is
// full -- and once there is room again the replica is made.
TEST_F(PlacementTest, ADiskThatFillsUpMidReplicationStopsTheFetchAndDamagesNothing) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    GTEST_SKIP() << "no private mount namespace here: " << std::strerror(errno);
  std::filesystem::create_directories(Home("b"));
  ASSERT_EQ(::mount("tmpfs", Home("b").c_str(), "tmpfs", 0, "size=40m"), 0) << std::strerror(errno);
  struct Unmount {
    std::string dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{Home("b")};

  InitAndImport("a", 1, 120, ".wav");  // ~21 MB
  ToneOptions o;
  o.title = "Small";
  ASSERT_TRUE(MakeTone(dir_ / "lib2/small.mp3", o));
  ASSERT_EQ(Hearth("a", "import " + Quote(dir_ / "lib2")).exit_code, 0);
  std::string big, small;
  for (const auto& id : TrackIds("a")) (Json("a", "show " + id)["title"] == "Small" ? small : big) = id;
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_EQ(Hearth("a", "policy set capacity=b:1K").exit_code, 0);  // no replicas on B yet
  auto b = Serve("b", {"--download-limit", "2000"});
  ASSERT_EQ(Hearth("b", "fetch " + small + " --timeout 30").exit_code, 0) << b->Log();

  // Two copies, room on B: B fetches the big track, slowly.
  ASSERT_EQ(Hearth("a", "policy set capacity=b:0").exit_code, 0);
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  const std::string partial = Home("b") + "/partial";
  ASSERT_TRUE(Eventually([&] {
    struct stat st {};
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(partial, ec))
      if (::stat(e.path().c_str(), &st) == 0 && st.st_blocks * 512 > 4'000'000) return true;
    return false;
  }, std::chrono::seconds(30))) << b->Log();

  // Something else takes the rest of the disk.
  {
    std::ofstream filler(Home("b") + "/filler", std::ios::binary);
    const std::string mb(1 << 20, 'x');
    for (int i = 0; i < 64 && filler.write(mb.data(), static_cast<std::streamsize>(mb.size())); ++i) filler.flush();
  }
  ASSERT_TRUE(b->WaitForLog("stopped: the disk is full", std::chrono::seconds(30))) << b->Log();
  EXPECT_TRUE(b->Alive()) << b->Log();
  // B tells the others how little room it has now: placement looks
  // elsewhere, and with only A left the household lacks room for copies=2.
  const uint64_t big_size = Json("a", "show " + big)["size"];
  EXPECT_TRUE(Eventually([&] {
    const auto row = DeviceHealth("a", "b");
    return row["room"].is_number() && row["room"].get<uint64_t>() < big_size;
  })) << b->Log();
  EXPECT_TRUE(Eventually([&] { return !Json("a", "status")["health"]["lacks_room"].is_null(); })) << a->Log();
  ASSERT_EQ(Hearth("b", "export " + small + " " + Quote(dir_ / "after")).exit_code, 0);
  const std::string source = Json("a", "show " + small)["source_path"];
  const std::string name = std::filesystem::path(source).filename().string();
  EXPECT_EQ(ReadFileBytes(dir_ / ("after/" + name)), ReadFileBytes(source)) << "a blob held before was damaged";
  EXPECT_FALSE(Holds("b", big));

  // Room again: the replica is made after all.
  std::filesystem::remove(Home("b") + "/filler");
  ASSERT_TRUE(Eventually([&] { return Holds("b", big); }, std::chrono::seconds(60))) << b->Log();
  EXPECT_TRUE(b->Alive());
  ASSERT_EQ(Hearth("b", "export " + big + " " + Quote(dir_ / "big")).exit_code, 0);
  const std::string big_source = Json("a", "show " + big)["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("big/" + std::filesystem::path(big_source).filename().string())),
            ReadFileBytes(big_source));
}

// A member that lies: it says it was online all week with room for
// everything, lists every blob, sends an impossible availability and answers
// every proof with a made-up digest. Placement gives it the copies, but the
// device that imported them drops none on its word, and keeps serving.
TEST_F(PlacementTest, AMemberLyingAboutItsRoomAndHoldingsMakesNoOneDropACopy) {
  InitAndImport("a", 4, 2, ".mp3", "--copy");  // sealed copies, which could be dropped
  auto a = Serve("a");
  ASSERT_EQ(Join("liar", Invite("a", "--role storage")).exit_code, 0);
  auto liar = store::Home::Open(Home("liar"));
  ASSERT_TRUE(liar) << liar.error().message;
  std::vector<BlobId> blobs;
  uint64_t total = 0;
  const auto listing = Json("a", "ls");
  for (const auto& t : listing) {
    blobs.push_back(BlobFromHex(t["blob"]));
    total += crypto::SealedLength(t["size"].get<uint64_t>());
  }
  ASSERT_EQ(blobs.size(), 4u);

  mesh::asio::io_context io;
  mesh::tcp::socket socket(io);
  socket.connect(mesh::tcp::endpoint(mesh::asio::ip::make_address("127.0.0.1"), a->control_port()));
  auto conn = mesh::Connection::Create(io, mesh::TcpTransport::Wrap(std::move(socket)), liar->device_key(),
                                       liar->household(),
                                       [](const DeviceId&) { return true; }, true);
  std::atomic<int> proves{0};
  std::atomic<bool> closed{false};
  conn->Start(mesh::Connection::Callbacks{
      .on_ready =
          [&] {
            conn->Send(MessageType::kHello, EncodeHello(Hello{1, 0, 0, {}}));
            Bytes impossible = EncodeDeviceState(DeviceState{1000, false, 0, std::nullopt});
            impossible[1] = 0xea;  // 60,000 thousandths
            impossible[2] = 0x60;
            conn->Send(MessageType::kState, impossible);
            for (const Bytes& have : EncodeHaveSet(blobs)) conn->Send(MessageType::kHave, have);
            conn->Send(MessageType::kState, EncodeDeviceState(DeviceState{1000, false, total, uint64_t{1} << 50}));
          },
      .on_frame =
          [&](Frame f) {
            if (f.type != static_cast<uint8_t>(MessageType::kProve)) return;
            auto prove = DecodeProve(f.payload);
            if (!prove) return;
            ProofReply made_up{prove->blob, prove->chunk, prove->nonce, Possession::kHoldsAndKeeps, {}};
            made_up.digest.fill(0x5a);
            conn->Send(MessageType::kProof, EncodeProof(made_up));
            ++proves;
          },
      .on_closed = [&](const std::string&) { closed = true; },
  });
  std::thread runner([&] { io.run(); });
  struct StopRunner {
    mesh::asio::io_context& io;
    std::thread& t;
    ~StopRunner() {
      io.stop();
      t.join();
    }
  } stop_runner{io, runner};

  EXPECT_TRUE(a->WaitForLog("ignored a state report from liar")) << a->Log();
  EXPECT_NE(a->Log().find("60000/1000 is impossible"), std::string::npos) << a->Log();
  // Every blob is the liar's by placement; A asks it to prove each one.
  ASSERT_TRUE(Eventually([&] { return CountInLog(a->Log(), "sent a wrong proof") >= blobs.size(); }))
      << a->Log();
  EXPECT_GE(proves.load(), 4);
  EXPECT_FALSE(closed.load()) << "the session goes on: the numbers were ignored, not fatal";
  EXPECT_EQ(Json("a", "status")["counts"]["blobs"], blobs.size()) << a->Log();
  EXPECT_EQ(a->Log().find("dropped surplus"), std::string::npos) << a->Log();
  EXPECT_EQ(Json("a", "status")["node"]["running"], true);
}

TEST_F(PlacementTest, GarbageCapacitiesAndFloorsAreRefusedWithAReason) {
  InitAndImport("a", 1);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("p", Invite("a", "--role phone")).exit_code, 0);
  }
  auto phone = Hearth("a", "policy set capacity=p:5G");
  EXPECT_EQ(phone.exit_code, 2);
  EXPECT_NE(phone.err.find("a phone holds no replicas"), std::string::npos) << phone.err;
  for (const std::string bad : {"capacity=a", "capacity=a:lots", "capacity=a:99999999999999999T", "capacity=:5G",
                                "capacity=nobody:5G"}) {
    auto r = Hearth("a", "policy set " + bad);
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("error"), std::string::npos) << bad << ": " << r.err;
  }
  EXPECT_TRUE(Json("a", "policy show")["capacities"].empty());
  for (const std::string bad : {"95%", "x%", "-1G", "1.2.3%", "5Q"}) {
    auto r = Hearth("a", "serve --keep-free " + bad + " --listen 127.0.0.1:0 --torrent-port 0 --no-http");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--keep-free"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace hearth::testing

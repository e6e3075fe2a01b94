// A damaged copy is found by the background verification, set aside, and
// made whole again from another holder; with no other holder it stays set
// aside and `hearth status` says so. Real nodes, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/store/database.h"

#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

class RepairTest : public MeshFixture {
 protected:
  std::string BlobPath(const std::string& home, const std::string& hex) {
    return Home(home) + "/blobs/" + hex.substr(0, 2) + "/" + hex;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Flips one byte in the middle of a file, in place.
  static void Flip(const std::string& path) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto middle = f.tellg() / 2;
    f.seekg(middle);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(middle);
    f.write(&c, 1);
  }
};

TEST_F(RepairTest, AFlippedByteIsFoundSetAsideAndFetchedWholeFromAnotherHolder) {
  InitAndImport("a", 1, 8, ".wav", "--copy");  // a sealed copy to damage
  const std::string hex = Json("a", "ls")[0]["blob"];
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b", {"--scrub-pass", "2", "--scrub-cpu", "100"});
  const std::string good = Read(BlobPath("a", hex));
  ASSERT_FALSE(good.empty());
  ASSERT_TRUE(Eventually([&] { return Read(BlobPath("b", hex)) == good; }, std::chrono::seconds(60))) << b->Log();

  Flip(BlobPath("b", hex));
  ASSERT_NE(Read(BlobPath("b", hex)), good);
  ASSERT_TRUE(b->WaitForLog("failed verification", std::chrono::seconds(30))) << b->Log();
  ASSERT_TRUE(b->WaitForLog("is whole here again", std::chrono::seconds(30))) << b->Log();
  EXPECT_EQ(Read(BlobPath("b", hex)), good);
  EXPECT_FALSE(std::filesystem::exists(Home("b") + "/quarantine/" + hex)) << "the damaged copy is deleted once whole";
  EXPECT_EQ(Json("b", "status")["health"]["damaged"], 0);
  EXPECT_EQ(Read(BlobPath("a", hex)), good) << "the good copy was never touched";
}

TEST_F(RepairTest, WithNoOtherHolderTheDamagedCopyIsKeptAsideAndCounted) {
  InitAndImport("a", 1, 8, ".wav", "--copy");  // a sealed copy to damage
  const std::string hex = Json("a", "ls")[0]["blob"];
  const std::string path = BlobPath("a", hex);
  Flip(path);
  const std::string damaged = Read(path);
  auto a = Serve("a", {"--scrub-pass", "2", "--scrub-cpu", "100"});
  ASSERT_TRUE(a->WaitForLog("failed verification", std::chrono::seconds(30))) << a->Log();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(Read(Home("a") + "/quarantine/" + hex), damaged) << "set aside, byte for byte, for a person to look at";
  const auto health = Json("a", "status")["health"];
  EXPECT_EQ(health["damaged"], 1);
  ASSERT_EQ(health["damaged_tracks"].size(), 1u);
  CommandResult text = Hearth("a", "status");
  EXPECT_NE(text.out.find("failed verification"), std::string::npos) << text.out;
  // The node goes on: a second verification round finds nothing more to do.
  EXPECT_EQ(Json("a", "status")["health"]["damaged"], 1);
}

// A burst of damaged copies -- a disk that returned zeros for thousands of
// blobs -- is set aside copy by copy, the node keeps going, and the others
// learn the new set. (The set goes out once per tick, not once per copy:
// per copy it queued hundreds of MB at a few thousand copies and asked the
// database about every wanted blob again each time -- measured with the
// release build, not here, where the sanitizers' own memory hides it.)
TEST_F(RepairTest, ThousandsOfDamagedCopiesAreSetAsideAndTheOthersHearOnce) {
  constexpr int kBlobs = 3000;
  auto made = RunCommand(std::string(SYNTHETIC_HOME) + " make " + Quote(Home("a")) + " " + std::to_string(kBlobs));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto a = Serve("a", {"--no-lan"});
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  {  // B "holds" every blob: empty files where each should be.
    auto db = store::Database::Open(Home("b") + "/hearth.db", false);
    ASSERT_TRUE(db);
    auto st = db->Prepare("SELECT DISTINCT blob FROM ledger_claims");
    ASSERT_TRUE(st);
    int n = 0;
    ASSERT_TRUE(st->ForEach([&](const store::Statement& row) {
      const Bytes id = row.Blob(0);
      std::string hex;
      for (uint8_t c : id) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
      std::filesystem::create_directories(Home("b") + "/blobs/" + hex.substr(0, 2));
      std::ofstream(BlobPath("b", hex));
      ++n;
    }));
    ASSERT_EQ(n, kBlobs);
  }
  auto b = Serve("b", {"--no-lan", "--scrub-pass", "2", "--scrub-cpu", "100"});
  auto quarantined = [&] {
    std::error_code ec;
    auto it = std::filesystem::directory_iterator(Home("b") + "/quarantine", ec);
    return ec ? 0 : static_cast<int>(std::distance(it, std::filesystem::directory_iterator()));
  };
  ASSERT_TRUE(Eventually([&] { return quarantined() == kBlobs; }, std::chrono::seconds(120)))
      << quarantined() << " set aside\n" << b->Log().substr(0, 2000);
  EXPECT_TRUE(b->Alive());
  // A learns that B holds none of them after all.
  auto b_blobs = [&] {
    for (const auto& d : Json("a", "devices"))
      if (d.value("name", "") == "b") return d.value("blobs", -1);
    return -1;
  };
  EXPECT_TRUE(Eventually([&] { return b_blobs() == 0; }, std::chrono::seconds(60))) << b_blobs() << a->Log();
  EXPECT_EQ(Json("b", "status")["health"]["damaged"], kBlobs);
}

// A player reads a track whose copy here is damaged: the damaged chunk comes
// from the other holder, the whole file arrives intact, and the read sets
// off the repair at once (no waiting for the day-long verification round).
TEST_F(RepairTest, AStreamReadsADamagedChunkFromAnotherHolderAndSetsOffTheRepair) {
  InitAndImport("a", 1, 20, ".wav", "--copy");  // ~3.5 MB, 54 chunks, sealed to damage
  const std::string hex = Json("a", "ls")[0]["blob"];
  const std::string track = TrackIds("a")[0];
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto a = Serve("a");
  const std::string pw = dir_ / "pw";
  std::ofstream(pw) << "pw\n";
  const std::string key = Json("a", "user add carol --password-file " + Quote(pw)).value("api_key", std::string());
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_FALSE(key.empty());
  auto b = Serve("b");  // the default pace: a day per round
  const std::string good = Read(BlobPath("a", hex));
  ASSERT_TRUE(Eventually([&] { return Read(BlobPath("b", hex)) == good; }, std::chrono::seconds(60))) << b->Log();

  // Chunk 10 of B's copy (65,536 sealed bytes each).
  {
    std::fstream f(BlobPath("b", hex), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10 * 65536 + 100);
    f.write("\x42\x42", 2);
  }
  const std::string original = Read(Json("a", "show " + track)["source_path"]);
  Reply whole = Fetch(b->http_port(), "/api/v1/tracks/" + track + "/stream", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == original) << "streamed " << whole.body.size() << " bytes; " << b->Log();
  EXPECT_TRUE(b->WaitForLog("failed authentication", std::chrono::seconds(5))) << b->Log();
  EXPECT_TRUE(b->WaitForLog("is whole here again", std::chrono::seconds(30))) << b->Log();
  EXPECT_EQ(Read(BlobPath("b", hex)), good);
}

// The same for a transcode: an Opus stream of a track whose copy here has a
// damaged chunk is whole (as long as the healthy holder's own transcode),
// and the copy is repaired.
TEST_F(RepairTest, AnOpusStreamReadsADamagedChunkFromAnotherHolder) {
  InitAndImport("a", 1, 20, ".wav", "--copy");
  const std::string hex = Json("a", "ls")[0]["blob"];
  const std::string track = TrackIds("a")[0];
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  const std::string pw = dir_ / "pw";
  std::ofstream(pw) << "pw\n";
  const std::string key_a = Json("a", "user add dave --password-file " + Quote(pw)).value("api_key", std::string());
  const std::string key_b = Json("a", "user add carol --password-file " + Quote(pw)).value("api_key", std::string());
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_FALSE(key_a.empty() || key_b.empty());
  auto b = Serve("b");
  const std::string good = Read(BlobPath("a", hex));
  ASSERT_TRUE(Eventually([&] { return Read(BlobPath("b", hex)) == good; }, std::chrono::seconds(60))) << b->Log();
  {
    std::fstream f(BlobPath("b", hex), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10 * 65536 + 100);
    f.write("\x42\x42", 2);
  }
  const std::string opus = "/api/v1/tracks/" + track + "/stream?format=opus&bitrate=64";
  Reply damaged = Fetch(b->http_port(), opus, {{"Authorization", "Bearer " + key_b}});
  Reply healthy = Fetch(a->http_port(), opus, {{"Authorization", "Bearer " + key_a}});
  EXPECT_EQ(damaged.status, 200);
  EXPECT_EQ(damaged.body.substr(0, 4), "OggS");
  EXPECT_GT(healthy.body.size(), 10'000u);
  EXPECT_EQ(damaged.body.size(), healthy.body.size()) << b->Log();
  EXPECT_TRUE(b->WaitForLog("failed authentication; reading it from another device", std::chrono::seconds(5)))
      << b->Log();
  EXPECT_TRUE(b->WaitForLog("is whole here again", std::chrono::seconds(30))) << b->Log();
  EXPECT_EQ(Read(BlobPath("b", hex)), good);
}

}  // namespace
}  // namespace hearth::testing

// Three real nodes on loopback: pairing, catalog sync, fetch, replication
// policy, and fetching from whichever device still holds a blob.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "node/store/database.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

class MeshTest : public MeshFixture {
 protected:
  // Whether `home`'s own placement plan (kept in its database by its
  // running node) assigns it the blob `hex`.
  bool AssignedHere(const std::string& home, const std::string& hex) {
    auto db = store::Database::Open(Home(home) + "/hearth.db", false);
    if (!db) return false;
    Bytes id;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) id.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    auto st = db->Prepare("SELECT mine FROM placement_plan WHERE blob = ?");
    if (!st) return false;
    st->Bind(1, id);
    auto row = st->Step();
    return row && *row && st->Int(0) != 0;
  }
};

TEST_F(MeshTest, ThreeDevicesShareOneCopy) {
  InitAndImport("a", 4);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto c_join = Join("c", Invite("a", "--role phone"));
  ASSERT_EQ(c_join.exit_code, 0) << c_join.err;
  EXPECT_NE(c_join.out.find("as a phone device"), std::string::npos) << c_join.out;

  // The catalog came with the ledger, before any blob moved.
  const auto tracks = TrackIds("a");
  ASSERT_EQ(tracks.size(), 4u);
  EXPECT_EQ(TrackIds("b"), tracks);
  EXPECT_EQ(TrackIds("c"), tracks);
  EXPECT_FALSE(Holds("b", tracks[0]));

  EXPECT_EQ(Json("b", "status")["node"]["running"], false);
  auto b = Serve("b");
  auto c = Serve("c");
  EXPECT_EQ(Json("b", "status")["node"]["running"], true);
  EXPECT_EQ(Json("b", "status")["node"]["control"], b->address());
  ASSERT_TRUE(a->WaitForLog("connected to b")) << a->Log();
  ASSERT_TRUE(a->WaitForLog("connected to c")) << a->Log();

  // B fetches a track and exports it bit for bit.
  const std::string t = tracks[0];
  auto fetched = Hearth("b", "fetch " + t + " --timeout 30");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err << b->Log();
  EXPECT_TRUE(Holds("b", t));
  ASSERT_EQ(Hearth("b", "export " + t + " " + Quote(dir_ / "out")).exit_code, 0);
  const std::string source = Json("a", "show " + t)["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("out/" + std::filesystem::path(source).filename().string())), ReadFileBytes(source));

  // A sees who holds it.
  EXPECT_TRUE(Eventually([&] { return HolderCount("a", t) == 2; })) << Json("a", "where " + t).dump();

  // copies=2: the second full device (B) ends up holding every blob; the
  // phone holds only what it fetched.
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    for (const auto& id : tracks)
      if (!Holds("b", id)) return false;
    return true;
  }, std::chrono::seconds(30))) << b->Log();
  for (const auto& id : tracks) EXPECT_FALSE(Holds("c", id));
  auto devices = Json("a", "devices");
  ASSERT_EQ(devices.size(), 3u);

  // A goes away; the phone still gets a track, from B.
  EXPECT_EQ(a->Stop(), 0) << "serve exits 0 on SIGTERM";
  EXPECT_EQ(Json("a", "status")["node"]["running"], false) << "and removes serve.json";
  ASSERT_TRUE(c->WaitForLog("connected to b")) << c->Log();
  auto from_b = Hearth("c", "fetch " + tracks[1] + " --timeout 30");
  ASSERT_EQ(from_b.exit_code, 0) << from_b.err << c->Log();
  ASSERT_EQ(Hearth("c", "export " + tracks[1] + " " + Quote(dir_ / "out_c")).exit_code, 0);
  const std::string source1 = Json("b", "show " + tracks[1])["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("out_c/" + std::filesystem::path(source1).filename().string())), ReadFileBytes(source1));
}

TEST_F(MeshTest, StorageDeviceHoldsCiphertextWithoutTheContentKey) {
  InitAndImport("a", 3);
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto a = Serve("a");
  auto join = Join("s", Invite("a", "--role storage"));
  ASSERT_EQ(join.exit_code, 0) << join.err;
  EXPECT_FALSE(std::filesystem::exists(Home("s") + "/content.key"));
  auto status = Json("s", "status");
  EXPECT_EQ(status["device"]["has_content_secret"], false);
  EXPECT_EQ(status["counts"]["tracks"], 3) << "the storage device sees how many blobs there are";
  EXPECT_EQ(Json("s", "ls").size(), 0u) << "but cannot read what they are";
  // With copies=2 and two full/storage devices, the storage device holds
  // every blob, verified piece by piece, without being able to open one.
  auto s = Serve("s");
  const size_t blobs = Json("a", "status")["counts"]["blobs"];
  EXPECT_TRUE(Eventually([&] { return Json("s", "status")["counts"]["blobs"] == blobs; }, std::chrono::seconds(30)))
      << s->Log();
  for (const auto& id : TrackIds("a")) EXPECT_EQ(HolderCount("a", id), 2u);
}

TEST_F(MeshTest, ADeviceGoingAwayHasItsReplicasMadeElsewhere) {
  InitAndImport("a", 8);
  ASSERT_EQ(Hearth("a", "policy set copies=2").exit_code, 0);
  auto a = Serve("a", {"--away-after", "1"});
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_EQ(Join("c", Invite("a")).exit_code, 0);
  std::map<std::string, std::unique_ptr<NodeProcess>> nodes;
  nodes["b"] = Serve("b", {"--away-after", "1"});
  nodes["c"] = Serve("c", {"--away-after", "1"});
  const auto tracks = TrackIds("a");
  // Placement settles: every blob on its two highest-ranked devices.
  ASSERT_TRUE(Eventually([&] {
    for (const auto& t : tracks)
      if (HolderCount("a", t) < 2) return false;
    return true;
  }, std::chrono::seconds(30)));
  // ... and B and C hold exactly what their own plans assign them: every
  // assigned copy fetched, every surplus one gone.
  std::vector<std::string> blobs;
  for (const auto& t : Json("a", "ls")) blobs.push_back(t.value("blob", ""));
  ASSERT_TRUE(Eventually([&] {
    for (const std::string& hex : blobs)
      for (const char* d : {"b", "c"})
        if (std::filesystem::exists(Home(d) + "/blobs/" + hex.substr(0, 2) + "/" + hex) != AssignedHere(d, hex))
          return false;
    return true;
  }, std::chrono::seconds(30)));
  // A blob that exactly one of B and C holds: that one goes away.
  std::string track, gone, other;
  for (const auto& t : tracks) {
    bool b = Holds("b", t), c = Holds("c", t);
    if (b != c) {
      track = t;
      gone = b ? "b" : "c";
      other = b ? "c" : "b";
      break;
    }
  }
  if (track.empty()) GTEST_SKIP() << "placement put every blob on both B and C (odds ~1 in 6,500)";
  nodes[gone]->Stop();
  EXPECT_TRUE(Eventually([&] { return Holds(other, track); }, std::chrono::seconds(30))) << nodes[other]->Log();
  EXPECT_TRUE(Holds("a", track)) << "an assigned holder's copy stays";

  // The device comes back: the replica made in its absence is surplus again
  // and goes, once A and the returning device have proved they hold it.
  nodes[gone] = Serve(gone, {"--away-after", "1"});
  EXPECT_TRUE(Eventually([&] { return !Holds(other, track); }, std::chrono::seconds(40))) << nodes[other]->Log();
  EXPECT_TRUE(Holds(gone, track));
  EXPECT_TRUE(Holds("a", track));
  EXPECT_TRUE(nodes[other]->WaitForLog("proved they hold it")) << nodes[other]->Log();
}

// A storage box online all week outranks a device that has only just
// started: the copies the new device imported move to the box. They go only
// after the box proves it holds them -- a claim alone is not enough.
TEST_F(MeshTest, ImportedCopiesMoveToAMoreAvailableDeviceOnlyOnceItProvesIt) {
  InitAndImport("a", 6, 2, ".mp3", "--copy");  // sealed copies (originals in place never move)
  auto a = Serve("a");
  ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
  SeedAlwaysOn("s");
  const auto tracks = TrackIds("a");
  const size_t blobs = Json("a", "status")["counts"]["blobs"];
  ASSERT_EQ(blobs, 6u);

  // The storage device starts out "holding" damaged copies of every blob:
  // it lists them in its HAVE set but cannot produce the real bytes.
  const std::filesystem::path a_blobs = Home("a") + "/blobs", s_blobs = Home("s") + "/blobs";
  for (const auto& e : std::filesystem::recursive_directory_iterator(a_blobs)) {
    if (!e.is_regular_file()) continue;
    auto bytes = ReadFileBytes(e.path());
    for (size_t off = 10; off < bytes.size(); off += 65536) bytes[off] ^= 0x01;
    const auto to = s_blobs / std::filesystem::relative(e.path(), a_blobs);
    std::filesystem::create_directories(to.parent_path());
    ASSERT_TRUE(WriteFileBytes(to, bytes));
  }
  {
    auto s = Serve("s");
    ASSERT_TRUE(a->WaitForLog("connected to s")) << a->Log();
    // Every blob is S's now; A asks S to prove it holds them, and S cannot.
    ASSERT_TRUE(a->WaitForLog("sent a wrong proof", std::chrono::seconds(20))) << a->Log();
    ASSERT_TRUE(Eventually([&] { return CountInLog(a->Log(), "sent a wrong proof") >= 6; })) << a->Log();
    EXPECT_EQ(Json("a", "status")["counts"]["blobs"], blobs) << "A dropped a copy on a false claim\n" << a->Log();
    EXPECT_EQ(a->Log().find("dropped surplus"), std::string::npos) << a->Log();
  }

  // S loses its damaged copies and fetches the real ones; once it has
  // proved them, A drops its own.
  std::filesystem::remove_all(s_blobs);
  auto s = Serve("s");
  ASSERT_TRUE(Eventually([&] {
    for (const auto& t : tracks)
      if (HolderNames("a", t) != std::set<std::string>{"s"}) return false;
    return true;
  }, std::chrono::seconds(40))) << a->Log() << s->Log();
  EXPECT_TRUE(a->WaitForLog("proved they hold it")) << a->Log();
  EXPECT_EQ(Json("s", "status")["counts"]["blobs"], blobs);
  EXPECT_EQ(Json("a", "status")["counts"]["blobs"], 0);

  // A track A no longer holds is fetched back from S (which cannot read it),
  // bit for bit, and kept: fetched on purpose, it is cache, not surplus.
  const std::string t = tracks.front();
  auto fetched = Hearth("a", "fetch " + t + " --timeout 30");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err << a->Log();
  ASSERT_EQ(Hearth("a", "export " + t + " " + Quote(dir_ / "out")).exit_code, 0);
  const std::string source = Json("a", "show " + t)["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("out/" + std::filesystem::path(source).filename().string())), ReadFileBytes(source));
  EXPECT_TRUE(Holds("a", t)) << a->Log();
}

TEST_F(MeshTest, LedgerEntriesWrittenWhileServingReachEveryDevice) {
  InitAndImport("a", 1);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b");
  ASSERT_TRUE(a->WaitForLog("connected to b")) << a->Log();
  // A second import on A, by the CLI while A's node runs.
  ToneOptions o;
  o.title = "Later";
  o.frequency = 900;
  ASSERT_TRUE(MakeTone(dir_ / "lib2/later.mp3", o));
  ASSERT_EQ(Hearth("a", "import " + Quote(dir_ / "lib2")).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return TrackIds("b").size() == 2; })) << b->Log();
  // A announces the new blob at once (not at its minute-long rescan), so B
  // can fetch it right away.
  std::string later;
  for (const auto& id : TrackIds("b"))
    if (Json("b", "show " + id)["title"] == "Later") later = id;
  ASSERT_FALSE(later.empty());
  auto fetched = Hearth("b", "fetch " + later + " --timeout 10");
  EXPECT_EQ(fetched.exit_code, 0) << fetched.err << a->Log();
}

TEST_F(MeshTest, KilledMidFetchResumesWithoutRefetchingVerifiedPieces) {
  InitAndImport("a", 1, 120, ".wav");  // ~21 MB
  const std::string t = TrackIds("a").front();
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  {
    auto b = Serve("b", {"--download-limit", "2500"});
    ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
    ASSERT_EQ(Hearth("b", "pin " + t).exit_code, 0);
    const std::string partial = Home("b") + "/partial";
    ASSERT_TRUE(Eventually([&] {
      struct stat st {};
      for (const auto& e : std::filesystem::directory_iterator(partial))
        if (::stat(e.path().c_str(), &st) == 0 && st.st_blocks * 512 > 4'000'000) return true;
      return false;
    }, std::chrono::seconds(30))) << b->Log();
    b->Kill();
  }
  auto b = Serve("b");
  ASSERT_TRUE(b->WaitForLog("fetched blob", std::chrono::seconds(60))) << b->Log();
  const std::string log = b->Log();
  auto at = log.find("fetched blob");
  auto bytes_at = log.find('(', at) + 1;
  uint64_t size = std::stoull(log.substr(bytes_at));
  auto dl_at = log.find(", ", bytes_at) + 2;
  uint64_t downloaded = std::stoull(log.substr(dl_at));
  EXPECT_GT(size, 20'000'000u);
  // The pieces verified before the kill were not fetched again.
  EXPECT_LT(downloaded, size - 3'000'000) << log;
  ASSERT_EQ(Hearth("b", "export " + t + " " + Quote(dir_ / "out")).exit_code, 0);
  const std::string source = Json("a", "show " + t)["source_path"];
  EXPECT_EQ(ReadFileBytes(dir_ / ("out/" + std::filesystem::path(source).filename().string())), ReadFileBytes(source));
}

}  // namespace
}  // namespace hearth::testing

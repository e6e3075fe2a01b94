// Watched folders (node/library/folder_watch.h): while `serve` runs, the
// folders kept in place are followed -- a file dropped in is imported and
// listed on another device, a re-tagged file becomes its track's new
// version everywhere, a moved file is found again, a deleted one is marked
// missing (never released) and restored when it comes back, and a folder
// whose disk goes away releases and marks nothing. Real nodes, real files.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

namespace fs = std::filesystem;

class WatchTest : public MeshFixture {
 protected:
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::set<std::string> Titles(const std::string& home) {
    std::set<std::string> out;
    auto r = Hearth(home, "ls --json");
    if (r.exit_code != 0) return out;
    for (const auto& t : nlohmann::json::parse(r.out, nullptr, false)) out.insert(t.value("title", ""));
    return out;
  }
  nlohmann::json Missing(const std::string& home) {
    return Json(home, "status")["health"]["missing_originals"];
  }
  // The folder's watch state as `hearth folders` shows it.
  std::string WatchState(const std::string& home, const std::string& path) {
    for (const auto& f : Json(home, "folders"))
      if (f.value("path", "") == fs::canonical(path).string()) return f.value("watch", "");
    return "";
  }
  // Writes a file elsewhere, then moves it in whole (as a browser's download
  // or a file manager does).
  void DropIn(const std::string& made, const std::string& into) { fs::rename(made, into); }
};

TEST_F(WatchTest, AFileDroppedInIsListedOnAnotherDeviceAndARetaggedOneIsTheNewVersionEverywhere) {
  InitAndImport("a", 2);
  auto a = Serve("a");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  auto b = Serve("b", {"--keep-released", "1"});
  ASSERT_TRUE(Eventually([&] { return Titles("b") == std::set<std::string>{"Song 0", "Song 1"}; },
                         std::chrono::seconds(30))) << b->Log();
  // B keeps a copy of Song 1 as it is now.
  std::string old_track;
  for (const auto& t : Json("b", "ls"))
    if (t["title"] == "Song 1") old_track = t["id"];
  const std::string old_blob = Json("b", "show " + old_track)["blob"];
  ASSERT_EQ(Hearth("b", "fetch " + old_track + " --timeout 60").exit_code, 0) << b->Log();

  // A purchase, side-loaded: it is imported by the watcher and listed on B.
  ToneOptions o;
  o.frequency = 900;
  o.title = "Bought";
  ASSERT_TRUE(MakeTone(dir_ / "bought.mp3", o));
  DropIn(dir_ / "bought.mp3", dir_ / "lib/bought.mp3");
  ASSERT_TRUE(Eventually([&] { return Titles("b").contains("Bought"); }, std::chrono::seconds(30)))
      << a->Log() << b->Log();
  size_t sealed = 0;
  std::error_code ec;
  for (const auto& f : fs::recursive_directory_iterator(Home("a") + "/blobs", ec)) sealed += f.is_regular_file(ec);
  EXPECT_EQ(sealed, 0u) << "kept in place: no sealed copy";

  // Song 1 re-tagged where it is (a tag editor writes a new file over it).
  ASSERT_TRUE(Retag(dir_ / "lib/song1.mp3", dir_ / "retagged.mp3", "Song 1 (remastered)"));
  fs::rename(dir_ / "retagged.mp3", dir_ / "lib/song1.mp3");
  const std::set<std::string> want{"Song 0", "Song 1 (remastered)", "Bought"};
  ASSERT_TRUE(Eventually([&] { return Titles("a") == want && Titles("b") == want; }, std::chrono::seconds(30)))
      << a->Log() << b->Log();
  EXPECT_TRUE(a->WaitForLog("new version(s) of re-tagged files", std::chrono::seconds(5))) << a->Log();

  // B fetches the new version and gets the re-tagged file bit for bit.
  std::string track;
  for (const auto& t : Json("b", "ls"))
    if (t["title"] == "Song 1 (remastered)") track = t["id"];
  ASSERT_FALSE(track.empty());
  auto fetched = Hearth("b", "fetch " + track + " --timeout 60");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err << a->Log() << b->Log();
  ASSERT_EQ(Hearth("b", "export " + track + " " + Quote(dir_ / "out")).exit_code, 0);
  EXPECT_TRUE(ReadAll(dir_ / "out/song1.mp3") == ReadAll(dir_ / "lib/song1.mp3"));
  EXPECT_EQ(b->Log().find("failed its hash check"), std::string::npos) << b->Log();
  EXPECT_EQ(Json("a", "status")["health"]["missing_originals"].size(), 0u);
  // The old version's blob is let go on B: no claim names it any more.
  EXPECT_TRUE(b->WaitForLog("deleted blob " + old_blob.substr(0, 12), std::chrono::seconds(20))) << b->Log();
}

TEST_F(WatchTest, MovedFilesAreFoundAgainDeletedOnesAreMissingUntilTheyComeBackOrAreForgotten) {
  InitAndImport("a", 3);
  auto a = Serve("a");
  // B is a phone: it holds no replicas, so a deleted original has no copy
  // left anywhere (a full device may be given one by placement meanwhile).
  ASSERT_EQ(Join("b", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b");
  ASSERT_TRUE(Eventually([&] { return Titles("b").size() == 3; }, std::chrono::seconds(30))) << b->Log();
  const std::string backup = dir_ / "backup.mp3";
  fs::copy_file(dir_ / "lib/song2.mp3", backup);

  // Moved into a new folder and renamed: the same track, served from there.
  fs::create_directories(dir_ / "lib/Album");
  fs::rename(dir_ / "lib/song0.mp3", dir_ / "lib/Album/01 First.mp3");
  // Deleted, with no copy anywhere else.
  fs::remove(dir_ / "lib/song2.mp3");
  ASSERT_TRUE(Eventually([&] { return Missing("a").size() == 1; }, std::chrono::seconds(30))) << a->Log();
  const nlohmann::json gone = Missing("a")[0];
  EXPECT_EQ(gone["title"], "Song 2");
  EXPECT_EQ(gone["path"], fs::canonical(std::string(dir_ / "lib")).string() + "/song2.mp3");
  EXPECT_FALSE(gone["copy_left"].get<bool>());
  EXPECT_NE(gone["reason"].get<std::string>().find("deleted"), std::string::npos);
  EXPECT_EQ(Titles("a").size(), 3u) << "a deletion never releases a track by itself";
  EXPECT_NE(Hearth("a", "status").out.find("NO COPY LEFT"), std::string::npos);

  // The moved file: B fetches it (A reads it at its new path).
  std::string first;
  for (const auto& t : Json("b", "ls"))
    if (t["title"] == "Song 0") first = t["id"];
  auto fetched = Hearth("b", "fetch " + first + " --timeout 60");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err << a->Log() << b->Log();
  ASSERT_EQ(Hearth("b", "export " + first + " " + Quote(dir_ / "out")).exit_code, 0);
  EXPECT_TRUE(ReadAll(dir_ / "out/song0.mp3") == ReadAll(dir_ / "lib/Album/01 First.mp3"));

  // Its folder renamed: A reads it from there (export goes through A's own
  // record of where the original is), and nothing more is missing.
  fs::rename(dir_ / "lib/Album", dir_ / "lib/Disc 1");
  ASSERT_TRUE(Eventually([&] {
    fs::remove_all(dir_ / "from-a");
    return Hearth("a", "export " + first + " " + Quote(dir_ / "from-a")).exit_code == 0;
  }, std::chrono::seconds(30))) << a->Log();
  EXPECT_TRUE(ReadAll(dir_ / "from-a/song0.mp3") == ReadAll(dir_ / "lib/Disc 1/01 First.mp3"));
  EXPECT_EQ(Missing("a").size(), 1u);

  // The deleted file comes back (from a backup): no longer missing.
  fs::copy_file(backup, dir_ / "lib/restored.mp3");
  ASSERT_TRUE(Eventually([&] { return Missing("a").empty(); }, std::chrono::seconds(30))) << a->Log();
  EXPECT_EQ(Titles("a").size(), 3u);

  // Gone again; this time the household lets it go.
  fs::remove(dir_ / "lib/restored.mp3");
  ASSERT_TRUE(Eventually([&] { return Missing("a").size() == 1; }, std::chrono::seconds(30))) << a->Log();
  auto forgot = Json("a", "forget --missing");
  ASSERT_EQ(forgot["forgotten"].size(), 1u) << forgot;
  EXPECT_EQ(Titles("a"), (std::set<std::string>{"Song 0", "Song 1"}));
  EXPECT_TRUE(Missing("a").empty());
  ASSERT_TRUE(Eventually([&] { return Titles("b").size() == 2; }, std::chrono::seconds(30))) << b->Log();
}

// A file changed in a way that is not a re-tag (truncated: other audio) and
// a file replaced by another song: the old tracks' bytes are gone from here.
TEST_F(WatchTest, ATruncatedOrReplacedOriginalIsMissingAndNeverServedAsTheOldBlob) {
  InitAndImport("a", 2, 4, ".wav");
  auto a = Serve("a");
  ASSERT_TRUE(Eventually([&] { return WatchState("a", dir_ / "lib") == "watching"; }, std::chrono::seconds(20)))
      << a->Log();
  fs::resize_file(dir_ / "lib/song0.wav", 100'000);
  ToneOptions o;
  o.frequency = 1200;
  o.title = "Other";
  o.seconds = 1;
  ASSERT_TRUE(MakeTone(dir_ / "other.wav", o));
  fs::rename(dir_ / "other.wav", dir_ / "lib/song1.wav");
  ASSERT_TRUE(Eventually([&] { return Missing("a").size() == 2 && Titles("a").contains("Other"); },
                         std::chrono::seconds(30)))
      << a->Log() << Missing("a");
  for (const auto& m : Missing("a")) {
    EXPECT_FALSE(m["copy_left"].get<bool>());
    EXPECT_NE(m["reason"].get<std::string>().find("changed"), std::string::npos) << m;
    EXPECT_FALSE(Json("a", "where " + m["track"].get<std::string>())["holders"].size() > 0) << m;
  }
}

// The folder's disk goes away (unmounted): the node says so, and nothing in
// it is released or marked missing; it comes back and all is as it was.
TEST_F(WatchTest, AFolderWhoseDiskIsUnmountedReleasesAndMarksNothing) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    GTEST_SKIP() << "needs a private mount namespace";
  ASSERT_EQ(Hearth("a", "init --name Home --device-name a").exit_code, 0);
  const std::string disk = dir_ / "disk", mnt = dir_ / "mnt";
  fs::create_directories(disk);
  fs::create_directories(mnt);
  ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=32m"), 0);
  for (int i = 0; i < 3; ++i) {
    ToneOptions o;
    o.frequency = 500 + 50 * i;
    o.title = "Disk " + std::to_string(i);
    ASSERT_TRUE(MakeTone(disk + "/d" + std::to_string(i) + ".mp3", o));
  }
  // The disk appears at `mnt` (a bind mount keeps the tmpfs's device, as a
  // disk mounted again would).
  ASSERT_EQ(::mount(disk.c_str(), mnt.c_str(), nullptr, MS_BIND, nullptr), 0);
  ASSERT_EQ(Hearth("a", "import " + Quote(mnt)).exit_code, 0);
  auto a = Serve("a");
  ASSERT_TRUE(Eventually([&] { return WatchState("a", mnt) == "watching"; }, std::chrono::seconds(20))) << a->Log();

  ASSERT_EQ(::umount2(mnt.c_str(), MNT_DETACH), 0);
  ASSERT_TRUE(a->WaitForLog(" is unavailable: ", std::chrono::seconds(20))) << a->Log();
  EXPECT_NE(WatchState("a", mnt).find("unavailable"), std::string::npos) << WatchState("a", mnt);
  EXPECT_TRUE(Missing("a").empty()) << Missing("a");
  EXPECT_EQ(Titles("a").size(), 3u);

  ASSERT_EQ(::mount(disk.c_str(), mnt.c_str(), nullptr, MS_BIND, nullptr), 0);
  ASSERT_TRUE(a->WaitForLog(" is available again", std::chrono::seconds(20))) << a->Log();
  EXPECT_EQ(WatchState("a", mnt), "watching");
  EXPECT_TRUE(Missing("a").empty());
  EXPECT_EQ(Titles("a").size(), 3u);
  a.reset();
  (void)::umount2(mnt.c_str(), MNT_DETACH);
  (void)::umount2(disk.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace hearth::testing

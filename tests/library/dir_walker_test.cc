#include "node/library/dir_walker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace hearth::library {
namespace {

namespace fs = std::filesystem;

void Touch(const std::string& p) { std::ofstream(p) << "x"; }

TEST(DirWalker, FindsAudioFilesSkipsHiddenAndOtherFiles) {
  hearth::testing::TempDir dir;
  fs::create_directories(dir / "a/b");
  fs::create_directories(dir / ".hidden");
  Touch(dir / "a/1.mp3");
  Touch(dir / "a/b/2.FLAC");
  Touch(dir / "a/cover.jpg");
  Touch(dir / "a/.3.mp3");
  Touch(dir / ".hidden/4.mp3");
  WalkResult r = WalkMusic({dir.path()});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].path, dir / "a/1.mp3");
  EXPECT_EQ(r.files[1].path, dir / "a/b/2.FLAC");
  EXPECT_EQ(r.skipped_other, 1u);
  EXPECT_TRUE(r.problems.empty());
}

TEST(DirWalker, AFileNamedExplicitlyIsTakenWhateverItsName) {
  hearth::testing::TempDir dir;
  Touch(dir / "song.data");
  WalkResult r = WalkMusic({dir / "song.data"});
  ASSERT_EQ(r.files.size(), 1u);
}

TEST(DirWalker, SymlinkLoopsAreReportedOnceAndSkipped) {
  hearth::testing::TempDir dir;
  fs::create_directories(dir / "music/sub");
  Touch(dir / "music/sub/1.mp3");
  fs::create_directory_symlink(dir / "music", dir / "music/sub/loop");
  fs::create_symlink(dir / "music/self", dir / "music/self");  // a link to itself
  WalkResult r = WalkMusic({dir / "music"});
  ASSERT_EQ(r.files.size(), 1u);
  ASSERT_EQ(r.problems.size(), 2u);
  bool saw_loop = false;
  for (const auto& p : r.problems) saw_loop |= p.reason.find("loop") != std::string::npos;
  EXPECT_TRUE(saw_loop);
}

TEST(DirWalker, FollowsSymlinkedFoldersAndFiles) {
  hearth::testing::TempDir dir;
  fs::create_directories(dir / "elsewhere");
  fs::create_directories(dir / "music");
  Touch(dir / "elsewhere/1.ogg");
  fs::create_directory_symlink(dir / "elsewhere", dir / "music/linked");
  WalkResult r = WalkMusic({dir / "music"});
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].path, dir / "music/linked/1.ogg");
}

TEST(DirWalker, MissingPathsAndNonRegularFilesAreProblems) {
  hearth::testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.mp3").c_str(), 0600), 0);
  WalkResult r = WalkMusic({dir / "nope", dir.path()});
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].reason.find("No such file"), std::string::npos);
  EXPECT_EQ(r.problems[1].reason, "not a regular file");
}

}  // namespace
}  // namespace hearth::library

// The folders this device imports from: resolved (symlinks followed), a
// file's folder for a file, and "inside" by whole path components.
#include "node/store/import_roots.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

TEST(ImportRoots, AFolderIsItsOwnRootAFileItsFolderAndSymlinksAreResolved) {
  testing::TempDir dir;
  const auto music = std::filesystem::canonical(std::filesystem::path(dir.path())) / "music";
  std::filesystem::create_directories(music / "album");
  std::ofstream(music / "album/t.mp3") << "x";
  std::filesystem::create_symlink(music, std::filesystem::path(dir.path()) / "link");
  EXPECT_EQ(ImportRootOf(music.string()), music.string());
  // One file imported allows that file, not its whole folder.
  EXPECT_EQ(ImportRootOf((music / "album/t.mp3").string()), (music / "album/t.mp3").string());
  EXPECT_EQ(ImportRootOf(dir / "link"), music.string());
  EXPECT_EQ(ImportRootOf(dir / "nothing"), std::nullopt);
}

TEST(ImportRoots, InsideIsByWholeComponents) {
  EXPECT_TRUE(PathInside("/music", "/music"));
  EXPECT_TRUE(PathInside("/music", "/music/a/b.flac"));
  EXPECT_FALSE(PathInside("/music", "/music2"));
  EXPECT_FALSE(PathInside("/music", "/musi"));
  EXPECT_FALSE(PathInside("/music", "/etc/passwd"));
  EXPECT_TRUE(PathInside("/", "/etc/passwd"));
  EXPECT_FALSE(PathInside("", "/etc"));
}

TEST(ImportRoots, RootsAreKeptOnceAndListed) {
  testing::TempDir dir;
  auto db = Database::Open(dir / "db", true);
  ASSERT_TRUE(db);
  EXPECT_TRUE(ListImportRoots(*db)->empty());
  ASSERT_TRUE(AddImportRoot(*db, "/b", 1));
  ASSERT_TRUE(AddImportRoot(*db, "/a", 2));
  ASSERT_TRUE(AddImportRoot(*db, "/b", 3));
  EXPECT_EQ(*ListImportRoots(*db), (std::vector<std::string>{"/a", "/b"}));
}

}  // namespace
}  // namespace hearth::store

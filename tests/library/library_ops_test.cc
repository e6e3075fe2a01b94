#include "node/library/library_ops.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/library/importer.h"
#include "node/store/live_claims.h"
#include "tests/support/media_files.h"

namespace hearth::library {
namespace {

using hearth::testing::Rows;

namespace fs = std::filesystem;
using hearth::testing::MakeTone;
using hearth::testing::ReadFileBytes;

class LibraryOps : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(hearth::testing::MakeImage(dir / "cover.jpg"));
    ASSERT_TRUE(MakeTone(dir / "lib/one.flac", {.frequency = 700, .seconds = 3, .title = "One", .cover = dir / "cover.jpg"}));
    ASSERT_TRUE(MakeTone(dir / "lib/two.mp3", {.frequency = 800, .title = "Two"}));
    ASSERT_TRUE(hearth::testing::Retag(dir / "lib/one.flac", dir / "lib/zz-copies/one-retagged.flac", "One again"));
    auto h = store::Home::Init(dir / "home", store::InitOptions{"Home", "pc"});
    ASSERT_TRUE(h);
    home.emplace(std::move(*h));
    catalog.emplace(home->db());
    Importer importer(*home, *catalog);
    // Sealed copies: the damage test flips a byte of one.
    auto s = importer.Run(ImportOptions{.paths = {dir / "lib"}, .in_place = false});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->imported, 2u);
    ASSERT_EQ(s->matched, 1u);
  }
  TrackRecord Track(const std::string& title) {
    for (const auto& t : Rows(catalog->List({})))
      if (t.title == title) return t;
    ADD_FAILURE() << "no track " << title;
    return {};
  }

  hearth::testing::TempDir dir;
  std::optional<store::Home> home;
  std::optional<Catalog> catalog;
};

TEST_F(LibraryOps, ExportGivesBackTheOriginalFilesBitForBit) {
  auto one = ExportTrack(*home, Track("One"), dir / "out");
  auto two = ExportTrack(*home, Track("Two"), dir / "out");
  ASSERT_TRUE(one) << one.error();
  ASSERT_TRUE(two) << two.error();
  EXPECT_EQ(ReadFileBytes(*one), ReadFileBytes(dir / "lib/one.flac"));
  EXPECT_EQ(ReadFileBytes(*two), ReadFileBytes(dir / "lib/two.mp3"));
  // Exporting again does not overwrite: it picks a free name.
  auto again = ExportTrack(*home, Track("Two"), dir / "out");
  ASSERT_TRUE(again);
  EXPECT_EQ(fs::path(*again).filename(), "two (2).mp3");
}

TEST_F(LibraryOps, ExportRefusesADamagedBlob) {
  TrackRecord two = Track("Two");
  std::string path = home->blobs().PathOf(two.blob);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  auto r = ExportTrack(*home, two, dir / "out");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("damaged"), std::string::npos) << r.error();
  EXPECT_FALSE(fs::exists(dir / "out/two.mp3"));
}

TEST_F(LibraryOps, CoverArtIsStoredOnceAndReadable) {
  TrackRecord one = Track("One");
  ASSERT_TRUE(one.cover);
  auto image = ReadCover(*home, *one.cover);
  ASSERT_TRUE(image) << image.error();
  EXPECT_EQ(*image, ReadFileBytes(dir / "cover.jpg"));
  EXPECT_EQ(home->covers().List()->size(), 1u);  // the re-tagged copy shares it
}

TEST_F(LibraryOps, ForgetReleasesEveryClaimAndDropsOnlyUnneededBlobs) {
  TrackRecord one = Track("One"), two = Track("Two");
  ASSERT_EQ(catalog->ClaimsOf(one.track)->size(), 2u);  // original + matched copy
  auto r = ForgetTrack(*home, *catalog, one.track);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->released, 2u);
  EXPECT_EQ(r->blobs_removed, 1u);
  EXPECT_FALSE(home->blobs().Has(one.blob));
  EXPECT_TRUE(home->blobs().Has(two.blob));
  EXPECT_EQ(catalog->TrackCount().value(), 1u);
  EXPECT_EQ(store::AllLiveClaims(home->db()).value().size(), 1u);
  auto report = store::VerifyStoredLedger(home->db(), home->household());
  EXPECT_TRUE(report && report->ok());
}

TEST_F(LibraryOps, AMatchedCopyStillExportsAfterItsOriginalIsReleased) {
  TrackRecord one = Track("One");
  auto claims = catalog->ClaimsOf(one.track).value();
  ASSERT_EQ(claims.size(), 2u);
  ASSERT_FALSE(claims[0].matched);
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{claims[0].claim}, 1));
  ASSERT_TRUE(catalog->Sync(home->ledger().ledger().state(), home->content_secret()));
  TrackRecord copy = Track("One again");
  EXPECT_TRUE(copy.matched);
  auto out = ExportTrack(*home, copy, dir / "out");
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(ReadFileBytes(*out), ReadFileBytes(dir / "lib/one.flac"));  // the blob holds the original's bytes
}

}  // namespace
}  // namespace hearth::library

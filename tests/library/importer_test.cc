#include "node/library/importer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "node/library/dir_walker.h"
#include "node/store/live_claims.h"
#include "tests/support/media_files.h"

namespace hearth::library {
namespace {

using hearth::testing::Rows;

namespace fs = std::filesystem;
using hearth::testing::MakeTone;
using hearth::testing::RunCommand;

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& f : fs::recursive_directory_iterator(dir)) n += f.is_regular_file() ? 1 : 0;
  return n;
}

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = store::Home::Init(dir / "home", store::InitOptions{"Home", "pc"});
    ASSERT_TRUE(h) << h.error().message;
    home.emplace(std::move(*h));
    catalog.emplace(home->db());
  }
  ImportSummary Import(ImportOptions options) {
    Importer importer(*home, *catalog);
    auto s = importer.Run(options);
    EXPECT_TRUE(s) << s.error();
    return s.value_or(ImportSummary{});
  }
  ImportSummary Import(const std::string& path) { return Import(ImportOptions{.paths = {path}}); }
  void ExpectStoreClean() {
    EXPECT_EQ(CountFiles(dir / "home/tmp"), 0u) << "a temp file was left behind";
    auto report = store::VerifyStoredLedger(home->db(), home->household());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok());
  }
  size_t Claims() { return store::AllLiveClaims(home->db()).value().size(); }

  hearth::testing::TempDir dir;
  std::optional<store::Home> home;
  std::optional<Catalog> catalog;
};

TEST_F(ImporterTest, GeneratedLibraryIsImportedMatchedAndDeduplicated) {
  auto made = RunCommand(std::string(HEARTH_SOURCE_DIR) + "/tools/make-library 14 " + (dir / "lib"));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ImportSummary s = Import(dir / "lib");
  // 14 tracks, plus one exact duplicate and one re-tagged copy.
  EXPECT_EQ(s.imported, 14u);
  EXPECT_EQ(s.duplicate, 1u);
  EXPECT_EQ(s.matched, 1u);
  EXPECT_EQ(s.failed, 0u) << (s.problems.empty() ? "" : s.problems[0].path + ": " + s.problems[0].detail);
  EXPECT_EQ(catalog->TrackCount().value(), 14u);
  EXPECT_EQ(Claims(), 15u);  // the matched copy is recorded
  EXPECT_EQ(home->blobs().List()->size(), 14u);  // one blob per track
  ExpectStoreClean();

  // A two-disc album stays one album.
  auto tracks = catalog->List({}).value();
  std::set<std::string> two_disc_albums;
  for (const auto& t : tracks)
    if (t.disc_total == 2) two_disc_albums.insert(t.album_key);
  EXPECT_EQ(two_disc_albums.size(), 1u);
}

TEST_F(ImporterTest, UnchangedFilesAreNotReadAgainAndChangedOnesAre) {
  ASSERT_TRUE(MakeTone(dir / "lib/a.mp3", {.frequency = 300}));
  ASSERT_TRUE(MakeTone(dir / "lib/b.flac", {.frequency = 400}));
  ASSERT_EQ(Import(dir / "lib").imported, 2u);

  size_t reads = 0;
  ImportSummary again = Import(ImportOptions{.paths = {dir / "lib"}, .before_read = [&](const std::string&) { ++reads; }});
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(reads, 0u);
  EXPECT_EQ(again.bytes_read, 0u);

  // Re-tag b.flac where it is: same audio, so it is the track's new version
  // (its old claim released), not a second track.
  const size_t tracks_before = catalog->List({})->size();
  ASSERT_TRUE(hearth::testing::Retag(dir / "lib/b.flac", dir / "b2.flac", "New title"));
  fs::rename(dir / "b2.flac", dir / "lib/b.flac");
  // Replace a.mp3 with other audio: imported anew.
  ASSERT_TRUE(MakeTone(dir / "lib/a.mp3", {.frequency = 333}));
  ImportSummary third = Import(dir / "lib");
  EXPECT_EQ(third.imported, 2u);
  EXPECT_EQ(third.matched, 0u);
  EXPECT_EQ(third.unchanged, 0u);
  EXPECT_EQ(catalog->List({})->size(), tracks_before + 1) << "the new a.mp3 is a track; b.flac is still one";
  size_t new_titles = 0;
  const auto listed = catalog->List({}).value();
  for (const auto& t : listed) new_titles += t.title == "New title";
  EXPECT_EQ(new_titles, 1u);
  for (const auto& t : listed)
    if (t.title == "New title") {
      EXPECT_EQ(catalog->ClaimsOf(t.track)->size(), 1u) << "the old version's claim is released";
    }
  ExpectStoreClean();
}

// A file kept in place that is moved or renamed is the same bytes: nothing
// new is claimed, and the blob is made from it at its new path.
TEST_F(ImporterTest, AMovedOriginalIsFoundAgainByItsBytes) {
  ASSERT_TRUE(MakeTone(dir / "lib/a.mp3", {.frequency = 300}));
  ASSERT_EQ(Import(dir / "lib").imported, 1u);
  const BlobId blob = catalog->List({})->at(0).blob;
  ASSERT_TRUE(home->blobs().IsInPlace(blob));
  const Bytes sealed = home->blobs().Read(blob, 0, 1 << 20).value();
  fs::create_directories(dir / "lib/moved");
  fs::rename(dir / "lib/a.mp3", dir / "lib/moved/b.mp3");
  ImportSummary again = Import(dir / "lib");
  EXPECT_EQ(again.imported, 0u);
  EXPECT_EQ(again.duplicate, 1u);
  EXPECT_EQ(Claims(), 1u);
  auto record = home->blobs().InPlaceOf(blob);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->path, fs::path(dir / "lib/moved/b.mp3").lexically_normal().string());
  EXPECT_EQ(home->blobs().Read(blob, 0, 1 << 20).value(), sealed) << "the same ciphertext from the new path";
}

// A folder imported with sealed copies switches to in place when imported
// again without --copy: the copies go, the blobs read the same.
TEST_F(ImporterTest, AFolderImportedWithCopiesSwitchesToInPlace) {
  ASSERT_TRUE(MakeTone(dir / "lib/a.mp3", {.frequency = 300}));
  ASSERT_TRUE(MakeTone(dir / "lib/b.flac", {.frequency = 400}));
  ASSERT_EQ(Import(ImportOptions{.paths = {dir / "lib"}, .in_place = false}).imported, 2u);
  std::map<BlobId, Bytes> before;
  const auto listed = catalog->List({}).value();
  for (const auto& t : listed) {
    ASSERT_FALSE(home->blobs().IsInPlace(t.blob));
    before[t.blob] = home->blobs().Read(t.blob, 0, 1 << 22).value();
  }
  ImportSummary again = Import(dir / "lib");
  EXPECT_EQ(again.duplicate, 2u);
  EXPECT_EQ(again.unchanged, 0u);
  EXPECT_EQ(Claims(), 2u);
  EXPECT_EQ(CountFiles(dir / "home/blobs"), 0u) << "the sealed copies are gone";
  for (const auto& [blob, bytes] : before) {
    EXPECT_TRUE(home->blobs().IsInPlace(blob));
    EXPECT_EQ(home->blobs().Read(blob, 0, 1 << 22).value(), bytes);
  }
  // And a third import has nothing to do.
  EXPECT_EQ(Import(dir / "lib").unchanged, 2u);
}

TEST_F(ImporterTest, AForgottenTrackComesBackWhenItsUnchangedFileIsImportedAgain) {
  ASSERT_TRUE(MakeTone(dir / "lib/a.mp3", {.frequency = 310}));
  ASSERT_TRUE(MakeTone(dir / "lib/b.mp3", {.frequency = 320}));
  ASSERT_EQ(Import(dir / "lib").imported, 2u);
  auto tracks = catalog->List({}).value();
  ASSERT_EQ(tracks.size(), 2u);
  // Release a's claim: the household no longer owns it.
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{tracks[0].claim}, 1));
  ImportSummary again = Import(dir / "lib");
  EXPECT_EQ(again.unchanged, 1u);
  EXPECT_EQ(again.imported, 1u);
  EXPECT_EQ(catalog->TrackCount().value(), 2u);
}

TEST_F(ImporterTest, BadFilesAreReportedOneByOneAndTheRestIsImported) {
  fs::create_directories(dir / "lib");
  ASSERT_TRUE(MakeTone(dir / "lib/good.mp3", {.frequency = 500}));
  ASSERT_TRUE(MakeTone(dir / "lib/vanish.mp3", {.frequency = 510}));
  ASSERT_TRUE(MakeTone(dir / "lib/long.flac", {.frequency = 520, .seconds = 20}));
  fs::resize_file(dir / "lib/long.flac", fs::file_size(dir / "lib/long.flac") / 2);  // truncated
  { std::ofstream(dir / "lib/empty.mp3"); }
  { std::ofstream(dir / "lib/text.mp3") << "just some words, not music\n"; }
  // A name that is not valid UTF-8.
  std::string odd = dir / "lib/caf\xe9-\xff.ogg";
  ASSERT_TRUE(MakeTone(odd, {.frequency = 530}));

  ImportSummary s = Import(ImportOptions{
      .paths = {dir / "lib"},
      .before_read = [&](const std::string& p) {
        if (p.ends_with("vanish.mp3")) fs::remove(p);
      }});
  EXPECT_EQ(s.imported, 2u);  // good.mp3 and the odd name
  EXPECT_EQ(s.failed, 4u);
  std::map<std::string, std::string> why;
  for (const auto& p : s.problems) why[fs::path(p.path).filename().string()] = p.detail;
  EXPECT_NE(why["empty.mp3"].find("empty"), std::string::npos) << why["empty.mp3"];
  EXPECT_NE(why["text.mp3"].find("not an audio file"), std::string::npos) << why["text.mp3"];
  EXPECT_NE(why["long.flac"].find("truncated"), std::string::npos) << why["long.flac"];
  EXPECT_NE(why["vanish.mp3"].find("vanished"), std::string::npos) << why["vanish.mp3"];
  EXPECT_EQ(home->blobs().List()->size(), 2u);  // nothing of the failed files is stored
  EXPECT_EQ(Claims(), 2u);
  // The odd name is kept, shown as valid UTF-8.
  bool found = false;
  for (const auto& t : Rows(catalog->List({}))) found |= t.source_path.find("caf\\xe9-\\xff.ogg") != std::string::npos;
  EXPECT_TRUE(found);
  ExpectStoreClean();

  // Failed files are tried again on the next import.
  ImportSummary again = Import(dir / "lib");
  EXPECT_EQ(again.failed, 3u);
  EXPECT_EQ(again.unchanged, 2u);
}

TEST_F(ImporterTest, TenThousandFilesInOneDirectory) {
  ASSERT_TRUE(MakeTone(dir / "one.mp3", {.seconds = 0.2}));
  fs::create_directories(dir / "big");
  for (int i = 0; i < 10000; ++i) fs::create_hard_link(dir / "one.mp3", dir / ("big/" + std::to_string(i) + ".mp3"));
  ImportSummary s = Import(dir / "big");
  EXPECT_EQ(s.imported, 1u);
  EXPECT_EQ(s.duplicate, 9999u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(Claims(), 1u);
  // Links read at the same time seal the same blob; it must survive.
  EXPECT_EQ(home->blobs().List()->size(), 1u);
  const auto claims = store::AllLiveClaims(home->db()).value();
  for (const auto& c : claims) EXPECT_TRUE(home->blobs().Has(c.blob));
  EXPECT_EQ(Import(dir / "big").unchanged, 10000u);
}

TEST_F(ImporterTest, AnInterruptedImportCompletesWithoutDuplicatesWhenRunAgain) {
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(MakeTone(dir / ("lib/" + std::to_string(i) + ".ogg"), {.frequency = 300 + 20 * i}));
  std::atomic<bool> cancel{false};
  size_t seen = 0;
  ImportSummary first = Import(ImportOptions{
      .paths = {dir / "lib"}, .workers = 1, .cancel = &cancel,
      .on_file = [&](const ImportProgress&, const FileReport&) {
        if (++seen == 4) cancel = true;
      }});
  EXPECT_TRUE(first.interrupted);
  EXPECT_LT(first.imported, 12u);
  ImportSummary second = Import(dir / "lib");
  EXPECT_FALSE(second.interrupted);
  EXPECT_EQ(first.imported + second.imported, 12u);
  EXPECT_EQ(Claims(), 12u);
  std::set<FileId> files;
  for (const auto& t : Rows(catalog->List({}))) files.insert(t.file);
  EXPECT_EQ(files.size(), 12u);
  ExpectStoreClean();
}

TEST_F(ImporterTest, AStorageDeviceCannotImport) {
  fs::remove(dir / "home/content.key");
  auto h = store::Home::Open(dir / "home");
  ASSERT_TRUE(h);
  Catalog c(h->db());
  Importer importer(*h, c);
  auto r = importer.Run(ImportOptions{.paths = {dir.path()}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("content secret"), std::string::npos);
}

}  // namespace
}  // namespace hearth::library

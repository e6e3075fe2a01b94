#include "node/library/catalog.h"

#include <gtest/gtest.h>

#include "node/library/catalog_views.h"

#include "node/store/home.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_household.h"

namespace hearth::library {
namespace {

using hearth::testing::Rows;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = store::Home::Init(dir / "home", store::InitOptions{"Home", "pc"});
    ASSERT_TRUE(h);
    home.emplace(std::move(*h));
    catalog.emplace(home->db());
  }
  EntryId Claim(uint8_t n, TagList tags, const std::string& path) { return ClaimTrack(n, n, n, tags, path).id; }
  // A claim of track `track` in blob `n`, claimed at time `at`.
  SignedEntry ClaimTrack(uint8_t n, uint8_t track, int64_t at, TagList tags, const std::string& path) {
    AudioInfo audio;
    audio.format = "flac";
    audio.codec = "flac";
    audio.track.bytes.fill(track);
    audio.duration_ms = 1000u * n;
    FileId file;
    file.bytes.fill(static_cast<uint8_t>(n + 100));
    BlobId blob;
    blob.bytes.fill(n);
    ClaimDetails d = MakeClaimDetails(audio, tags, file, path, std::nullopt, std::nullopt, std::nullopt, 0);
    TrackClaim c{blob, 100, SealClaimDetails(*home->content_secret(), home->household(), home->device_id(), blob, d)};
    auto e = home->ledger().Author(home->device_key(), c, at);
    EXPECT_TRUE(e);
    return *e;
  }
  // What a joining device makes of an accepted claim.
  TrackRecord RecordOf(const SignedEntry& e) {
    const auto& c = std::get<TrackClaim>(e.entry.body);
    auto d = OpenClaimDetails(*home->content_secret(), home->household(), e.entry.author, c.blob, c.sealed_details);
    EXPECT_TRUE(d);
    return MakeRecord(store::LiveClaim{e.id, e.entry.author, e.entry.time_us, c.blob, c.plaintext_length}, *d);
  }
  void Sync() { ASSERT_TRUE(catalog->Sync(home->ledger().ledger().state(), home->content_secret())); }

  hearth::testing::TempDir dir;
  std::optional<store::Home> home;
  std::optional<Catalog> catalog;
};

TEST_F(CatalogTest, SyncFollowsTheLedgerBothWays) {
  EntryId a = Claim(1, {{"title", "Alpha"}}, "/m/a.flac");
  Claim(2, {{"title", "Beta"}}, "/m/b.flac");
  Sync();
  EXPECT_EQ(catalog->TrackCount().value(), 2u);
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{a}, 3));
  Sync();
  auto all = catalog->List({}).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].title, "Beta");
}

TEST_F(CatalogTest, TracksListedAsTheyArriveEndAsASyncWouldLeaveThem) {
  // As a joining device meets them: a track, a second claim of it made
  // earlier (which the rule lists instead), a claim released later on.
  const SignedEntry later = ClaimTrack(1, 7, 50, {{"title", "Later copy"}, {"album", "A"}}, "/m/a.flac");
  const SignedEntry earlier = ClaimTrack(2, 7, 10, {{"title", "Earlier copy"}, {"album", "A"}}, "/m/b.flac");
  const SignedEntry gone = ClaimTrack(3, 8, 60, {{"title", "Released"}, {"album", "B"}}, "/m/c.flac");
  const SignedEntry kept = ClaimTrack(4, 9, 70, {{"title", "Kept"}, {"album", "B"}}, "/m/d.flac");
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{gone.id}, 80));
  ASSERT_TRUE(catalog->AddAccepted({RecordOf(later), RecordOf(earlier)}));
  ASSERT_TRUE(catalog->AddAccepted({RecordOf(gone), RecordOf(kept)}));
  // Listed at once, before any album exists.
  EXPECT_EQ(Rows(catalog->Search("earlier", 10)).size(), 1u);
  EXPECT_EQ(Rows(catalog->Search("later", 10)).size(), 0u) << "the later copy is not the one listed";
  // The final Sync drops what is no longer live and builds the views.
  Sync();
  std::vector<std::string> titles;
  const auto listed = catalog->List({}).value();
  for (const auto& t : listed) titles.push_back(t.title);
  EXPECT_EQ(titles, (std::vector<std::string>{"Earlier copy", "Kept"}));
  EXPECT_EQ(CatalogViews(home->db()).AlbumCount().value(), 2u);
  // Once albums exist, tracks go through Sync only.
  auto again = catalog->AddAccepted({RecordOf(later)});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, store::StoreErrc::kExists);
}

TEST_F(CatalogTest, SearchMatchesWordPrefixesAcrossFieldsIgnoringAccents) {
  Claim(1, {{"title", "Jóga"}, {"artist", "Björk"}, {"album", "Homogenic"}, {"genre", "Electronic"}}, "/m/1.flac");
  Claim(2, {{"title", "Hyperballad"}, {"artist", "Björk"}, {"album", "Post"}}, "/m/2.flac");
  Claim(3, {{"title", "Svefn-g-englar"}, {"artist", "Sigur Rós"}, {"album", "Ágætis byrjun"}}, "/m/3.flac");
  Sync();
  auto titles = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const auto& t : Rows(catalog->Search(q, 10))) out.push_back(t.title);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(titles("bjo"), (std::vector<std::string>{"Hyperballad", "Jóga"}));
  EXPECT_EQ(titles("bjork hyp"), (std::vector<std::string>{"Hyperballad"}));
  EXPECT_EQ(titles("agæt byrj"), (std::vector<std::string>{"Svefn-g-englar"}));  // Á folds to a
  EXPECT_EQ(titles("electro"), (std::vector<std::string>{"Jóga"}));
  EXPECT_TRUE(titles("").empty());
  EXPECT_TRUE(titles("zzz").empty());
  EXPECT_TRUE(titles("\"unbalanced").empty());  // quotes are taken literally
}

TEST_F(CatalogTest, SearchAsYouTypePutsTitlesStartingWithTheQueryFirstThenShorterOnes) {
  Claim(1, {{"title", "Lovely Day"}, {"artist", "Bill Withers"}, {"album", "Menagerie"}}, "/m/1.flac");
  Claim(2, {{"title", "Songs of Love"}, {"artist", "Divine Comedy"}, {"album", "Liberation"}}, "/m/2.flac");
  Claim(3, {{"title", "Love"}, {"artist", "Beatless"}, {"album", "Road"}}, "/m/3.flac");
  Claim(4, {{"title", "Come Together"}, {"artist", "The Beatles"}, {"album", "Abbey Road"}}, "/m/4.flac");
  Sync();
  auto titles = [&](const std::string& q, size_t limit) {
    std::vector<std::string> out;
    for (const auto& t : Rows(catalog->Search(q, limit))) out.push_back(t.title);
    return out;
  };
  EXPECT_EQ(titles("love", 10), (std::vector<std::string>{"Love", "Lovely Day", "Songs of Love"}));
  EXPECT_EQ(titles("lov", 2), (std::vector<std::string>{"Love", "Lovely Day"}));
  EXPECT_EQ(titles("beat abb", 10), (std::vector<std::string>{"Come Together"}));  // every word a prefix
  EXPECT_EQ(titles("road", 10), (std::vector<std::string>{"Love", "Come Together"}));  // shorter first
  EXPECT_EQ(titles("100%_", 10), std::vector<std::string>{});
}

TEST_F(CatalogTest, MultiDiscAndMultiArtistAlbumsStayOneAlbum) {
  Claim(1, {{"title", "A"}, {"album", "Big"}, {"discnumber", "1"}, {"artist", "X"}, {"artist", "Y"}}, "/m/Big/CD1/a.flac");
  Claim(2, {{"title", "B"}, {"album", "Big"}, {"discnumber", "2"}, {"artist", "Z"}}, "/m/Big/CD2/b.flac");
  Sync();
  auto all = catalog->List({}).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].album_key, all[1].album_key);
  EXPECT_EQ(all[0].artist, "X; Y");
  EXPECT_EQ(catalog->List({.artist = "y"}).value().size(), 1u);
  EXPECT_EQ(catalog->List({.album = "bi"}).value().size(), 2u);
}

TEST_F(CatalogTest, TracksAreFoundByIdPrefixAndUntaggedOnesByFileName) {
  Claim(0xab, {}, "/music/Some Song.mp3");
  Sync();
  auto found = catalog->FindTracks("abab");
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].title, "Some Song");
  EXPECT_TRUE(catalog->FindTracks("ab")->empty());  // too short to be safe
  EXPECT_TRUE(catalog->FindTracks("zz12")->empty());
}

// Albums, artists and genres follow each change of the catalog: what a claim
// adds, a release takes away, an album with no song left goes.
TEST_F(CatalogTest, AlbumsArtistsAndGenresFollowTheCatalog) {
  auto song = [](std::string title, std::string album, std::string artist, std::string genre) {
    return TagList{{"title", title}, {"album", album}, {"albumartist", artist}, {"artist", artist}, {"genre", genre}};
  };
  EntryId post1 = Claim(1, song("Hyperballad", "Post", "Björk", "Electronic; Pop"), "/m/p1.flac");
  Claim(2, song("Army of Me", "Post", "Björk", "Electronic"), "/m/p2.flac");
  EntryId homo = Claim(3, song("Jóga", "Homogenic", "Björk", "Electronic"), "/m/h1.flac");
  Claim(4, song("Svefn-g-englar", "Ágætis byrjun", "Sigur Rós", "Post-rock"), "/m/s1.flac");
  Sync();
  CatalogViews views(home->db());
  auto names = [&](const std::vector<AlbumInfo>& albums) {
    std::vector<std::string> out;
    for (const auto& a : albums) out.push_back(a.name);
    return out;
  };
  EXPECT_EQ(views.AlbumCount().value(), 3u);
  EXPECT_EQ(names(views.Albums(AlbumOrder::kName, 0, 10).value()),
            (std::vector<std::string>{"Homogenic", "Post", "Ágætis byrjun"}));
  EXPECT_EQ(names(views.Albums(AlbumOrder::kName, 1, 1).value()), (std::vector<std::string>{"Post"}));
  EXPECT_EQ(names(views.Albums(AlbumOrder::kArtist, 0, 10).value()),
            (std::vector<std::string>{"Homogenic", "Post", "Ágætis byrjun"}));
  auto post = views.Album(AlbumIdOf(catalog->List({.album = "Post"}).value()[0].album_key)).value();
  ASSERT_TRUE(post);
  EXPECT_EQ(post->song_count, 2u);
  EXPECT_EQ(post->duration_ms, 3000u);
  EXPECT_EQ(post->artist, "Björk");
  auto bjork = views.Artist(ArtistIdOf("Björk")).value();
  ASSERT_TRUE(bjork);
  EXPECT_EQ(bjork->album_count, 2u);
  EXPECT_EQ(bjork->song_count, 3u);
  EXPECT_EQ(names(views.ArtistAlbums(bjork->id).value()).size(), 2u);
  EXPECT_EQ(views.ArtistCount().value(), 2u);
  auto genres = views.Genres().value();
  ASSERT_EQ(genres.size(), 3u);
  EXPECT_EQ(genres[0].name, "Electronic");
  EXPECT_EQ(genres[0].songs, 3u);
  EXPECT_EQ(genres[0].albums, 2u);
  AlbumFilter pop;
  pop.genre = "Pop";
  EXPECT_EQ(names(views.Albums(AlbumOrder::kName, 0, 10, pop).value()), (std::vector<std::string>{"Post"}));
  EXPECT_EQ(names(views.SearchAlbums("pos", 0, 10).value()), (std::vector<std::string>{"Post"}));
  EXPECT_EQ(views.SearchArtists("sig", 0, 10).value().size(), 1u);

  // Released: the album shrinks, an empty album goes, the artist follows.
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{post1}, 5));
  ASSERT_TRUE(home->ledger().Author(home->device_key(), TrackRelease{homo}, 6));
  Sync();
  EXPECT_EQ(views.AlbumCount().value(), 2u);
  EXPECT_EQ(views.Album(post->id).value()->song_count, 1u);
  EXPECT_EQ(views.Artist(bjork->id).value()->album_count, 1u);
  EXPECT_TRUE(views.SearchAlbums("homo", 0, 10).value().empty());
  AlbumFilter electronic;
  electronic.genre = "Electronic";
  EXPECT_EQ(views.AlbumCount(electronic).value(), 1u);
  EXPECT_EQ(views.AlbumCount(pop).value(), 0u);
}

TEST_F(CatalogTest, ViewsMissingFromAnOlderHomeAreBuiltAtTheNextSync) {
  Claim(1, {{"title", "A"}, {"album", "One"}, {"artist", "X"}}, "/m/a.flac");
  Claim(2, {{"title", "B"}, {"album", "Two"}, {"artist", "Y"}}, "/m/b.flac");
  Sync();
  ASSERT_TRUE(home->db().Exec("DELETE FROM catalog_albums; DELETE FROM catalog_artists; DELETE FROM catalog_album_genres;"
                              "DELETE FROM catalog_album_search; DELETE FROM catalog_artist_search;"));
  Sync();
  CatalogViews views(home->db());
  EXPECT_EQ(views.AlbumCount().value(), 2u);
  EXPECT_EQ(views.ArtistCount().value(), 2u);
  EXPECT_EQ(views.SearchAlbums("two", 0, 10).value().size(), 1u);
}

}  // namespace
}  // namespace hearth::library

// Catalog views: albums, artists and genres as players browse them, kept in
// the catalog_albums, catalog_artists and catalog_album_genres tables
// (schema/0009_catalog_views.sql) beside the claims they summarise, and read
// a page at a time. Catalog::Sync keeps them current for the tracks it
// touches (RefreshAlbums); nothing here holds the library in memory.
//
// The ids players see are stable across rebuilds and devices:
//   album   "al-" + 24 hex digits of BLAKE2b-256(album key)
//   artist  "ar-" + 24 hex digits of BLAKE2b-256(lowercased album artist)
//
// Plain functions and a borrowed Database; one thread.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/library/track_record.h"
#include "node/store/database.h"

namespace hearth::library {

struct AlbumInfo {
  std::string id, key, name, artist, artist_id, genre;
  int year = 0;
  std::optional<crypto::Digest> cover;
  uint64_t duration_ms = 0;
  int64_t created_us = 0;  // earliest claim
  size_t song_count = 0;
};

struct ArtistInfo {
  std::string id, name;
  size_t album_count = 0;
  size_t song_count = 0;
  std::optional<crypto::Digest> cover;  // of its first album (by year) that has one
};

struct GenreInfo {
  std::string name;
  size_t songs = 0, albums = 0;
};

std::string AlbumIdOf(const std::string& album_key);
std::string ArtistIdOf(const std::string& artist_name);
// The album artist a song is listed under: its album artist, else its first
// artist, else "Unknown Artist".
std::string AlbumArtistOf(const TrackRecord& r);

// Recomputes the albums with these keys from their primary claims (an album
// with none left goes), their genres, and the artists they belong to (before
// and after). Run inside the caller's transaction.
std::expected<void, store::StoreError> RefreshAlbums(store::Database& db, const std::set<std::string>& album_keys);
// Recomputes every album and artist from the catalog: for a home whose views
// are missing (from before schema 9) or after a large change.
std::expected<void, store::StoreError> RefreshAllAlbums(store::Database& db);

// How a page of albums is ordered (OpenSubsonic's list types, less those
// that need a listener's plays or stars). kRandom ignores the offset.
enum class AlbumOrder { kName, kArtist, kNewest, kYearUp, kYearDown, kRandom };

struct AlbumFilter {
  std::optional<int> from_year, to_year;  // inclusive
  std::optional<std::string> genre;       // one genre of the album's songs
};

class CatalogViews {
 public:
  explicit CatalogViews(store::Database& db) : db_(&db) {}

  std::expected<size_t, store::StoreError> AlbumCount(const AlbumFilter& filter = {});
  std::expected<std::vector<AlbumInfo>, store::StoreError> Albums(AlbumOrder order, size_t offset, size_t limit,
                                                                  const AlbumFilter& filter = {});
  std::expected<std::optional<AlbumInfo>, store::StoreError> Album(const std::string& id);
  std::expected<std::optional<AlbumInfo>, store::StoreError> AlbumByKey(const std::string& key);
  // Albums whose name or artist matches every word as a prefix.
  std::expected<std::vector<AlbumInfo>, store::StoreError> SearchAlbums(const std::string& query, size_t offset,
                                                                        size_t limit);

  std::expected<size_t, store::StoreError> ArtistCount();
  std::expected<std::vector<ArtistInfo>, store::StoreError> Artists(size_t offset, size_t limit);
  std::expected<std::optional<ArtistInfo>, store::StoreError> Artist(const std::string& id);
  // An artist's albums, by year then name.
  std::expected<std::vector<AlbumInfo>, store::StoreError> ArtistAlbums(const std::string& artist_id);
  std::expected<std::vector<ArtistInfo>, store::StoreError> SearchArtists(const std::string& query, size_t offset,
                                                                          size_t limit);

  std::expected<std::vector<GenreInfo>, store::StoreError> Genres();

 private:
  std::expected<std::vector<AlbumInfo>, store::StoreError> AlbumQuery(const std::string& where_and_order,
                                                                      const std::vector<std::string>& args);
  std::expected<std::vector<ArtistInfo>, store::StoreError> ArtistQuery(const std::string& where_and_order,
                                                                        const std::vector<std::string>& args);
  store::Database* db_;
};

// An FTS5 query: every word as a quoted prefix term, all required ("" for
// a query with no words).
std::string FtsPrefixQuery(const std::string& text);

}  // namespace hearth::library

// LibraryIndex: the catalog as players browse it -- songs, albums, artists,
// genres -- read from the catalog tables a page at a time (library/catalog.h
// and library/catalog_views.h). Nothing of the library is held in memory:
// every answer is a value the caller owns, so a stream or a transcode keeps
// its song whatever the catalog becomes meanwhile.
//
// The ids players see are stable across devices:
//   song    the track id, 64 hex digits
//   album   "al-" + 24 hex digits of BLAKE2b-256(album key)
//   artist  "ar-" + 24 hex digits of BLAKE2b-256(lowercased album artist)
//   cover   "co-" + the cover image's 64-hex BLAKE2b digest
//
// A failed read answers as if nothing matched and is kept: TakeError()
// returns it, and the service then answers 500 instead of the empty result.
// Borrows the Database (the HTTP thread's connection); that one thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/library/catalog.h"
#include "node/library/catalog_views.h"

namespace hearth::http {

using library::AlbumFilter;
using library::AlbumInfo;
using library::AlbumOrder;
using library::ArtistInfo;
using library::GenreInfo;

class LibraryIndex {
 public:
  explicit LibraryIndex(store::Database& db) : catalog_(db), views_(db) {}

  size_t SongCount();
  std::vector<library::TrackRecord> Songs(size_t offset, size_t limit);
  std::optional<library::TrackRecord> Song(std::string_view id);
  std::vector<library::TrackRecord> RandomSongs(size_t limit, const std::optional<std::string>& genre,
                                                std::optional<int> from, std::optional<int> to);
  std::optional<library::TrackRecord> SongWithCover(const crypto::Digest& cover);
  // Songs matching every word of `query` as a prefix (Catalog::Search).
  std::vector<library::TrackRecord> SearchSongs(const std::string& query, size_t limit);

  size_t AlbumCount(const AlbumFilter& filter = {});
  std::vector<AlbumInfo> Albums(AlbumOrder order, size_t offset, size_t limit, const AlbumFilter& filter = {});
  std::optional<AlbumInfo> Album(std::string_view id);
  // The album `song` is listed under (made from the song itself if the
  // views lag behind the catalog).
  AlbumInfo AlbumOf(const library::TrackRecord& song);
  std::vector<library::TrackRecord> AlbumSongs(const AlbumInfo& album);
  std::vector<AlbumInfo> SearchAlbums(const std::string& query, size_t offset, size_t limit);

  size_t ArtistCount();
  std::vector<ArtistInfo> Artists(size_t offset, size_t limit);
  std::optional<ArtistInfo> Artist(std::string_view id);
  std::vector<AlbumInfo> ArtistAlbums(const ArtistInfo& artist);
  std::vector<ArtistInfo> SearchArtists(const std::string& query, size_t offset, size_t limit);

  std::vector<GenreInfo> Genres();

  // The first read that failed since the last call, if any.
  std::optional<std::string> TakeError();

  static std::string SongId(const library::TrackRecord& r) { return r.track.Hex(); }
  static std::string CoverId(const crypto::Digest& cover);

 private:
  template <typename T>
  T Or(std::expected<T, store::StoreError> r, T fallback) {
    if (r) return std::move(*r);
    if (!error_) error_ = r.error().message;
    return fallback;
  }

  library::Catalog catalog_;
  library::CatalogViews views_;
  std::optional<std::string> error_;
};

}  // namespace hearth::http

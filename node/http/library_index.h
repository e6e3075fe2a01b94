// LibraryIndex: the catalog as players browse it -- songs, albums, artists,
// genres -- held in memory and rebuilt from the catalog tables when they
// change. The ids players see are stable across rebuilds and devices:
//
//   song    the track id, 64 hex digits
//   album   "al-" + 24 hex digits of BLAKE2b-256(album key)
//   artist  "ar-" + 24 hex digits of BLAKE2b-256(lowercased album artist)
//   cover   "co-" + the cover image's 64-hex BLAKE2b digest
//
// One thread; references stay valid until the next Load().
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/library/catalog.h"

namespace hearth::http {

struct AlbumInfo {
  std::string id, name, artist, artist_id, genre;
  int year = 0;
  std::optional<crypto::Digest> cover;
  uint64_t duration_ms = 0;
  int64_t created_us = 0;  // earliest claim
  std::vector<size_t> songs;  // indexes into songs(), in disc/track order
};

struct ArtistInfo {
  std::string id, name;
  std::vector<size_t> albums;  // indexes into albums(), by year then name
  size_t song_count = 0;
};

struct GenreInfo {
  std::string name;
  size_t songs = 0, albums = 0;
};

class LibraryIndex {
 public:
  std::expected<void, std::string> Load(library::Catalog& catalog);

  const std::vector<library::TrackRecord>& songs() const { return songs_; }
  const std::vector<AlbumInfo>& albums() const { return albums_; }      // by name
  const std::vector<ArtistInfo>& artists() const { return artists_; }   // by name
  const std::vector<GenreInfo>& genres() const { return genres_; }      // by name

  const library::TrackRecord* Song(std::string_view id) const;
  const AlbumInfo* Album(std::string_view id) const;
  const ArtistInfo* Artist(std::string_view id) const;
  std::optional<size_t> SongIndex(std::string_view id) const;
  std::optional<size_t> AlbumIndex(std::string_view id) const;
  // The album a song belongs to.
  const AlbumInfo& AlbumOf(size_t song) const { return albums_[song_album_[song]]; }

  static std::string SongId(const library::TrackRecord& r) { return r.track.Hex(); }
  static std::string CoverId(const crypto::Digest& cover);
  static std::string AlbumArtistOf(const library::TrackRecord& r);

 private:
  std::vector<library::TrackRecord> songs_;
  std::vector<AlbumInfo> albums_;
  std::vector<ArtistInfo> artists_;
  std::vector<GenreInfo> genres_;
  std::vector<size_t> song_album_;
  std::unordered_map<std::string, size_t> song_by_id_, album_by_id_, artist_by_id_;
};

}  // namespace hearth::http

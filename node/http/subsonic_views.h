// How library items look in OpenSubsonic answers: songs (Child), albums,
// artists and the artist index, marked with the listener's stars and plays.
// A value for one request: it borrows the service's LibraryIndex, which
// outlives it; one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http/library_index.h"
#include "node/store/play_tables.h"

namespace hearth::http {

// "2026-11-21T12:00:00.123Z" for microseconds since 1970.
std::string SubsonicTime(int64_t us);

struct SubsonicViews {
  using json = nlohmann::json;

  // `index` must outlive the views.
  explicit SubsonicViews(LibraryIndex& index) : index_(index) {}

  // Adds "starred" when the listener starred item `kind`:`id`.
  void Starred(json& j, const std::string& kind, const std::string& id);
  json Child(const library::TrackRecord& r);  // a song
  json Album(const AlbumInfo& a);             // an album (ID3)
  json AlbumDir(const AlbumInfo& a);          // the album as a directory entry (getAlbumList, getMusicDirectory)
  json Artist(const ArtistInfo& a);           // an artist (ID3)
  json ArtistEntry(const ArtistInfo& a);      // an artist as the folder lists have it (getIndexes, getStarred)
  json Indexed(bool id3);                     // artists grouped by first letter

  LibraryIndex& index() { return index_; }

  LibraryIndex& index_;
  std::map<std::string, int64_t> stars;  // "kind:item" -> starred_us
  std::map<TrackId, store::PlayStats> plays;
};

}  // namespace hearth::http

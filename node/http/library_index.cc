#include "node/http/library_index.h"

#include <cctype>

#include "crypto/bytes.h"

namespace hearth::http {
namespace {

std::optional<TrackId> ParseTrackId(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  TrackId id;
  for (size_t i = 0; i < 32; ++i) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return id;
}

}  // namespace

std::string LibraryIndex::CoverId(const crypto::Digest& cover) { return "co-" + ToHex(cover); }

std::optional<std::string> LibraryIndex::TakeError() {
  std::optional<std::string> e = std::move(error_);
  error_.reset();
  return e;
}

size_t LibraryIndex::SongCount() { return Or(catalog_.TrackCount(), size_t{0}); }

std::vector<library::TrackRecord> LibraryIndex::Songs(size_t offset, size_t limit) {
  return Or(catalog_.Songs(offset, limit), std::vector<library::TrackRecord>{});
}

std::optional<library::TrackRecord> LibraryIndex::Song(std::string_view id) {
  auto track = ParseTrackId(id);
  if (!track) return std::nullopt;
  return Or(catalog_.PrimaryOf(*track), std::optional<library::TrackRecord>{});
}

std::vector<library::TrackRecord> LibraryIndex::RandomSongs(size_t limit, const std::optional<std::string>& genre,
                                                            std::optional<int> from, std::optional<int> to) {
  return Or(catalog_.RandomSongs(limit, genre, from, to), std::vector<library::TrackRecord>{});
}

std::optional<library::TrackRecord> LibraryIndex::SongWithCover(const crypto::Digest& cover) {
  return Or(catalog_.SongWithCover(cover), std::optional<library::TrackRecord>{});
}

std::vector<library::TrackRecord> LibraryIndex::SearchSongs(const std::string& query, size_t limit) {
  return Or(catalog_.Search(query, limit), std::vector<library::TrackRecord>{});
}

size_t LibraryIndex::AlbumCount(const AlbumFilter& filter) { return Or(views_.AlbumCount(filter), size_t{0}); }

std::vector<AlbumInfo> LibraryIndex::Albums(AlbumOrder order, size_t offset, size_t limit, const AlbumFilter& filter) {
  return Or(views_.Albums(order, offset, limit, filter), std::vector<AlbumInfo>{});
}

std::optional<AlbumInfo> LibraryIndex::Album(std::string_view id) {
  return Or(views_.Album(std::string(id)), std::optional<AlbumInfo>{});
}

AlbumInfo LibraryIndex::AlbumOf(const library::TrackRecord& song) {
  if (auto a = Or(views_.AlbumByKey(song.album_key), std::optional<AlbumInfo>{})) return std::move(*a);
  AlbumInfo a;
  a.key = song.album_key;
  a.id = library::AlbumIdOf(song.album_key);
  a.name = song.album.empty() ? "Unknown Album" : song.album;
  a.artist = library::AlbumArtistOf(song);
  a.artist_id = library::ArtistIdOf(a.artist);
  a.year = song.year;
  a.cover = song.cover;
  a.duration_ms = song.duration_ms;
  a.created_us = song.claimed_us;
  a.song_count = 1;
  return a;
}

std::vector<library::TrackRecord> LibraryIndex::AlbumSongs(const AlbumInfo& album) {
  return Or(catalog_.AlbumSongs(album.key), std::vector<library::TrackRecord>{});
}

std::vector<AlbumInfo> LibraryIndex::SearchAlbums(const std::string& query, size_t offset, size_t limit) {
  return Or(views_.SearchAlbums(query, offset, limit), std::vector<AlbumInfo>{});
}

size_t LibraryIndex::ArtistCount() { return Or(views_.ArtistCount(), size_t{0}); }

std::vector<ArtistInfo> LibraryIndex::Artists(size_t offset, size_t limit) {
  return Or(views_.Artists(offset, limit), std::vector<ArtistInfo>{});
}

std::optional<ArtistInfo> LibraryIndex::Artist(std::string_view id) {
  return Or(views_.Artist(std::string(id)), std::optional<ArtistInfo>{});
}

std::vector<AlbumInfo> LibraryIndex::ArtistAlbums(const ArtistInfo& artist) {
  return Or(views_.ArtistAlbums(artist.id), std::vector<AlbumInfo>{});
}

std::vector<ArtistInfo> LibraryIndex::SearchArtists(const std::string& query, size_t offset, size_t limit) {
  return Or(views_.SearchArtists(query, offset, limit), std::vector<ArtistInfo>{});
}

std::vector<GenreInfo> LibraryIndex::Genres() { return Or(views_.Genres(), std::vector<GenreInfo>{}); }

}  // namespace hearth::http

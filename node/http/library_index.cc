#include "node/http/library_index.h"

#include <algorithm>
#include <set>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth::http {
namespace {

std::string ShortId(std::string_view prefix, const std::string& key) {
  crypto::Digest d = crypto::Blake2b256(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  return std::string(prefix) + ToHex(ByteSpan(d.data(), 12));
}

std::string FirstOf(const std::string& joined) {
  size_t sep = joined.find("; ");
  return sep == std::string::npos ? joined : joined.substr(0, sep);
}

}  // namespace

std::string LibraryIndex::CoverId(const crypto::Digest& cover) { return "co-" + ToHex(cover); }

std::string LibraryIndex::AlbumArtistOf(const library::TrackRecord& r) {
  if (!r.album_artist.empty()) return r.album_artist;
  if (!r.artist.empty()) return FirstOf(r.artist);
  return "Unknown Artist";
}

std::expected<void, std::string> LibraryIndex::Load(library::Catalog& catalog) {
  auto list = catalog.List({});
  if (!list) return std::unexpected(list.error().message);
  songs_ = std::move(*list);
  albums_.clear();
  artists_.clear();
  genres_.clear();
  song_by_id_.clear();
  album_by_id_.clear();
  artist_by_id_.clear();
  song_album_.assign(songs_.size(), 0);

  std::map<std::string, std::set<std::string>> genre_albums;
  std::map<std::string, size_t> genre_songs;
  for (size_t i = 0; i < songs_.size(); ++i) {
    const auto& s = songs_[i];
    song_by_id_[SongId(s)] = i;
    const std::string album_id = ShortId("al-", s.album_key);
    auto [it, fresh] = album_by_id_.try_emplace(album_id, albums_.size());
    if (fresh) {
      AlbumInfo a;
      a.id = album_id;
      a.name = s.album.empty() ? "Unknown Album" : s.album;
      a.artist = AlbumArtistOf(s);
      a.artist_id = ShortId("ar-", AsciiLower(a.artist));
      a.genre = FirstOf(s.genre);
      a.created_us = s.claimed_us;
      albums_.push_back(std::move(a));
    }
    AlbumInfo& a = albums_[it->second];
    a.songs.push_back(i);
    a.duration_ms += s.duration_ms;
    a.year = std::max(a.year, s.year);
    a.created_us = std::min(a.created_us, s.claimed_us);
    if (!a.cover && s.cover) a.cover = s.cover;
    if (!s.genre.empty()) {
      size_t start = 0;
      while (start <= s.genre.size()) {
        size_t sep = s.genre.find("; ", start);
        std::string g = s.genre.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
        if (!g.empty()) {
          genre_songs[g]++;
          genre_albums[g].insert(a.id);
        }
        if (sep == std::string::npos) break;
        start = sep + 2;
      }
    }
  }
  // Albums by name; remap indexes.
  std::vector<size_t> order(albums_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::pair(AsciiLower(albums_[x].name), albums_[x].id) < std::pair(AsciiLower(albums_[y].name), albums_[y].id);
  });
  std::vector<AlbumInfo> sorted;
  sorted.reserve(albums_.size());
  for (size_t i : order) sorted.push_back(std::move(albums_[i]));
  albums_ = std::move(sorted);
  album_by_id_.clear();
  std::map<std::string, size_t> artist_slot;
  for (size_t i = 0; i < albums_.size(); ++i) {
    album_by_id_[albums_[i].id] = i;
    for (size_t song : albums_[i].songs) song_album_[song] = i;
    auto [it, fresh] = artist_by_id_.try_emplace(albums_[i].artist_id, artists_.size());
    if (fresh) artists_.push_back(ArtistInfo{albums_[i].artist_id, albums_[i].artist, {}, 0});
    artists_[it->second].albums.push_back(i);
    artists_[it->second].song_count += albums_[i].songs.size();
  }
  std::sort(artists_.begin(), artists_.end(),
            [](const ArtistInfo& x, const ArtistInfo& y) { return AsciiLower(x.name) < AsciiLower(y.name); });
  artist_by_id_.clear();
  for (size_t i = 0; i < artists_.size(); ++i) {
    artist_by_id_[artists_[i].id] = i;
    std::sort(artists_[i].albums.begin(), artists_[i].albums.end(), [&](size_t x, size_t y) {
      return std::pair(albums_[x].year, albums_[x].name) < std::pair(albums_[y].year, albums_[y].name);
    });
  }
  for (const auto& [name, count] : genre_songs) genres_.push_back(GenreInfo{name, count, genre_albums[name].size()});
  return {};
}

const library::TrackRecord* LibraryIndex::Song(std::string_view id) const {
  auto i = SongIndex(id);
  return i ? &songs_[*i] : nullptr;
}

std::optional<size_t> LibraryIndex::SongIndex(std::string_view id) const {
  auto it = song_by_id_.find(std::string(id));
  if (it == song_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> LibraryIndex::AlbumIndex(std::string_view id) const {
  auto it = album_by_id_.find(std::string(id));
  if (it == album_by_id_.end()) return std::nullopt;
  return it->second;
}

const AlbumInfo* LibraryIndex::Album(std::string_view id) const {
  auto i = AlbumIndex(id);
  return i ? &albums_[*i] : nullptr;
}

const ArtistInfo* LibraryIndex::Artist(std::string_view id) const {
  auto it = artist_by_id_.find(std::string(id));
  return it == artist_by_id_.end() ? nullptr : &artists_[it->second];
}

}  // namespace hearth::http

#include "node/library/catalog_views.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "crypto/hash.h"
#include "node/library/catalog.h"
#include "protocol/byte_io.h"

namespace hearth::library {
namespace {

using store::StoreError;

std::string ShortId(std::string_view prefix, const std::string& key) {
  crypto::Digest d = crypto::Blake2b256(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  return std::string(prefix) + ToHex(ByteSpan(d.data(), 12));
}

std::string FirstOf(const std::string& joined) {
  size_t sep = joined.find("; ");
  return sep == std::string::npos ? joined : joined.substr(0, sep);
}

std::vector<std::string> Split(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t sep = joined.find("; ", start);
    std::string g = joined.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
    if (!g.empty()) out.push_back(std::move(g));
    if (sep == std::string::npos) break;
    start = sep + 2;
  }
  return out;
}

std::optional<crypto::Digest> DigestOf(const Bytes& b) {
  if (b.size() != 32) return std::nullopt;
  crypto::Digest d;
  std::copy(b.begin(), b.end(), d.begin());
  return d;
}

void BindCover(store::Statement& st, int i, const std::optional<crypto::Digest>& cover) {
  if (cover) {
    st.Bind(i, ByteSpan(*cover));
  } else {
    st.BindNull(i);
  }
}

// Runs `sql` (from the connection's statement cache) with `rowid`, when
// given, as its first parameter and then `args`.
std::expected<void, StoreError> Run(store::Database& db, const std::string& sql, const std::vector<std::string>& args,
                                    std::optional<int64_t> rowid = std::nullopt) {
  auto st = db.PrepareCached(sql);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  if (rowid) (*st)->Bind(i++, *rowid);
  for (const auto& a : args) (*st)->Bind(i++, a);
  return (*st)->Run();
}

constexpr const char* kAlbumColumns =
    "id, album_key, name, artist, artist_id, genre, year, cover, duration_ms, created_us, song_count";

AlbumInfo ReadAlbum(const store::Statement& row) {
  AlbumInfo a;
  a.id = row.Text(0).value_or("");
  a.key = row.Text(1).value_or("");
  a.name = row.Text(2).value_or("");
  a.artist = row.Text(3).value_or("");
  a.artist_id = row.Text(4).value_or("");
  a.genre = row.Text(5).value_or("");
  a.year = static_cast<int>(row.Int(6));
  a.cover = DigestOf(row.Blob(7));
  a.duration_ms = static_cast<uint64_t>(row.Int(8));
  a.created_us = row.Int(9);
  a.song_count = static_cast<size_t>(row.Int(10));
  return a;
}

// Recomputes one artist from its albums.
std::expected<void, StoreError> RefreshArtist(store::Database& db, const std::string& artist_id) {
  auto st = db.PrepareCached("SELECT artist, song_count, cover FROM catalog_albums WHERE artist_id = ? ORDER BY sort_name, id");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, artist_id);
  ArtistInfo a;
  a.id = artist_id;
  auto read = (*st)->ForEach([&](const store::Statement& row) {
    if (a.album_count++ == 0) a.name = row.Text(0).value_or("");
    a.song_count += static_cast<size_t>(row.Int(1));
  });
  if (!read) return std::unexpected(read.error());
  auto old = db.PrepareCached("SELECT rowid FROM catalog_artists WHERE id = ?");
  if (!old) return std::unexpected(old.error());
  (*old)->Bind(1, artist_id);
  auto found = (*old)->Step();
  if (!found) return std::unexpected(found.error());
  if (*found) {
    const int64_t rowid = (*old)->Int(0);
    if (auto r = Run(db, "DELETE FROM catalog_artist_search WHERE rowid = ?", {}, rowid); !r) return r;
    if (auto r = Run(db, "DELETE FROM catalog_artists WHERE rowid = ?", {}, rowid); !r) return r;
  }
  if (a.album_count == 0) return {};
  auto cover = db.PrepareCached(
      "SELECT cover FROM catalog_albums WHERE artist_id = ? AND cover IS NOT NULL ORDER BY year, name LIMIT 1");
  if (!cover) return std::unexpected(cover.error());
  (*cover)->Bind(1, artist_id);
  auto c = (*cover)->Step();
  if (!c) return std::unexpected(c.error());
  if (*c) a.cover = DigestOf((*cover)->Blob(0));
  auto ins = db.PrepareCached(
      "INSERT INTO catalog_artists (id, name, sort_name, album_count, song_count, cover) VALUES (?,?,?,?,?,?)");
  if (!ins) return std::unexpected(ins.error());
  (*ins)->Bind(1, a.id).Bind(2, a.name).Bind(3, AsciiLower(a.name));
  (*ins)->Bind(4, static_cast<int64_t>(a.album_count)).Bind(5, static_cast<int64_t>(a.song_count));
  BindCover(**ins, 6, a.cover);
  if (auto r = (*ins)->Run(); !r) return r;
  return Run(db, "INSERT INTO catalog_artist_search (rowid, name) VALUES (?, ?)", {a.name},
             sqlite3_last_insert_rowid(db.raw()));
}

// Recomputes one album from its songs; adds the artists it touched.
std::expected<void, StoreError> RefreshAlbum(store::Database& db, const std::string& key,
                                             std::set<std::string>& artists) {
  auto old = db.PrepareCached("SELECT rowid, id, artist_id FROM catalog_albums WHERE album_key = ?");
  if (!old) return std::unexpected(old.error());
  (*old)->Bind(1, key);
  auto found = (*old)->Step();
  if (!found) return std::unexpected(found.error());
  const std::string id = AlbumIdOf(key);
  if (*found) {
    artists.insert((*old)->Text(2).value_or(""));
    const int64_t rowid = (*old)->Int(0);
    if (auto r = Run(db, "DELETE FROM catalog_album_search WHERE rowid = ?", {}, rowid); !r) return r;
    if (auto r = Run(db, "DELETE FROM catalog_albums WHERE rowid = ?", {}, rowid); !r) return r;
  }
  if (auto r = Run(db, "DELETE FROM catalog_album_genres WHERE album_id = ?", {id}); !r) return r;
  // Only what an album is made of, in the album's song order (a whole
  // TrackRecord would parse every song's tags).
  auto read = db.PrepareCached(std::string("SELECT album, album_artist, artist, genre, year, claimed_us, cover, "
                                           "duration_ms FROM catalog_claims c WHERE c.is_primary = 1 AND "
                                           "c.album_key = ?") + kSongListOrder);
  if (!read) return std::unexpected(read.error());
  (*read)->Bind(1, key);
  std::vector<TrackRecord> songs;
  auto rows = (*read)->ForEach([&](const store::Statement& row) {
    TrackRecord& s = songs.emplace_back();
    s.album = row.Text(0).value_or("");
    s.album_artist = row.Text(1).value_or("");
    s.artist = row.Text(2).value_or("");
    s.genre = row.Text(3).value_or("");
    s.year = static_cast<int>(row.Int(4));
    s.claimed_us = row.Int(5);
    if (!row.IsNull(6)) s.cover = DigestOf(row.Blob(6));
    s.duration_ms = static_cast<uint64_t>(row.Int(7));
  });
  if (!rows) return std::unexpected(rows.error());
  if (songs.empty()) return {};
  const TrackRecord& first = songs.front();
  AlbumInfo a;
  a.id = id;
  a.key = key;
  a.name = first.album.empty() ? "Unknown Album" : first.album;
  a.artist = AlbumArtistOf(first);
  a.artist_id = ArtistIdOf(a.artist);
  a.genre = FirstOf(first.genre);
  a.created_us = first.claimed_us;
  std::map<std::string, size_t> genres;
  for (const TrackRecord& s : songs) {
    ++a.song_count;
    a.duration_ms += s.duration_ms;
    a.year = std::max(a.year, s.year);
    a.created_us = std::min(a.created_us, s.claimed_us);
    if (!a.cover && s.cover) a.cover = s.cover;
    for (std::string& g : Split(s.genre)) ++genres[std::move(g)];
  }
  auto ins = db.PrepareCached(
      "INSERT INTO catalog_albums (id, album_key, name, sort_name, artist, sort_artist, artist_id, genre, year, "
      "cover, duration_ms, created_us, song_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return std::unexpected(ins.error());
  (*ins)->Bind(1, a.id).Bind(2, a.key).Bind(3, a.name).Bind(4, AsciiLower(a.name)).Bind(5, a.artist);
  (*ins)->Bind(6, AsciiLower(a.artist)).Bind(7, a.artist_id).Bind(8, a.genre).Bind(9, int64_t{a.year});
  BindCover(**ins, 10, a.cover);
  (*ins)->Bind(11, static_cast<int64_t>(a.duration_ms)).Bind(12, a.created_us).Bind(13, static_cast<int64_t>(a.song_count));
  if (auto r = (*ins)->Run(); !r) return r;
  if (auto r = Run(db, "INSERT INTO catalog_album_search (rowid, name, artist) VALUES (?, ?, ?)", {a.name, a.artist},
                   sqlite3_last_insert_rowid(db.raw()));
      !r)
    return r;
  for (const auto& [genre, count] : genres) {
    if (auto r = Run(db, "INSERT INTO catalog_album_genres (songs, genre, album_id) VALUES (?, ?, ?)", {genre, a.id},
                     static_cast<int64_t>(count));
        !r)
      return r;
  }
  artists.insert(a.artist_id);
  return {};
}

}  // namespace

std::string AlbumIdOf(const std::string& album_key) { return ShortId("al-", album_key); }
std::string ArtistIdOf(const std::string& artist_name) { return ShortId("ar-", AsciiLower(artist_name)); }

std::string AlbumArtistOf(const TrackRecord& r) {
  if (!r.album_artist.empty()) return r.album_artist;
  if (!r.artist.empty()) return FirstOf(r.artist);
  return "Unknown Artist";
}

std::expected<void, StoreError> RefreshAlbums(store::Database& db, const std::set<std::string>& album_keys) {
  std::set<std::string> artists;
  for (const std::string& key : album_keys)
    if (auto r = RefreshAlbum(db, key, artists); !r) return r;
  for (const std::string& artist : artists)
    if (auto r = RefreshArtist(db, artist); !r) return r;
  return {};
}

std::expected<void, StoreError> RefreshAllAlbums(store::Database& db) {
  if (auto r = db.Exec(
          "DELETE FROM catalog_albums; DELETE FROM catalog_album_search; DELETE FROM catalog_artists; "
          "DELETE FROM catalog_artist_search; DELETE FROM catalog_album_genres;");
      !r)
    return r;
  // A page of keys at a time, so that nothing grows with the catalog.
  std::string after;
  for (;;) {
    std::set<std::string> keys;
    auto st = db.Prepare(
        "SELECT DISTINCT album_key FROM catalog_claims WHERE is_primary = 1 AND album_key > ? "
        "ORDER BY album_key LIMIT 2000");
    if (!st) return std::unexpected(st.error());
    st->Bind(1, after);
    auto read = st->ForEach([&](const store::Statement& row) { keys.insert(row.Text(0).value_or("")); });
    if (!read) return std::unexpected(read.error());
    if (keys.empty()) return {};
    after = *keys.rbegin();
    if (auto r = RefreshAlbums(db, keys); !r) return r;
  }
}

std::string FtsPrefixQuery(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    std::string quoted;
    for (char c : word) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += (out.empty() ? "" : " ") + std::string("\"") + quoted + "\"*";
    word.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

std::expected<std::vector<AlbumInfo>, StoreError> CatalogViews::AlbumQuery(const std::string& where_and_order,
                                                                           const std::vector<std::string>& args) {
  auto st = db_->Prepare(std::string("SELECT ") + kAlbumColumns + " FROM catalog_albums " + where_and_order);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  for (const auto& a : args) st->Bind(i++, a);
  std::vector<AlbumInfo> out;
  auto r = st->ForEach([&](const store::Statement& row) { out.push_back(ReadAlbum(row)); });
  if (!r) return std::unexpected(r.error());
  return out;
}

namespace {

// WHERE clause and arguments of an album filter.
std::pair<std::string, std::vector<std::string>> FilterSql(const AlbumFilter& f) {
  std::string where = "WHERE 1";
  std::vector<std::string> args;
  if (f.from_year) where += " AND year >= " + std::to_string(*f.from_year);
  if (f.to_year) where += " AND year <= " + std::to_string(*f.to_year);
  if (f.genre) {
    where += " AND id IN (SELECT album_id FROM catalog_album_genres WHERE genre = ?)";
    args.push_back(*f.genre);
  }
  return {where, args};
}

}  // namespace

std::expected<size_t, StoreError> CatalogViews::AlbumCount(const AlbumFilter& filter) {
  auto [where, args] = FilterSql(filter);
  auto st = db_->Prepare("SELECT count(*) FROM catalog_albums " + where);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  for (const auto& a : args) st->Bind(i++, a);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return static_cast<size_t>(st->Int(0));
}

std::expected<std::vector<AlbumInfo>, StoreError> CatalogViews::Albums(AlbumOrder order, size_t offset, size_t limit,
                                                                       const AlbumFilter& filter) {
  auto [where, args] = FilterSql(filter);
  std::string by;
  switch (order) {
    case AlbumOrder::kName: by = "sort_name, id"; break;
    case AlbumOrder::kArtist: by = "sort_artist, sort_name, id"; break;
    case AlbumOrder::kNewest: by = "created_us DESC, sort_name, id"; break;
    case AlbumOrder::kYearUp: by = "year, sort_name, id"; break;
    case AlbumOrder::kYearDown: by = "year DESC, sort_name, id"; break;
    case AlbumOrder::kRandom: {
      // Random rowids probe the table on a big catalog: no pass over it.
      auto count = AlbumCount(filter);
      if (!count) return std::unexpected(count.error());
      if (*count > 20000 && !filter.genre && !filter.from_year && !filter.to_year) {
        return AlbumQuery("WHERE rowid IN (SELECT abs(random()) % (SELECT max(rowid) FROM catalog_albums) + 1 "
                          "FROM catalog_albums LIMIT " + std::to_string(limit * 4) + ") LIMIT " +
                              std::to_string(limit),
                          {});
      }
      by = "random()";
      offset = 0;
      break;
    }
  }
  return AlbumQuery(where + " ORDER BY " + by + " LIMIT " + std::to_string(limit) + " OFFSET " +
                        std::to_string(offset),
                    args);
}

std::expected<std::optional<AlbumInfo>, StoreError> CatalogViews::Album(const std::string& id) {
  auto rows = AlbumQuery("WHERE id = ?", {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<AlbumInfo>{};
  return std::optional<AlbumInfo>(std::move(rows->front()));
}

std::expected<std::optional<AlbumInfo>, StoreError> CatalogViews::AlbumByKey(const std::string& key) {
  // Asked once per song of a page: prepared once.
  auto st = db_->PrepareCached(std::string("SELECT ") + kAlbumColumns + " FROM catalog_albums WHERE album_key = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, key);
  auto row = (*st)->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<AlbumInfo>{};
  return std::optional<AlbumInfo>(ReadAlbum(**st));
}

std::expected<std::vector<AlbumInfo>, StoreError> CatalogViews::SearchAlbums(const std::string& query, size_t offset,
                                                                             size_t limit) {
  const std::string fts = FtsPrefixQuery(query);
  if (fts.empty()) return Albums(AlbumOrder::kName, offset, limit);
  return AlbumQuery("WHERE rowid IN (SELECT rowid FROM catalog_album_search WHERE catalog_album_search MATCH ?) "
                    "ORDER BY sort_name, id LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset),
                    {fts});
}

std::expected<std::vector<ArtistInfo>, StoreError> CatalogViews::ArtistQuery(const std::string& where_and_order,
                                                                             const std::vector<std::string>& args) {
  auto st = db_->Prepare("SELECT id, name, album_count, song_count, cover FROM catalog_artists " + where_and_order);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  for (const auto& a : args) st->Bind(i++, a);
  std::vector<ArtistInfo> out;
  auto r = st->ForEach([&](const store::Statement& row) {
    out.push_back(ArtistInfo{row.Text(0).value_or(""), row.Text(1).value_or(""), static_cast<size_t>(row.Int(2)),
                             static_cast<size_t>(row.Int(3)), DigestOf(row.Blob(4))});
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<size_t, StoreError> CatalogViews::ArtistCount() {
  auto st = db_->Prepare("SELECT count(*) FROM catalog_artists");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return static_cast<size_t>(st->Int(0));
}

std::expected<std::vector<ArtistInfo>, StoreError> CatalogViews::Artists(size_t offset, size_t limit) {
  return ArtistQuery("ORDER BY sort_name, id LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset), {});
}

std::expected<std::optional<ArtistInfo>, StoreError> CatalogViews::Artist(const std::string& id) {
  auto rows = ArtistQuery("WHERE id = ?", {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<ArtistInfo>{};
  return std::optional<ArtistInfo>(std::move(rows->front()));
}

std::expected<std::vector<AlbumInfo>, StoreError> CatalogViews::ArtistAlbums(const std::string& artist_id) {
  return AlbumQuery("WHERE artist_id = ? ORDER BY year, name", {artist_id});
}

std::expected<std::vector<ArtistInfo>, StoreError> CatalogViews::SearchArtists(const std::string& query, size_t offset,
                                                                               size_t limit) {
  const std::string fts = FtsPrefixQuery(query);
  if (fts.empty()) return Artists(offset, limit);
  return ArtistQuery("WHERE rowid IN (SELECT rowid FROM catalog_artist_search WHERE catalog_artist_search MATCH ?) "
                     "ORDER BY sort_name, id LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset),
                     {fts});
}

std::expected<std::vector<GenreInfo>, StoreError> CatalogViews::Genres() {
  auto st = db_->Prepare("SELECT genre, sum(songs), count(*) FROM catalog_album_genres GROUP BY genre ORDER BY genre");
  if (!st) return std::unexpected(st.error());
  std::vector<GenreInfo> out;
  auto r = st->ForEach([&](const store::Statement& row) {
    out.push_back(GenreInfo{row.Text(0).value_or(""), static_cast<size_t>(row.Int(1)), static_cast<size_t>(row.Int(2))});
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

}  // namespace hearth::library

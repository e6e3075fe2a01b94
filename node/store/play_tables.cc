#include "node/store/play_tables.h"

#include <algorithm>

namespace hearth::store {
namespace {

UserRow ReadUser(const Statement& s) {
  UserRow u;
  u.name = s.Text(0).value_or("");
  u.password_sealed = s.Blob(1);
  u.api_key = s.Text(2).value_or("");
  u.admin = s.Int(3) != 0;
  u.created_us = s.Int(4);
  return u;
}

std::expected<std::optional<UserRow>, StoreError> OneUser(Database& db, const std::string& where,
                                                         const std::string& arg) {
  auto st = db.Prepare("SELECT name, password_sealed, api_key, admin, created_us FROM users WHERE " + where);
  if (!st) return std::unexpected(st.error());
  st->Bind(1, arg);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<UserRow>{};
  return std::optional<UserRow>(ReadUser(*st));
}

TrackId TrackOf(const Bytes& b) {
  TrackId t;
  if (b.size() == t.bytes.size()) std::copy(b.begin(), b.end(), t.bytes.begin());
  return t;
}

std::expected<std::vector<TrackId>, StoreError> PlaylistTracks(Database& db, int64_t id) {
  auto st = db.Prepare("SELECT track_id FROM playlist_tracks WHERE playlist = ? ORDER BY position");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id);
  std::vector<TrackId> out;
  auto r = st->ForEach([&](Statement& s) { out.push_back(TrackOf(s.Blob(0))); });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::vector<PlaylistRow>, StoreError> QueryPlaylists(Database& db, const std::string& where,
                                                                   const std::string& text, int64_t id) {
  auto st = db.Prepare(
      "SELECT id, owner, name, comment, public, created_us, changed_us FROM playlists WHERE " + where +
      " ORDER BY id");
  if (!st) return std::unexpected(st.error());
  if (!text.empty()) st->Bind(1, text);
  else st->Bind(1, id);
  std::vector<PlaylistRow> out;
  auto r = st->ForEach([&](Statement& s) {
    PlaylistRow p;
    p.id = s.Int(0);
    p.owner = s.Text(1).value_or("");
    p.name = s.Text(2).value_or("");
    p.comment = s.Text(3).value_or("");
    p.is_public = s.Int(4) != 0;
    p.created_us = s.Int(5);
    p.changed_us = s.Int(6);
    out.push_back(std::move(p));
  });
  if (!r) return std::unexpected(r.error());
  for (auto& p : out) {
    auto tracks = PlaylistTracks(db, p.id);
    if (!tracks) return std::unexpected(tracks.error());
    p.tracks = std::move(*tracks);
  }
  return out;
}

std::expected<void, StoreError> WriteTracks(Database& db, const PlaylistRow& p) {
  auto del = db.Prepare("DELETE FROM playlist_tracks WHERE playlist = ?");
  if (!del) return std::unexpected(del.error());
  del->Bind(1, p.id);
  if (auto r = del->Run(); !r) return r;
  auto ins = db.Prepare("INSERT INTO playlist_tracks (playlist, position, track_id) VALUES (?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  for (size_t i = 0; i < p.tracks.size(); ++i) {
    ins->Reset();
    ins->Bind(1, p.id).Bind(2, static_cast<int64_t>(i)).Bind(3, p.tracks[i].bytes);
    if (auto r = ins->Run(); !r) return r;
  }
  return {};
}

}  // namespace

std::expected<void, StoreError> AddUser(Database& db, const UserRow& user) {
  auto existing = FindUser(db, user.name);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return std::unexpected(StoreError{StoreErrc::kExists, "user " + user.name + " already exists"});
  auto st = db.Prepare(
      "INSERT INTO users (name, password_sealed, api_key, admin, created_us) VALUES (?, ?, ?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user.name).Bind(2, user.password_sealed).Bind(3, user.api_key);
  st->Bind(4, int64_t{user.admin}).Bind(5, user.created_us);
  return st->Run();
}

std::expected<std::optional<UserRow>, StoreError> FindUser(Database& db, const std::string& name) {
  return OneUser(db, "name = ?", name);
}

std::expected<std::optional<UserRow>, StoreError> FindUserByApiKey(Database& db, const std::string& key) {
  return OneUser(db, "api_key = ?", key);
}

std::expected<std::vector<UserRow>, StoreError> ListUsers(Database& db) {
  auto st = db.Prepare("SELECT name, password_sealed, api_key, admin, created_us FROM users ORDER BY name");
  if (!st) return std::unexpected(st.error());
  std::vector<UserRow> out;
  auto r = st->ForEach([&](Statement& s) { out.push_back(ReadUser(s)); });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<bool, StoreError> RemoveUser(Database& db, const std::string& name) {
  return db.Transaction([&]() -> std::expected<bool, StoreError> {
    auto found = FindUser(db, name);
    if (!found) return std::unexpected(found.error());
    if (!*found) return false;
    for (const char* sql : {"DELETE FROM users WHERE name = ?", "DELETE FROM stars WHERE user = ?",
                            "DELETE FROM plays WHERE user = ?",
                            "DELETE FROM playlist_tracks WHERE playlist IN (SELECT id FROM playlists WHERE owner = ?)",
                            "DELETE FROM playlists WHERE owner = ?"}) {
      auto st = db.Prepare(sql);
      if (!st) return std::unexpected(st.error());
      st->Bind(1, name);
      if (auto r = st->Run(); !r) return std::unexpected(r.error());
    }
    return true;
  });
}

std::expected<void, StoreError> UpdateUserSecrets(Database& db, const std::string& name, ByteSpan password_sealed,
                                                  const std::string& api_key) {
  auto st = db.Prepare("UPDATE users SET password_sealed = ?, api_key = ? WHERE name = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, password_sealed).Bind(2, api_key).Bind(3, name);
  return st->Run();
}

std::expected<void, StoreError> SetStar(Database& db, const std::string& user, const StarRow& star, bool on) {
  auto st = db.Prepare(on ? "INSERT OR IGNORE INTO stars (user, kind, item, starred_us) VALUES (?, ?, ?, ?)"
                          : "DELETE FROM stars WHERE user = ? AND kind = ? AND item = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user).Bind(2, star.kind).Bind(3, star.item);
  if (on) st->Bind(4, star.starred_us);
  return st->Run();
}

std::expected<std::vector<StarRow>, StoreError> ListStars(Database& db, const std::string& user) {
  auto st = db.Prepare("SELECT kind, item, starred_us FROM stars WHERE user = ? ORDER BY starred_us");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user);
  std::vector<StarRow> out;
  auto r = st->ForEach([&](Statement& s) {
    out.push_back(StarRow{s.Text(0).value_or(""), s.Text(1).value_or(""), s.Int(2)});
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<void, StoreError> AddPlay(Database& db, const std::string& user, const TrackId& track,
                                        int64_t played_us) {
  auto st = db.Prepare("INSERT INTO plays (user, track_id, played_us) VALUES (?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user).Bind(2, track.bytes).Bind(3, played_us);
  return st->Run();
}

std::expected<std::map<TrackId, PlayStats>, StoreError> PlayCounts(Database& db, const std::string& user) {
  auto st = db.Prepare("SELECT track_id, COUNT(*), MAX(played_us) FROM plays WHERE user = ? GROUP BY track_id");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user);
  std::map<TrackId, PlayStats> out;
  auto r = st->ForEach([&](Statement& s) { out[TrackOf(s.Blob(0))] = PlayStats{s.Int(1), s.Int(2)}; });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<int64_t, StoreError> CreatePlaylist(Database& db, const PlaylistRow& p) {
  return db.Transaction([&]() -> std::expected<int64_t, StoreError> {
    auto st = db.Prepare(
        "INSERT INTO playlists (owner, name, comment, public, created_us, changed_us) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st) return std::unexpected(st.error());
    st->Bind(1, p.owner).Bind(2, p.name).Bind(3, p.comment).Bind(4, int64_t{p.is_public});
    st->Bind(5, p.created_us).Bind(6, p.changed_us);
    if (auto r = st->Run(); !r) return std::unexpected(r.error());
    PlaylistRow saved = p;
    saved.id = sqlite3_last_insert_rowid(db.raw());
    if (auto r = WriteTracks(db, saved); !r) return std::unexpected(r.error());
    return saved.id;
  });
}

std::expected<void, StoreError> SavePlaylist(Database& db, const PlaylistRow& p) {
  return db.Transaction([&]() -> std::expected<void, StoreError> {
    auto st = db.Prepare("UPDATE playlists SET name = ?, comment = ?, public = ?, changed_us = ? WHERE id = ?");
    if (!st) return std::unexpected(st.error());
    st->Bind(1, p.name).Bind(2, p.comment).Bind(3, int64_t{p.is_public}).Bind(4, p.changed_us).Bind(5, p.id);
    if (auto r = st->Run(); !r) return r;
    return WriteTracks(db, p);
  });
}

std::expected<void, StoreError> DeletePlaylist(Database& db, int64_t id) {
  return db.Transaction([&]() -> std::expected<void, StoreError> {
    for (const char* sql : {"DELETE FROM playlist_tracks WHERE playlist = ?", "DELETE FROM playlists WHERE id = ?"}) {
      auto st = db.Prepare(sql);
      if (!st) return std::unexpected(st.error());
      st->Bind(1, id);
      if (auto r = st->Run(); !r) return r;
    }
    return {};
  });
}

std::expected<std::optional<PlaylistRow>, StoreError> FindPlaylist(Database& db, int64_t id) {
  auto found = QueryPlaylists(db, "id = ?", "", id);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<PlaylistRow>{};
  return std::optional<PlaylistRow>(std::move(found->front()));
}

std::expected<std::vector<PlaylistRow>, StoreError> ListPlaylists(Database& db, const std::string& user) {
  return QueryPlaylists(db, "owner = ?1 OR public = 1", user, 0);
}

}  // namespace hearth::store

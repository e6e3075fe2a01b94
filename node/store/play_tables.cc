#include "node/store/play_tables.h"

#include <algorithm>
#include <tuple>

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
    // The listener's stars, plays and playlists stay: they belong to the
    // household's listener of that name, on every device.
    for (const char* sql : {"DELETE FROM users WHERE name = ?"}) {
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

namespace {

std::expected<std::vector<TrackId>, StoreError> PlaylistTracks(Database& db, const std::string& id) {
  auto st = db.Prepare("SELECT track_id FROM playlist_tracks WHERE playlist = ? ORDER BY position");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id);
  std::vector<TrackId> out;
  auto r = st->ForEach([&](Statement& s) { out.push_back(TrackOf(s.Blob(0))); });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::vector<PlaylistRow>, StoreError> QueryPlaylists(Database& db, const std::string& where,
                                                                   const std::string& arg) {
  auto st = db.Prepare("SELECT id, owner, name, comment, public, created_us, changed_us FROM playlists WHERE deleted = 0 AND (" +
                       where + ") ORDER BY created_us, id");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, arg);
  std::vector<PlaylistRow> out;
  auto r = st->ForEach([&](Statement& s) {
    PlaylistRow p;
    p.id = s.Text(0).value_or("");
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

// The stamp of what is stored for one star or playlist, if anything.
using Stamp = std::tuple<int64_t, std::array<uint8_t, 32>, uint64_t>;
std::expected<std::optional<Stamp>, StoreError> StoredStamp(Database& db, const std::string& sql,
                                                            const std::vector<std::string>& args) {
  auto st = db.Prepare(sql);
  if (!st) return std::unexpected(st.error());
  for (size_t i = 0; i < args.size(); ++i) st->Bind(static_cast<int>(i + 1), args[i]);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Stamp>{};
  DeviceId origin;
  Bytes b = st->Blob(1);
  if (b.size() == 32) std::copy(b.begin(), b.end(), origin.bytes.begin());
  return std::optional<Stamp>(Stamp{st->Int(0), origin.bytes, static_cast<uint64_t>(st->Int(2))});
}

std::expected<void, StoreError> Fold(Database& db, const ListenerEvent& e) {
  switch (e.kind) {
    case ListenerKind::kStar:
    case ListenerKind::kUnstar: {
      auto stored = StoredStamp(db, "SELECT at_us, stamp_origin, stamp_seq FROM stars WHERE user = ? AND kind = ? AND item = ?",
                                {e.user, e.item_kind, e.item});
      if (!stored) return std::unexpected(stored.error());
      if (*stored && **stored >= e.Stamp()) return {};  // a later write is already there
      auto st = db.Prepare(
          "INSERT OR REPLACE INTO stars (user, kind, item, starred, at_us, stamp_origin, stamp_seq) VALUES (?, ?, ?, ?, ?, ?, ?)");
      if (!st) return std::unexpected(st.error());
      st->Bind(1, e.user).Bind(2, e.item_kind).Bind(3, e.item).Bind(4, int64_t{e.kind == ListenerKind::kStar});
      st->Bind(5, e.at_us).Bind(6, e.origin.bytes).Bind(7, static_cast<int64_t>(e.seq));
      return st->Run();
    }
    case ListenerKind::kPlay: {
      auto st = db.Prepare("INSERT INTO plays (user, track_id, played_us) VALUES (?, ?, ?)");
      if (!st) return std::unexpected(st.error());
      st->Bind(1, e.user).Bind(2, e.track.bytes).Bind(3, e.at_us);
      return st->Run();
    }
    case ListenerKind::kPlaylist:
    case ListenerKind::kPlaylistDelete: {
      auto stored = StoredStamp(db, "SELECT changed_us, stamp_origin, stamp_seq FROM playlists WHERE id = ?", {e.item});
      if (!stored) return std::unexpected(stored.error());
      if (*stored && **stored >= e.Stamp()) return {};
      const bool deleted = e.kind == ListenerKind::kPlaylistDelete;
      auto st = db.Prepare(
          "INSERT OR REPLACE INTO playlists (id, owner, name, comment, public, created_us, changed_us, deleted, "
          "stamp_origin, stamp_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st) return std::unexpected(st.error());
      st->Bind(1, e.item).Bind(2, e.user).Bind(3, e.name).Bind(4, e.comment).Bind(5, int64_t{e.is_public});
      st->Bind(6, e.created_us).Bind(7, e.at_us).Bind(8, int64_t{deleted}).Bind(9, e.origin.bytes);
      st->Bind(10, static_cast<int64_t>(e.seq));
      if (auto r = st->Run(); !r) return r;
      auto del = db.Prepare("DELETE FROM playlist_tracks WHERE playlist = ?");
      if (!del) return std::unexpected(del.error());
      del->Bind(1, e.item);
      if (auto r = del->Run(); !r) return r;
      auto ins = db.Prepare("INSERT INTO playlist_tracks (playlist, position, track_id) VALUES (?, ?, ?)");
      if (!ins) return std::unexpected(ins.error());
      for (size_t i = 0; !deleted && i < e.tracks.size(); ++i) {
        ins->Reset();
        ins->Bind(1, e.item).Bind(2, static_cast<int64_t>(i)).Bind(3, e.tracks[i].bytes);
        if (auto r = ins->Run(); !r) return r;
      }
      return {};
    }
  }
  return {};
}

std::expected<bool, StoreError> Insert(Database& db, const ListenerEvent& e) {
  auto st = db.Prepare("INSERT OR IGNORE INTO listener_events (origin, seq, event) VALUES (?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, e.origin.bytes).Bind(2, static_cast<int64_t>(e.seq)).Bind(3, EncodeListenerEvent(e));
  if (auto r = st->Run(); !r) return std::unexpected(r.error());
  return sqlite3_changes(db.raw()) > 0;
}

std::expected<std::vector<Bytes>, StoreError> Encoded(Statement& st) {
  std::vector<Bytes> out;
  auto r = st.ForEach([&](Statement& s) { out.push_back(s.Blob(0)); });
  if (!r) return std::unexpected(r.error());
  return out;
}

}  // namespace

std::expected<ListenerEvent, StoreError> RecordListenerEvent(Database& db, const DeviceId& self, ListenerEvent e) {
  return db.Transaction([&]() -> std::expected<ListenerEvent, StoreError> {
    auto st = db.Prepare("SELECT COALESCE(MAX(seq), 0) FROM listener_events WHERE origin = ?");
    if (!st) return std::unexpected(st.error());
    st->Bind(1, self.bytes);
    auto row = st->Step();
    if (!row) return std::unexpected(row.error());
    e.origin = self;
    e.seq = static_cast<uint64_t>(st->Int(0)) + 1;
    auto inserted = Insert(db, e);
    if (!inserted) return std::unexpected(inserted.error());
    if (auto folded = Fold(db, e); !folded) return std::unexpected(folded.error());
    return e;
  });
}

std::expected<bool, StoreError> ApplyListenerEvent(Database& db, const ListenerEvent& e) {
  return db.Transaction([&]() -> std::expected<bool, StoreError> {
    auto inserted = Insert(db, e);
    if (!inserted || !*inserted) return inserted;
    if (auto folded = Fold(db, e); !folded) return std::unexpected(folded.error());
    return true;
  });
}

std::expected<ListenerHeads, StoreError> LoadListenerHeads(Database& db) {
  auto st = db.Prepare("SELECT origin, MAX(seq) FROM listener_events GROUP BY origin");
  if (!st) return std::unexpected(st.error());
  ListenerHeads heads;
  auto r = st->ForEach([&](Statement& s) {
    DeviceId d;
    Bytes b = s.Blob(0);
    if (b.size() == 32) std::copy(b.begin(), b.end(), d.bytes.begin());
    heads[d] = static_cast<uint64_t>(s.Int(1));
  });
  if (!r) return std::unexpected(r.error());
  return heads;
}

std::expected<std::vector<Bytes>, StoreError> ListenerEventsMissing(Database& db, const ListenerHeads& heads,
                                                                    size_t limit) {
  auto mine = LoadListenerHeads(db);
  if (!mine) return std::unexpected(mine.error());
  std::vector<Bytes> out;
  for (const auto& [origin, seq] : *mine) {
    auto theirs = heads.find(origin);
    const uint64_t have = theirs == heads.end() ? 0 : theirs->second;
    if (have >= seq) continue;
    auto st = db.Prepare("SELECT event FROM listener_events WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?");
    if (!st) return std::unexpected(st.error());
    st->Bind(1, origin.bytes).Bind(2, static_cast<int64_t>(have)).Bind(3, static_cast<int64_t>(limit - out.size()));
    auto some = Encoded(*st);
    if (!some) return std::unexpected(some.error());
    for (auto& b : *some) out.push_back(std::move(b));
    if (out.size() >= limit) break;
  }
  return out;
}

std::expected<std::pair<std::vector<Bytes>, int64_t>, StoreError> ListenerEventsSince(Database& db, int64_t arrival,
                                                                                    size_t limit) {
  auto st = db.Prepare("SELECT event, arrival FROM listener_events WHERE arrival > ? ORDER BY arrival LIMIT ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, arrival).Bind(2, static_cast<int64_t>(limit));
  std::vector<Bytes> out;
  int64_t last = arrival;
  auto r = st->ForEach([&](Statement& s) {
    out.push_back(s.Blob(0));
    last = s.Int(1);
  });
  if (!r) return std::unexpected(r.error());
  return std::pair{std::move(out), last};
}

std::expected<int64_t, StoreError> LastListenerArrival(Database& db) {
  auto st = db.Prepare("SELECT COALESCE(MAX(arrival), 0) FROM listener_events");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return st->Int(0);
}

std::expected<std::vector<StarRow>, StoreError> ListStars(Database& db, const std::string& user) {
  auto st = db.Prepare("SELECT kind, item, at_us FROM stars WHERE user = ? AND starred = 1 ORDER BY at_us");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, user);
  std::vector<StarRow> out;
  auto r = st->ForEach([&](Statement& s) {
    out.push_back(StarRow{s.Text(0).value_or(""), s.Text(1).value_or(""), s.Int(2)});
  });
  if (!r) return std::unexpected(r.error());
  return out;
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

std::expected<std::optional<PlaylistRow>, StoreError> FindPlaylist(Database& db, const std::string& id) {
  auto found = QueryPlaylists(db, "id = ?", id);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<PlaylistRow>{};
  return std::optional<PlaylistRow>(std::move(found->front()));
}

std::expected<std::vector<PlaylistRow>, StoreError> ListPlaylists(Database& db, const std::string& user) {
  return QueryPlaylists(db, "owner = ?1 OR public = 1", user);
}

}  // namespace hearth::store

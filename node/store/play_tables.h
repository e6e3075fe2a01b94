// The HTTP side's tables (schema/0004_play.sql): listeners, stars, plays and
// playlists. Plain rows; the http layer decides what they mean. Each function
// borrows the Database for the call; one thread per Database.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/store/database.h"
#include "protocol/ids.h"

namespace hearth::store {

struct UserRow {
  std::string name;
  Bytes password_sealed;
  std::string api_key;
  bool admin = false;
  int64_t created_us = 0;
};

// kExists when the name is taken.
std::expected<void, StoreError> AddUser(Database& db, const UserRow& user);
std::expected<std::optional<UserRow>, StoreError> FindUser(Database& db, const std::string& name);
std::expected<std::optional<UserRow>, StoreError> FindUserByApiKey(Database& db, const std::string& key);
std::expected<std::vector<UserRow>, StoreError> ListUsers(Database& db);
// False when there was no such user.
std::expected<bool, StoreError> RemoveUser(Database& db, const std::string& name);
std::expected<void, StoreError> UpdateUserSecrets(Database& db, const std::string& name, ByteSpan password_sealed,
                                                  const std::string& api_key);

struct StarRow {
  std::string kind;  // song | album | artist
  std::string item;
  int64_t starred_us = 0;
};
std::expected<void, StoreError> SetStar(Database& db, const std::string& user, const StarRow& star, bool on);
std::expected<std::vector<StarRow>, StoreError> ListStars(Database& db, const std::string& user);

struct PlayStats {
  int64_t count = 0;
  int64_t last_us = 0;
};
std::expected<void, StoreError> AddPlay(Database& db, const std::string& user, const TrackId& track,
                                        int64_t played_us);
std::expected<std::map<TrackId, PlayStats>, StoreError> PlayCounts(Database& db, const std::string& user);

struct PlaylistRow {
  int64_t id = 0;
  std::string owner, name, comment;
  bool is_public = false;
  int64_t created_us = 0, changed_us = 0;
  std::vector<TrackId> tracks;
};
std::expected<int64_t, StoreError> CreatePlaylist(Database& db, const PlaylistRow& p);
// Rewrites name, comment, public flag, changed time and the track list.
std::expected<void, StoreError> SavePlaylist(Database& db, const PlaylistRow& p);
std::expected<void, StoreError> DeletePlaylist(Database& db, int64_t id);
std::expected<std::optional<PlaylistRow>, StoreError> FindPlaylist(Database& db, int64_t id);
// The user's own playlists and everyone's public ones, oldest first.
std::expected<std::vector<PlaylistRow>, StoreError> ListPlaylists(Database& db, const std::string& user);

}  // namespace hearth::store

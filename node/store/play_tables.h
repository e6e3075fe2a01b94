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
#include "protocol/listener_events.h"

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

// Stars, plays and playlists change only through listener events
// (protocol/listener_events.h), so that every member device folds the same
// events into the same state.

// A change made on this device: numbered (the next seq of `self`), stored and
// applied in one transaction. Returns the event as recorded.
std::expected<ListenerEvent, StoreError> RecordListenerEvent(Database& db, const DeviceId& self, ListenerEvent e);
// An event from another device: stored and applied unless already known
// (false then).
std::expected<bool, StoreError> ApplyListenerEvent(Database& db, const ListenerEvent& e);
std::expected<ListenerHeads, StoreError> LoadListenerHeads(Database& db);
// Encoded events that a device with `heads` lacks, in arrival order.
std::expected<std::vector<Bytes>, StoreError> ListenerEventsMissing(Database& db, const ListenerHeads& heads,
                                                                    size_t limit);
// Encoded events that arrived after `arrival`, and the last arrival seen
// (unchanged when none).
std::expected<std::pair<std::vector<Bytes>, int64_t>, StoreError> ListenerEventsSince(Database& db, int64_t arrival,
                                                                                    size_t limit);
std::expected<int64_t, StoreError> LastListenerArrival(Database& db);

struct StarRow {
  std::string kind;  // song | album | artist
  std::string item;
  int64_t starred_us = 0;
};
std::expected<std::vector<StarRow>, StoreError> ListStars(Database& db, const std::string& user);

struct PlayStats {
  int64_t count = 0;
  int64_t last_us = 0;
};
std::expected<std::map<TrackId, PlayStats>, StoreError> PlayCounts(Database& db, const std::string& user);

struct PlaylistRow {
  std::string id;
  std::string owner, name, comment;
  bool is_public = false;
  int64_t created_us = 0, changed_us = 0;
  std::vector<TrackId> tracks;
};
std::expected<std::optional<PlaylistRow>, StoreError> FindPlaylist(Database& db, const std::string& id);
// The user's own playlists and everyone's public ones, oldest first.
std::expected<std::vector<PlaylistRow>, StoreError> ListPlaylists(Database& db, const std::string& user);

}  // namespace hearth::store

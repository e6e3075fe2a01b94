// Listener events: what a household listener does that should follow them
// to every member device -- stars, plays (scrobbles) and playlists. Each
// event is made by one device (its origin) and numbered 1, 2, ... there;
// devices exchange them with LISTENER_HEADS / LISTENER_EVENTS (byte layout in
// mesh_format.md) and fold them into the same tables:
//
//   star / unstar     last writer wins per (user, kind, item), by the stamp
//                     (at_us, origin, seq)
//   play              counted once per event
//   playlist          the playlist's whole state; last writer wins by stamp
//   playlist delete   a tombstone, also last writer wins
//
// They travel only between devices that hold the content secret (track ids
// are household secrets) and inside authenticated, encrypted sessions. They
// are not signed: a member device is trusted with listener state, not with
// ownership (that is the ledger's job).
#pragma once

#include <compare>
#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/ids.h"

namespace hearth {

enum class ListenerKind : uint8_t {
  kStar = 1,
  kUnstar = 2,
  kPlay = 3,
  kPlaylist = 4,
  kPlaylistDelete = 5,
};

inline constexpr size_t kMaxListenerText = 1024;          // user, ids, names, comments
inline constexpr size_t kMaxPlaylistTracks = 10000;

struct ListenerEvent {
  DeviceId origin;
  uint64_t seq = 0;
  int64_t at_us = 0;
  std::string user;
  ListenerKind kind = ListenerKind::kPlay;
  std::string item_kind;  // star/unstar: song | album | artist
  std::string item;       // star/unstar: the item's id; playlist/delete: the playlist's id
  TrackId track;          // play
  // playlist
  std::string name, comment;
  bool is_public = false;
  int64_t created_us = 0;
  std::vector<TrackId> tracks;

  // Orders writes to one thing: later stamps win.
  auto Stamp() const { return std::tuple(at_us, origin.bytes, seq); }
  bool operator==(const ListenerEvent&) const = default;
};

Bytes EncodeListenerEvent(const ListenerEvent& e);
std::expected<ListenerEvent, std::string> DecodeListenerEvent(ByteSpan bytes);

// LISTENER_HEADS: the highest seq the sender has of each origin (in
// ascending order of origin).
using ListenerHeads = std::map<DeviceId, uint64_t>;
Bytes EncodeListenerHeads(const ListenerHeads& heads);
std::expected<ListenerHeads, std::string> DecodeListenerHeads(ByteSpan payload);

// LISTENER_EVENTS: a batch of events (at most kMaxListenerBatch, and a frame).
inline constexpr size_t kMaxListenerBatch = 4096;
Bytes EncodeListenerEvents(const std::vector<Bytes>& encoded_events);
std::expected<std::vector<ListenerEvent>, std::string> DecodeListenerEvents(ByteSpan payload);

}  // namespace hearth

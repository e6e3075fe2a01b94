// Stream slots: the household's stream limit (policy stream_limit: at most N
// streams per owned copy of a track playing at once; a track claimed twice
// is two copies, so 2N).
//
// A stream is one listener on one client (address) playing one track. It
// holds a slot from its first request until the track's duration has passed
// since its latest request; the Range requests, seeks and retries of one
// playback renew its slot rather than take another. A listener on a client
// holds at most two slots (the track playing and the one a player loads
// ahead): a third releases the oldest.
//
// Other devices' slots arrive through the mesh (STREAMS, StreamSlot in
// protocol/mesh_messages.h): each device sends its whole set whenever it
// changes, each slot with the time it has left, so the slots of a device
// that goes silent lapse on their own and no clocks are compared. A count
// gossiped this way can be short for the moment a message is in flight: two
// devices starting the same track within that moment may both play. In a
// partition each side counts only the slots it hears of, so each side can
// reach the limit: at most N per copy per side, until they meet again.
//
// Not thread-safe: the HTTP thread owns it. Times are microseconds.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "protocol/ids.h"
#include "protocol/mesh_messages.h"

namespace hearth::http {

struct StreamRefusal {
  uint32_t playing = 0;  // streams of the track playing now, across the household
  uint32_t limit = 0;    // the household's stream_limit (per copy)
  uint32_t copies = 0;   // owned copies of the track
  std::string Message() const;  // names the limit, for JSON, Subsonic and the web player
};

class StreamSlots {
 public:
  // Takes (or renews) the slot of `listener` on `client` for `track`, unless
  // `limit` (per copy; 0 = no limit) times `copies` streams of it already
  // play elsewhere. Returns whether this device's set of slots changed (a
  // new slot, one released or lapsed, or a renewal that moved a slot's end
  // by a second or more), which is when the mesh should hear of it.
  std::expected<bool, StreamRefusal> Acquire(const std::string& listener, const std::string& client,
                                             const TrackId& track, int64_t duration_us, uint32_t limit,
                                             uint32_t copies, int64_t now_us);

  // This device's slots that still hold.
  std::vector<StreamSlot> Local(int64_t now_us) const;
  // `device`'s whole set of slots, replacing what it said before.
  void SetPeer(const DeviceId& device, const std::vector<StreamSlot>& slots, int64_t now_us);
  // Streams of `track` playing across the household, as far as this device knows.
  uint32_t Playing(const TrackId& track, int64_t now_us) const;
  // Every track playing, with its count (for /api/v1/streams).
  std::map<TrackId, uint32_t> AllPlaying(int64_t now_us) const;

 private:
  struct Mine {
    std::string listener, client;
    TrackId track;
    int64_t started_us = 0;
    int64_t ends_us = 0;
  };
  void Expire(int64_t now_us);
  std::vector<Mine> mine_;
  std::map<DeviceId, std::vector<std::pair<TrackId, int64_t>>> peers_;  // track, ends (our clock)
};

}  // namespace hearth::http

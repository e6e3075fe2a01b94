#include "node/http/stream_slots.h"

#include <algorithm>

#include <fmt/format.h>

namespace hearth::http {
namespace {

constexpr size_t kSlotsPerClient = 2;
constexpr int64_t kNewsworthyUs = 1'000'000;
// Renewals stretch a slot by the track's duration; a track with no known
// duration holds for this long.
constexpr int64_t kUnknownDurationUs = 10 * 60 * 1'000'000LL;

}  // namespace

std::string StreamRefusal::Message() const {
  return fmt::format(
      "stream limit reached: this track is playing {} time(s) in the household already, and the household's "
      "stream_limit is {} per owned copy ({} cop{}): try again when one of them ends",
      playing, limit, copies, copies == 1 ? "y" : "ies");
}

void StreamSlots::Expire(int64_t now_us) {
  std::erase_if(mine_, [&](const Mine& m) { return m.ends_us <= now_us; });
  for (auto it = peers_.begin(); it != peers_.end();) {
    std::erase_if(it->second, [&](const auto& s) { return s.second <= now_us; });
    it = it->second.empty() ? peers_.erase(it) : std::next(it);
  }
}

std::expected<bool, StreamRefusal> StreamSlots::Acquire(const std::string& listener, const std::string& client,
                                                        const TrackId& track, int64_t duration_us, uint32_t limit,
                                                        uint32_t copies, int64_t now_us) {
  const bool expired = std::any_of(mine_.begin(), mine_.end(), [&](const Mine& m) { return m.ends_us <= now_us; });
  Expire(now_us);
  const int64_t hold = duration_us > 0 ? duration_us : kUnknownDurationUs;
  for (Mine& m : mine_) {
    if (m.listener == listener && m.client == client && m.track == track) {
      // The same playback: its slot, renewed. Others hear of it when that
      // moves its end by a second or more (not at every Range request).
      const int64_t ends = std::max(m.ends_us, now_us + hold);
      const bool moved = ends - m.ends_us >= kNewsworthyUs;
      m.ends_us = ends;
      return expired || moved;
    }
  }
  if (limit > 0) {
    const uint32_t allowed = limit * std::max<uint32_t>(copies, 1);
    const uint32_t playing = Playing(track, now_us);
    if (playing >= allowed) return std::unexpected(StreamRefusal{playing, limit, std::max<uint32_t>(copies, 1)});
  }
  // A third slot for this listener on this client releases its oldest.
  std::vector<size_t> theirs;
  for (size_t i = 0; i < mine_.size(); ++i)
    if (mine_[i].listener == listener && mine_[i].client == client) theirs.push_back(i);
  if (theirs.size() >= kSlotsPerClient) {
    auto oldest = *std::min_element(theirs.begin(), theirs.end(),
                                    [&](size_t a, size_t b) { return mine_[a].started_us < mine_[b].started_us; });
    mine_.erase(mine_.begin() + static_cast<ptrdiff_t>(oldest));
  }
  mine_.push_back(Mine{listener, client, track, now_us, now_us + hold});
  return true;
}

std::vector<StreamSlot> StreamSlots::Local(int64_t now_us) const {
  std::vector<StreamSlot> out;
  for (const Mine& m : mine_)
    if (m.ends_us > now_us)
      out.push_back(StreamSlot{m.track, static_cast<uint32_t>(std::clamp<int64_t>((m.ends_us - now_us) / 1000, 1,
                                                                                  UINT32_MAX))});
  return out;
}

void StreamSlots::SetPeer(const DeviceId& device, const std::vector<StreamSlot>& slots, int64_t now_us) {
  std::vector<std::pair<TrackId, int64_t>> held;
  for (const StreamSlot& s : slots)
    if (s.left_ms > 0) held.emplace_back(s.track, now_us + int64_t{s.left_ms} * 1000);
  if (held.empty()) peers_.erase(device);
  else peers_[device] = std::move(held);
}

uint32_t StreamSlots::Playing(const TrackId& track, int64_t now_us) const {
  uint32_t n = 0;
  for (const Mine& m : mine_)
    if (m.track == track && m.ends_us > now_us) ++n;
  for (const auto& [device, held] : peers_)
    for (const auto& [t, ends] : held)
      if (t == track && ends > now_us) ++n;
  return n;
}

std::map<TrackId, uint32_t> StreamSlots::AllPlaying(int64_t now_us) const {
  std::map<TrackId, uint32_t> out;
  for (const Mine& m : mine_)
    if (m.ends_us > now_us) ++out[m.track];
  for (const auto& [device, held] : peers_)
    for (const auto& [t, ends] : held)
      if (ends > now_us) ++out[t];
  return out;
}

}  // namespace hearth::http

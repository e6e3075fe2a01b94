// RelaySplices: this device relaying for others. A member asks it to carry
// a channel to another member (RELAY_OPEN kind 1); it opens a channel of its
// own to that member (kind 2) and from then on passes the channel's frames
// from one hop to the other, renaming the channel id each hop knows it by,
// until either end closes it or either session ends. It never reads what it
// carries: the two ends' own mesh session is encrypted end to end.
//
// The relay holds the ends to the rules it can see: a channel id from the
// asker's half of the id space (odd/even by who dialed the hop), at most
// kMaxPerAsker channels for one asker, and no more than kRelayWindow of
// RELAY_DATA unacked in either direction. A channel that breaks a rule is
// closed at both ends (RELAY_CLOSE kBroken), and what was queued for it is
// dropped, so a member that floods cannot make the relay hold more than a
// window per channel.
//
// While the household's policy caps this device's relaying
// (relay_limit=DEVICE:RATE), RELAY_DATA is passed on at most at that rate,
// in order (the frames behind it wait too, so nothing overtakes).
//
// Single-threaded, on the node's thread; borrows the context and sessions.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "protocol/relay_messages.h"

namespace hearth::mesh {

class RelaySplices {
 public:
  static constexpr size_t kMaxCarried = 32;  // channels carried at once
  static constexpr size_t kMaxPerAsker = 8;  // of them, asked for by one member

  // `next_channel`: a fresh channel id for this device to open on a hop.
  RelaySplices(MeshContext& ctx, PeerSessions& peers, std::function<uint32_t(const Connection&)> next_channel);
  RelaySplices(const RelaySplices&) = delete;
  RelaySplices& operator=(const RelaySplices&) = delete;

  // RELAY_OPEN kind 1 on `hop`: carry `channel` to `target`.
  void Open(Connection& hop, uint32_t channel, const DeviceId& target);
  // A RELAY_ACCEPT, _DATA, _ACK or _CLOSE on a channel this device carries:
  // passed on (true), or not one it carries (false). `payload` starts with
  // the channel id.
  bool Forward(Connection& hop, MessageType type, uint32_t channel, ByteSpan payload);
  // `hop`'s session ended: the channels through it end, the other halves
  // hear it.
  void SessionEnded(Connection* hop);
  void Stop();
  size_t carried() const { return routes_.size() / 2; }
  // RELAY_DATA bytes passed on (after the rate limit), since start.
  uint64_t bytes_carried() const { return bytes_carried_; }

 private:
  using Half = std::pair<Connection*, uint32_t>;
  struct Route {
    Half other;
    std::weak_ptr<Connection> other_conn;
    DeviceId asker;          // who asked for the splice
    uint64_t unacked = 0;    // RELAY_DATA from this half not yet acked by the other end
  };
  struct Queued {
    Half dest;
    std::weak_ptr<Connection> to;
    MessageType type;
    Bytes payload;
  };
  void Send(const Half& dest, const std::weak_ptr<Connection>& to, MessageType type, Bytes payload);
  // Closes both halves of the splice `half` belongs to (kBroken), dropping
  // what waits for them.
  void Break(const Half& half, const std::string& why);
  void Drain();
  std::optional<uint64_t> Limit() const;  // bytes per second, from the policy

  MeshContext& ctx_;
  PeerSessions& peers_;
  std::function<uint32_t(const Connection&)> next_channel_;
  std::map<Half, Route> routes_;  // both halves of every splice
  // The rate limit: frames waiting their turn, and the bucket.
  std::deque<Queued> queue_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_{};
  asio::steady_timer drain_timer_;
  bool drain_pending_ = false;
  uint64_t bytes_carried_ = 0;
};

}  // namespace hearth::mesh

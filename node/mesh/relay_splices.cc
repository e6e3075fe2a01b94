#include "node/mesh/relay_splices.h"

#include <algorithm>

namespace hearth::mesh {
namespace {

// A payload of ACCEPT, DATA, ACK or CLOSE with its leading channel id
// replaced by the id the next hop knows the channel by.
Bytes Renamed(ByteSpan payload, uint32_t channel) {
  Bytes out(payload.begin(), payload.end());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(channel >> (24 - 8 * i));
  return out;
}

}  // namespace

RelaySplices::RelaySplices(MeshContext& ctx, PeerSessions& peers,
                           std::function<uint32_t(const Connection&)> next_channel)
    : ctx_(ctx), peers_(peers), next_channel_(std::move(next_channel)), drain_timer_(ctx.io) {}

std::optional<uint64_t> RelaySplices::Limit() const {
  for (const RelayLimit& l : ctx_.home.ledger().ledger().state().policy.relay_limits)
    if (l.device == ctx_.me()) return l.bytes_per_second;
  return std::nullopt;
}

void RelaySplices::Open(Connection& hop, uint32_t channel, const DeviceId& target) {
  auto refuse = [&](RelayCloseCode code, const std::string& why) {
    hop.Send(MessageType::kRelayClose, EncodeRelayClose(RelayClose{channel, code, why}));
  };
  if (routes_.contains({&hop, channel})) return refuse(RelayCloseCode::kBroken, "that channel is open already");
  // The asker picks ids from its own half: odd when it dialed the hop.
  if ((channel & 1u) != (hop.initiator() ? 0u : 1u))
    return refuse(RelayCloseCode::kBroken, "a channel id from the relay's half");
  if (!ctx_.home.ledger().ledger().state().policy.reach)
    return refuse(RelayCloseCode::kRefused, "the household's policy says reach=off");
  if (target == hop.peer() || target == ctx_.me() || !ctx_.IsUnrevokedMember(target))
    return refuse(RelayCloseCode::kRefused, "not a device this relay carries sessions to");
  Connection* to = peers_.SessionOf(target);
  if (!to || !peers_.IsDirect(target))
    return refuse(RelayCloseCode::kNotConnected, "the relay has no direct session with that device");
  if (carried() >= kMaxCarried) return refuse(RelayCloseCode::kRefused, "the relay carries all it can");
  size_t asked = 0;
  for (const auto& [half, route] : routes_) asked += half.first == &hop && route.asker == hop.peer();
  if (asked >= kMaxPerAsker) return refuse(RelayCloseCode::kRefused, "the relay carries all it will for one device");
  const uint32_t out = next_channel_(*to);
  routes_[{&hop, channel}] = Route{{to, out}, to->weak_from_this(), hop.peer()};
  routes_[{to, out}] = Route{{&hop, channel}, hop.weak_from_this(), hop.peer()};
  to->Send(MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{out, /*to_relay=*/false, hop.peer()}));
  ctx_.Log("relay: carrying a session from " + ctx_.Name(hop.peer()) + " to " + ctx_.Name(target));
}

bool RelaySplices::Forward(Connection& hop, MessageType type, uint32_t channel, ByteSpan payload) {
  const Half half{&hop, channel};
  auto it = routes_.find(half);
  if (it == routes_.end()) return false;
  // The window, as the relay sees it: data from this half waits for acks
  // from the other end; an ack from this half returns data of the other's.
  if (type == MessageType::kRelayData) {
    it->second.unacked += payload.size() >= 4 ? payload.size() - 4 : 0;
    if (it->second.unacked > kRelayWindow) {
      Break(half, "more than the window unacked");
      return true;
    }
  } else if (type == MessageType::kRelayAck) {
    auto ack = DecodeRelayAck(payload);
    Route& back = routes_.at(it->second.other);
    if (!ack || ack->bytes > back.unacked) {
      Break(half, ack ? "an ack past what was sent" : ack.error());
      return true;
    }
    back.unacked -= ack->bytes;
  }
  const Route route = it->second;
  Send(route.other, route.other_conn, type, Renamed(payload, route.other.second));
  if (type == MessageType::kRelayClose) {
    routes_.erase(it);
    routes_.erase(route.other);
  }
  return true;
}

void RelaySplices::Break(const Half& half, const std::string& why) {
  auto it = routes_.find(half);
  if (it == routes_.end()) return;
  const Route route = it->second;
  const Half other = route.other;
  const std::weak_ptr<Connection> here = routes_.at(other).other_conn;
  std::erase_if(queue_, [&](const Queued& q) { return q.dest == half || q.dest == other; });
  routes_.erase(half);
  routes_.erase(other);
  for (const auto& [to, id] : {std::pair{here, half.second}, std::pair{route.other_conn, other.second}})
    if (auto c = to.lock(); c && !c->closed())
      c->Send(MessageType::kRelayClose, EncodeRelayClose(RelayClose{id, RelayCloseCode::kBroken, why}));
  ctx_.Log("relay: closed a channel from " + ctx_.Name(half.first->peer()) + ": " + why);
}

void RelaySplices::SessionEnded(Connection* hop) {
  std::vector<Half> ended;
  for (const auto& [half, route] : routes_)
    if (half.first == hop) ended.push_back(half);
  for (const Half& half : ended) {
    auto it = routes_.find(half);
    if (it == routes_.end()) continue;
    const Route route = it->second;
    std::erase_if(queue_, [&](const Queued& q) { return q.dest == route.other; });
    Send(route.other, route.other_conn, MessageType::kRelayClose,
         EncodeRelayClose(RelayClose{route.other.second, RelayCloseCode::kHopLost,
                                     "the relay lost its session with the other end"}));
    routes_.erase(it);
    routes_.erase(route.other);
  }
}

void RelaySplices::Stop() {
  drain_timer_.cancel();
  queue_.clear();
  routes_.clear();
}

void RelaySplices::Send(const Half& dest, const std::weak_ptr<Connection>& to, MessageType type, Bytes payload) {
  if (queue_.empty() && (type != MessageType::kRelayData || !Limit())) {
    if (type == MessageType::kRelayData) bytes_carried_ += payload.size() - 4;
    if (auto c = to.lock(); c && !c->closed()) c->Send(type, payload);
    return;
  }
  queue_.push_back(Queued{dest, to, type, std::move(payload)});
  Drain();
}

void RelaySplices::Drain() {
  const auto limit = Limit();
  const auto now = ctx_.SteadyNow();
  if (limit) {
    // The bucket holds a quarter second's worth, and at least two frames.
    const double burst = std::max<double>(static_cast<double>(*limit) / 4, 2.0 * kMaxRelayChunk);
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(burst, tokens_ + elapsed * static_cast<double>(*limit));
  }
  refilled_ = now;
  while (!queue_.empty()) {
    Queued& q = queue_.front();
    const double cost = q.type == MessageType::kRelayData ? static_cast<double>(q.payload.size() - 4) : 0;
    if (limit && cost > 0 && tokens_ < cost) {
      if (drain_pending_) return;
      drain_pending_ = true;
      const auto wait = std::chrono::duration<double>((cost - tokens_) / static_cast<double>(*limit));
      drain_timer_.expires_after(std::chrono::duration_cast<std::chrono::microseconds>(wait) +
                                 std::chrono::microseconds(100));
      drain_timer_.async_wait([this, alive = ctx_.alive](boost::system::error_code ec) {
        if (ec || !*alive) return;
        drain_pending_ = false;
        Drain();
      });
      return;
    }
    if (limit) tokens_ -= cost;
    bytes_carried_ += static_cast<uint64_t>(cost);
    if (auto c = q.to.lock(); c && !c->closed()) c->Send(q.type, q.payload);
    queue_.pop_front();
  }
}

}  // namespace hearth::mesh

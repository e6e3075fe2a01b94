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
  if (!ctx_.home.ledger().ledger().state().policy.reach)
    return refuse(RelayCloseCode::kRefused, "the household's policy says reach=off");
  if (target == hop.peer() || target == ctx_.me() || !ctx_.IsUnrevokedMember(target))
    return refuse(RelayCloseCode::kRefused, "not a device this relay carries sessions to");
  Connection* to = peers_.SessionOf(target);
  if (!to || !peers_.IsDirect(target))
    return refuse(RelayCloseCode::kNotConnected, "the relay has no direct session with that device");
  if (carried() >= kMaxCarried) return refuse(RelayCloseCode::kRefused, "the relay carries all it can");
  const uint32_t out = next_channel_(*to);
  routes_[{&hop, channel}] = Route{{to, out}, to->weak_from_this()};
  routes_[{to, out}] = Route{{&hop, channel}, hop.weak_from_this()};
  to->Send(MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{out, /*to_relay=*/false, hop.peer()}));
  ctx_.Log("relay: carrying a session from " + ctx_.Name(hop.peer()) + " to " + ctx_.Name(target));
}

bool RelaySplices::Forward(Connection& hop, MessageType type, uint32_t channel, ByteSpan payload) {
  auto it = routes_.find({&hop, channel});
  if (it == routes_.end()) return false;
  const Route route = it->second;
  Send(route.other_conn, type, Renamed(payload, route.other.second));
  if (type == MessageType::kRelayClose) {
    routes_.erase(it);
    routes_.erase(route.other);
  }
  return true;
}

void RelaySplices::SessionEnded(Connection* hop) {
  std::vector<Half> ended;
  for (const auto& [half, route] : routes_)
    if (half.first == hop) ended.push_back(half);
  for (const Half& half : ended) {
    auto it = routes_.find(half);
    if (it == routes_.end()) continue;
    const Route route = it->second;
    Send(route.other_conn, MessageType::kRelayClose,
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

void RelaySplices::Send(const std::weak_ptr<Connection>& to, MessageType type, Bytes payload) {
  if (queue_.empty() && (type != MessageType::kRelayData || !Limit())) {
    if (type == MessageType::kRelayData) bytes_carried_ += payload.size() - 4;
    if (auto c = to.lock(); c && !c->closed()) c->Send(type, payload);
    return;
  }
  queue_.push_back(Queued{to, type, std::move(payload)});
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

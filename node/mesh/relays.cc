#include "node/mesh/relays.h"

#include <vector>

namespace hearth::mesh {

Relays::Relays(MeshContext& ctx, PeerSessions& peers)
    : ctx_(ctx), peers_(peers), splices_(ctx, peers, [this](const Connection& hop) { return NextChannel(hop); }) {}

bool Relays::Reaching() const { return !ctx_.stopping && ctx_.home.ledger().ledger().state().policy.reach; }

uint32_t Relays::NextChannel(const Connection& hop) {
  // Odd when this device initiated the hop's session, even when it
  // responded: the other end picks from the other half.
  const uint32_t id = (next_channel_++ << 1) | (hop.initiator() ? 1u : 0u);
  if (next_channel_ >= (1u << 31)) next_channel_ = 1;
  return id;
}

std::shared_ptr<RelayChannel> Relays::NewChannel(Connection& hop, uint32_t id) {
  const Half half{&hop, id};
  auto channel = std::make_shared<RelayChannel>(ctx_.io, hop.weak_from_this(), id, hop.peer(),
                                                [this, alive = ctx_.alive, half] {
                                                  if (*alive) channels_.erase(half);
                                                });
  channels_[half] = channel;
  return channel;
}

void Relays::OnFrame(Connection& hop, MessageType type, ByteSpan payload) {
  if (type == MessageType::kRelayOpen) {
    auto open = DecodeRelayOpen(payload);
    if (!open) return hop.SendErrorAndClose(kErrMalformed, open.error());
    if (open->to_relay) return splices_.Open(hop, open->channel, open->device);
    return Offered(hop, open->channel, open->device);
  }
  // ACCEPT, DATA, ACK, CLOSE: each starts with the channel id.
  if (payload.size() < 4) return hop.SendErrorAndClose(kErrMalformed, "a relay frame without a channel");
  const uint32_t id = (uint32_t{payload[0]} << 24) | (uint32_t{payload[1]} << 16) | (uint32_t{payload[2]} << 8) |
                      uint32_t{payload[3]};
  if (splices_.Forward(hop, type, id, payload)) return;
  const Half half{&hop, id};
  if (auto o = opening_.find(half); o != opening_.end()) {
    const DeviceId target = o->second.target;
    opening_.erase(o);
    if (type == MessageType::kRelayAccept) return Accepted(hop, id);
    if (type == MessageType::kRelayClose) {
      auto close = DecodeRelayClose(payload);
      if (close && close->code != RelayCloseCode::kNotConnected)
        ctx_.Log("relay: " + ctx_.Name(hop.peer()) + " will not carry a session to " + ctx_.Name(target) + ": " +
                 close->reason);
    }
    return;
  }
  auto it = channels_.find(half);
  if (it == channels_.end()) return;  // ended here already; its last frames still come
  const std::shared_ptr<RelayChannel> channel = it->second;  // held: ending it erases the entry
  switch (type) {
    case MessageType::kRelayData: {
      auto data = DecodeRelayData(payload);
      if (!data || !channel->OnData(data->second))
        channel->End(RelayCloseCode::kBroken, data ? "more than the window unread" : data.error());
      return;
    }
    case MessageType::kRelayAck: {
      auto ack = DecodeRelayAck(payload);
      if (!ack || !channel->OnAck(ack->bytes))
        channel->End(RelayCloseCode::kBroken, ack ? "an ack past what was sent" : ack.error());
      return;
    }
    case MessageType::kRelayClose: {
      auto close = DecodeRelayClose(payload);
      return channel->OnClosed(close ? close->reason : "a malformed close");
    }
    default:
      return;  // a second ACCEPT means nothing
  }
}

void Relays::Accepted(Connection& hop, uint32_t id) {
  auto channel = NewChannel(hop, id);
  peers_.AdoptStream(MakeRelayStream(channel), /*initiator=*/true, PathKind::kRelayed);
}

void Relays::Offered(Connection& hop, uint32_t id, const DeviceId& from) {
  auto refuse = [&](const std::string& why) {
    hop.Send(MessageType::kRelayClose, EncodeRelayClose(RelayClose{id, RelayCloseCode::kRefused, why}));
  };
  if (!Reaching()) return refuse("the household's policy says reach=off");
  if (from == ctx_.me() || !ctx_.IsUnrevokedMember(from)) return refuse("not a member");
  if (peers_.IsDirect(from)) return refuse("a direct session is up");
  if (channels_.contains({&hop, id})) return refuse("that channel is open already");
  if ((id & 1u) != (hop.initiator() ? 0u : 1u)) return refuse("a channel id from this device's half");
  auto channel = NewChannel(hop, id);
  hop.Send(MessageType::kRelayAccept, EncodeRelayChannel(id));
  peers_.AdoptStream(MakeRelayStream(channel), /*initiator=*/false, PathKind::kRelayed);
}

void Relays::SessionEnded(Connection* hop) {
  splices_.SessionEnded(hop);
  std::erase_if(opening_, [&](const auto& o) { return o.first.first == hop; });
  std::vector<std::shared_ptr<RelayChannel>> lost;
  for (auto& [half, channel] : channels_)
    if (half.first == hop) lost.push_back(channel);
  for (auto& channel : lost) channel->HopLost();
}

void Relays::Tick(std::chrono::steady_clock::time_point now) {
  // Unanswered: closed at the relay too, which would otherwise keep the
  // half-open splice.
  std::erase_if(opening_, [&](const auto& o) {
    if (now <= o.second.deadline) return false;
    o.first.first->Send(MessageType::kRelayClose,
                        EncodeRelayClose(RelayClose{o.first.second, RelayCloseCode::kEnded, "no answer in time"}));
    return true;
  });
  if (!Reaching()) {
    retries_.Clear();
    return;
  }
  // Who could carry a session: members with a direct session.
  std::vector<DeviceId> relays;
  for (const auto& [device, conn] : peers_.members())
    if (peers_.IsDirect(device)) relays.push_back(device);
  for (const auto& [device, member] : ctx_.home.ledger().ledger().state().members) {
    if (device == ctx_.me() || member.revoked || peers_.IsOnline(device)) continue;
    bool asking = false;
    for (const auto& [half, o] : opening_) asking = asking || o.target == device;
    if (asking) continue;
    const auto via = retries_.Due(device, now, relays);
    if (!via) continue;
    Connection* hop = peers_.SessionOf(*via);
    const uint32_t id = NextChannel(*hop);
    opening_[{hop, id}] = Opening{device, now + kOpenTimeout};
    hop->Send(MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{id, /*to_relay=*/true, device}));
  }
}

void Relays::Stop() {
  splices_.Stop();
  opening_.clear();
  std::vector<std::shared_ptr<RelayChannel>> open;
  for (auto& [half, channel] : channels_) open.push_back(channel);
  for (auto& channel : open) channel->End(RelayCloseCode::kEnded, "node stopping");
  channels_.clear();
}

}  // namespace hearth::mesh

#include "node/mesh/peer_sessions.h"

#include "node/mesh/endpoint.h"
#include "node/store/mesh_tables.h"
#include "protocol/pairing.h"
#include "protocol/relay_messages.h"

namespace hearth::mesh {
namespace {

constexpr size_t kMaxSessions = 64;
constexpr auto kJoinTimeout = std::chrono::seconds(10);
constexpr auto kDialTimeout = std::chrono::seconds(5);
constexpr auto kPingEvery = std::chrono::seconds(10);

// A PING's nonce: when it was sent (steady clock, microseconds), so that
// its PONG times the round trip.
Bytes PingNonce(std::chrono::steady_clock::time_point now) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  Bytes out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(us) >> (56 - 8 * i));
  return out;
}
constexpr auto kSeenEvery = std::chrono::seconds(60);
constexpr int64_t kInviteMemoryUs = 30LL * 86400 * 1'000'000;

}  // namespace

PeerSessions::PeerSessions(MeshContext& ctx, Transport& transport, MeshModel& model, Hooks hooks)
    : ctx_(ctx), transport_(transport), model_(model), hooks_(std::move(hooks)) {}

std::expected<std::string, MeshError> PeerSessions::Start() {
  auto ep = ParseEndpoint(ctx_.options.listen, /*allow_zero_port=*/true);
  if (!ep) return std::unexpected(MeshError{MeshErrc::kBadListen, "--listen: " + ep.error()});
  auto listening =
      transport_.Listen(ep->address().to_string(), ep->port(), [this, alive = ctx_.alive](auto stream) {
        if (*alive && !ctx_.stopping) Accepted(std::move(stream));
      });
  if (!listening)
    return std::unexpected(MeshError{MeshErrc::kCannotListen,
                                     "cannot listen on " + ctx_.options.listen + ": " + listening.error().Message()});
  (void)store::MarkAllOffline(ctx_.home.db());
  for (const std::string& p : ctx_.options.peers) {
    auto target = ParseEndpoint(p, false);
    if (!target) return std::unexpected(MeshError{MeshErrc::kBadPeer, "--peer " + p + ": " + target.error()});
    dial_book_.Add(p, target->address().to_string(), target->port());
  }
  if (auto known = store::ListPeers(ctx_.home.db()); known) {
    for (const auto& peer : *known) {
      if (peer.control_port == 0 || !ctx_.IsUnrevokedMember(peer.device)) continue;
      dial_book_.Learn(FormatEndpoint(peer.host, peer.control_port), peer.host, peer.control_port, peer.device, {});
    }
  }
  return FormatEndpoint(ep->address().to_string(), port());
}

void PeerSessions::Stop() {
  transport_.StopListening();
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [raw, s] : sessions_) open.push_back(s.conn);
  for (auto& c : open) c->Close("node stopping");
  (void)store::MarkAllOffline(ctx_.home.db());
}

bool PeerSessions::AddDialTarget(const std::string& key, const std::string& host, uint16_t port) {
  return dial_book_.Add(key, host, port);
}

Connection* PeerSessions::SessionOf(const DeviceId& d) const {
  auto it = members_.find(d);
  return it == members_.end() ? nullptr : it->second;
}

PeerSessions::Session* PeerSessions::MemberSession(const DeviceId& d) {
  auto it = members_.find(d);
  return it == members_.end() ? nullptr : &sessions_.at(it->second);
}

uint16_t PeerSessions::TorrentPortOf(const DeviceId& d) const {
  auto it = members_.find(d);
  return it == members_.end() ? 0 : sessions_.at(it->second).torrent_port;
}

void PeerSessions::Fail(const DeviceId& d, uint16_t code, const std::string& message) {
  if (Connection* c = SessionOf(d)) c->SendErrorAndClose(code, message);
}

void PeerSessions::Accepted(std::unique_ptr<ByteStream> stream) {
  if (sessions_.size() >= kMaxSessions) return;  // the stream closes as it goes
  MemberCheck check = [this](const DeviceId& d) {
    const auto& members = ctx_.home.ledger().ledger().state().members;
    if (auto it = members.find(d); it != members.end()) return !it->second.revoked;
    // Not a member: it may only be a device coming to pair. Invites
    // used or expired in the last 30 days still admit it, so that it
    // hears why its code is refused; it gets nothing else.
    auto open = store::HasInviteExpiringAfter(ctx_.home.db(), ctx_.Now() - kInviteMemoryUs);
    return open.has_value() && *open;
  };
  Adopt(Connection::Create(ctx_.io, std::move(stream), ctx_.home.device_key(), ctx_.home.household(), check, false),
        std::nullopt);
}

void PeerSessions::Dial(const std::string& key) {
  dial_book_.Dialing(key);
  const DialBook::Target& t = dial_book_.at(key);
  transport_.Dial(t.host, t.port, kDialTimeout, [this, alive = ctx_.alive, key](auto stream) {
    if (!*alive || ctx_.stopping) return;
    if (!stream)
      return dial_book_.Failed(key, ctx_.SteadyNow(), stream.error().error == TransportError::kBadAddress);
    MemberCheck check = [this](const DeviceId& d) { return ctx_.IsUnrevokedMember(d); };
    Adopt(Connection::Create(ctx_.io, std::move(*stream), ctx_.home.device_key(), ctx_.home.household(), check, true),
          key);
  });
}

void PeerSessions::AdoptStream(std::unique_ptr<ByteStream> stream, bool initiator, PathKind kind) {
  if (sessions_.size() >= kMaxSessions) return;  // the stream closes as it goes
  const std::optional<DeviceId> via = stream->relayed_via();
  MemberCheck check = [this](const DeviceId& d) { return ctx_.IsUnrevokedMember(d); };
  Session& s = Adopt(
      Connection::Create(ctx_.io, std::move(stream), ctx_.home.device_key(), ctx_.home.household(), check, initiator),
      std::nullopt);
  s.kind = kind;
  s.via = via;
}

bool PeerSessions::IsDirect(const DeviceId& d) const {
  auto it = members_.find(d);
  return it != members_.end() && sessions_.at(it->second).kind != PathKind::kRelayed;
}

bool PeerSessions::SwarmReachable(const DeviceId& d) const {
  auto it = members_.find(d);
  return it != members_.end() && sessions_.at(it->second).kind == PathKind::kNetwork;
}

std::optional<std::pair<std::string, uint16_t>> PeerSessions::SeenAddressOf(const DeviceId& d) const {
  auto it = members_.find(d);
  if (it == members_.end()) return std::nullopt;
  const Session& s = sessions_.at(it->second);
  if (s.kind == PathKind::kRelayed || s.control_port == 0 || it->second->remote_host().empty()) return std::nullopt;
  return std::pair{it->second->remote_host(), s.control_port};
}

PeerSessions::Session& PeerSessions::Adopt(std::shared_ptr<Connection> conn, std::optional<std::string> dial_target) {
  Connection* raw = conn.get();
  Session& s = sessions_[raw];
  s.conn = conn;
  s.dial_target = std::move(dial_target);
  s.last_heard = ctx_.SteadyNow();
  conn->Start(Connection::Callbacks{
      .on_ready = [this, raw] { OnReady(raw); },
      .on_frame = [this, raw](Frame f) { OnFrame(raw, std::move(f)); },
      .on_closed = [this, raw](const std::string& reason) { OnClosed(raw, reason); },
  });
  return s;
}

void PeerSessions::OnReady(Connection* raw) {
  Session& s = sessions_.at(raw);
  if (!ctx_.IsUnrevokedMember(raw->peer())) {
    s.candidate = true;
    auto timer = std::make_shared<asio::steady_timer>(ctx_.io, kJoinTimeout);
    timer->async_wait([this, alive = ctx_.alive, raw, timer](boost::system::error_code ec) {
      if (ec || !*alive) return;
      auto it = sessions_.find(raw);
      if (it != sessions_.end() && it->second.candidate) it->second.conn->Close("no join request in time");
    });
    return;
  }
  RegisterMember(s);
}

void PeerSessions::Admit(Connection& candidate) {
  auto it = sessions_.find(&candidate);
  if (it == sessions_.end() || !it->second.candidate) return;
  it->second.candidate = false;
  RegisterMember(it->second);
}

void PeerSessions::RegisterMember(Session& s) {
  Connection* raw = s.conn.get();
  const DeviceId peer = raw->peer();
  if (auto it = members_.find(peer); it != members_.end() && it->second != raw) {
    // Two sessions with one device (both dialed): keep a direct one over a
    // relayed one, else the one dialed by the device with the smaller id,
    // so both ends keep the same one.
    Connection* other = it->second;
    auto dialer = [&](Connection* c) { return c->initiator() ? ctx_.me() : c->peer(); };
    const bool raw_relayed = s.kind == PathKind::kRelayed;
    const bool other_relayed = sessions_.at(other).kind == PathKind::kRelayed;
    Connection* keep = raw_relayed != other_relayed ? (raw_relayed ? other : raw)
                                                    : (dialer(raw) < dialer(other) ? raw : other);
    Connection* drop = keep == raw ? other : raw;
    if (drop == other) {
      members_.erase(it);
      sessions_.at(other).member = false;
    }
    if (s.dial_target) dial_book_.Identify(*s.dial_target, peer);
    sessions_.at(drop).duplicate = true;
    drop->Close("duplicate session");
    if (drop == raw) return;
  }
  members_[peer] = raw;
  s.member = true;
  last_member_at_ = ctx_.SteadyNow();
  if (s.dial_target) dial_book_.Connected(*s.dial_target, peer);
  SavePeerState(s, true);
  raw->Send(MessageType::kPing, PingNonce(ctx_.SteadyNow()));  // its round trip, for `hearth devices`
  if (hooks_.member_up) hooks_.member_up(peer);
  if (s.via) ctx_.Log("connected to " + ctx_.Name(peer) + " through " + ctx_.Name(*s.via) + " (relayed)");
  else if (s.kind == PathKind::kPunched)
    ctx_.Log("connected to " + ctx_.Name(peer) + " at " + raw->remote_host() + " (a punched hole)");
  else ctx_.Log("connected to " + ctx_.Name(peer) + " at " + raw->remote_host());
}

void PeerSessions::SavePeerState(const Session& s, bool online) {
  store::PeerRecord rec;
  rec.device = s.conn->peer();
  rec.host = s.conn->remote_host();
  rec.control_port = s.control_port;
  rec.torrent_port = s.torrent_port;
  rec.last_seen_us = ctx_.Now();
  rec.online = online;
  rec.path = s.kind == PathKind::kRelayed ? "relayed" : s.kind == PathKind::kPunched ? "punched" : PathOf(rec.host);
  if (s.kind == PathKind::kNetwork && s.dial_target)
    if (auto f = forwarded_.find(rec.device); f != forwarded_.end() && f->second.contains(*s.dial_target))
      rec.path = "mapped";  // dialed at the forward its router keeps for it
  rec.via = s.via;
  if (rec.control_port == 0 || s.kind == PathKind::kRelayed) {
    // Keep the address learned earlier: an accepted session has not said
    // its port yet, a relayed one has no address of its own.
    if (auto known = store::ListPeers(ctx_.home.db()); known) {
      for (const auto& p : *known) {
        if (p.device != rec.device) continue;
        if (rec.control_port == 0 || s.kind == PathKind::kRelayed) rec.control_port = p.control_port;
        if (s.kind == PathKind::kRelayed) rec.host = p.host;
      }
    }
  }
  (void)store::SavePeer(ctx_.home.db(), rec);
}

void PeerSessions::OnClosed(Connection* raw, const std::string& reason) {
  auto it = sessions_.find(raw);
  if (it == sessions_.end()) return;
  Session s = std::move(it->second);
  sessions_.erase(it);
  if (hooks_.session_ended) hooks_.session_ended(raw);
  if (s.member) {
    const DeviceId peer = raw->peer();
    if (auto m = members_.find(peer); m != members_.end() && m->second == raw) {
      members_.erase(m);
      if (hooks_.member_down) hooks_.member_down(peer);
      if (!ctx_.stopping) {
        SavePeerState(s, false);
        ctx_.Log("disconnected from " + ctx_.Name(peer) + ": " + reason);
      }
    }
  } else if (!ctx_.stopping && !s.duplicate) {
    ctx_.Log("session with " + raw->remote_host() + " ended before it was admitted: " + reason);
  }
  if (s.dial_target && !ctx_.stopping) dial_book_.Failed(*s.dial_target, ctx_.SteadyNow());
}

void PeerSessions::OnFrame(Connection* raw, Frame frame) {
  Session& s = sessions_.at(raw);
  s.last_heard = ctx_.SteadyNow();
  // Held for the call: a handler may end the session.
  const std::shared_ptr<Connection> conn = s.conn;
  const auto type = static_cast<MessageType>(frame.type);
  if (s.candidate) {
    if (type == MessageType::kJoin && hooks_.join) return hooks_.join(*conn, frame.payload);
    return conn->SendErrorAndClose(kErrNotAllowed, "this device is not a household member");
  }
  if (!s.member) return;
  const DeviceId peer = conn->peer();
  auto dispatched = DispatchMemberMessage(model_, peer, frame.type, frame.payload);
  if (!dispatched) return conn->SendErrorAndClose(kErrMalformed, dispatched.error().detail);
  if (*dispatched != Dispatched::kNotForModel) return;
  if (IsRelayMessage(frame.type)) {
    if (hooks_.relay) hooks_.relay(*conn, type, frame.payload);
    return;
  }
  switch (type) {
    case MessageType::kPing: return conn->Send(MessageType::kPong, frame.payload);

    case MessageType::kError: {
      auto e = DecodeError(frame.payload);
      return conn->Close(e ? "peer reported an error: " + e->second : "peer sent a malformed error");
    }
    case MessageType::kPong: {
      // Our nonce is when we sent the PING: the round trip.
      if (frame.payload.size() != 8) return;
      int64_t sent = 0;
      for (uint8_t b : frame.payload) sent = (sent << 8) | b;
      const int64_t rtt =
          std::chrono::duration_cast<std::chrono::microseconds>(ctx_.SteadyNow().time_since_epoch()).count() - sent;
      if (rtt >= 0 && rtt < 60'000'000) (void)store::SavePeerRtt(ctx_.home.db(), peer, rtt);
      return;
    }
    default:
      return;  // JOIN and WELCOME from a member mean nothing
  }
}

void PeerSessions::OnHello(const DeviceId& from, const Hello& hello) {
  Session* s = MemberSession(from);
  if (!s) return;
  s->control_port = hello.control_port;
  s->torrent_port = hello.torrent_port;
  SavePeerState(*s, true);
  const std::string& host = s->conn->remote_host();
  if (s->control_port != 0 && !s->dial_target && s->kind != PathKind::kRelayed)
    dial_book_.Learn(FormatEndpoint(host, s->control_port), host, s->control_port, from,
                     ctx_.SteadyNow() + std::chrono::seconds(1));
  BroadcastPeers();
}

void PeerSessions::BroadcastPeers() {
  std::vector<PeerAddress> list;
  for (auto& [device, raw] : members_) {
    const Session& s = sessions_.at(raw);
    if (s.control_port == 0 || s.kind == PathKind::kRelayed) continue;
    auto addr = ParseInviteAddress(FormatEndpoint(raw->remote_host(), s.control_port));
    if (addr) list.push_back(PeerAddress{device, *addr});
  }
  if (list.empty()) return;
  Bytes payload = EncodePeers(list);
  for (auto& [device, raw] : members_) raw->Send(MessageType::kPeers, payload);
}

void PeerSessions::OnPeers(const DeviceId&, const std::vector<PeerAddress>& peers) {
  for (const PeerAddress& p : peers) {
    if (p.device == ctx_.me() || !ctx_.IsUnrevokedMember(p.device) || IsDirect(p.device)) continue;
    std::string key = p.address.ToString();
    if (dial_book_.Contains(key)) continue;
    if (auto ep = ParseEndpoint(key, false)) dial_book_.Add(key, ep->address().to_string(), ep->port(), p.device);
  }
}

void PeerSessions::LearnAddresses(const DeviceId& device, const std::vector<InviteAddress>& addresses,
                                  uint16_t forwarded) {
  if (device == ctx_.me() || !ctx_.IsUnrevokedMember(device)) return;
  std::set<std::string>& marked = forwarded_[device];
  marked.clear();
  for (size_t i = 0; i < addresses.size(); ++i) {
    const InviteAddress& a = addresses[i];
    const std::string key = a.ToString();
    if (i < 16 && (forwarded >> i) & 1u) marked.insert(key);
    auto ep = ParseEndpoint(key, false);
    if (!ep) continue;
    dial_book_.Learn(key, ep->address().to_string(), ep->port(), device, ctx_.SteadyNow());
  }
}

void PeerSessions::Tick(std::chrono::steady_clock::time_point now) {
  // A relayed member is still dialed: a direct session replaces the relayed
  // one when it comes up.
  auto connected_or_gone = [this](const DeviceId& d) { return IsDirect(d) || !ctx_.IsUnrevokedMember(d); };
  for (const std::string& key : dial_book_.Due(now, connected_or_gone)) {
    if (sessions_.size() >= kMaxSessions) break;
    Dial(key);
  }
  if (now - last_ping_ > kPingEvery) {
    last_ping_ = now;
    std::vector<Connection*> silent;
    for (auto& [raw, s] : sessions_) {
      if (now - s.last_heard > 4 * kPingEvery) silent.push_back(raw);
      else if (s.member) raw->Send(MessageType::kPing, PingNonce(now));
    }
    for (Connection* raw : silent) raw->Close("peer silent for 40 s");
  }
  if (now - last_seen_saved_ > kSeenEvery) {
    // Members online now were seen now: after a crash, placement still
    // counts them while they reconnect (MeshOptions::away_after).
    last_seen_saved_ = now;
    (void)ctx_.home.db().Transaction([&]() -> std::expected<void, store::StoreError> {  // one commit
      for (auto& [device, raw] : members_) SavePeerState(sessions_.at(raw), true);
      return {};
    });
  }
}

}  // namespace hearth::mesh

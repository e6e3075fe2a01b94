// MeshNode: sessions -- accepting, dialing, admitting members, dispatching
// frames, the work loop. Ledger sync and pairing are in mesh_sync.cc, blobs
// in mesh_blobs.cc.
#include "node/mesh/mesh_node.h"

#include <algorithm>

#include "crypto/sodium.h"
#include "node/mesh/endpoint.h"
#include "node/store/mesh_tables.h"
#include "node/store/placement_tables.h"
#include "node/store/play_tables.h"
#include "protocol/ledger_entry.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

constexpr size_t kMaxSessions = 64;
constexpr auto kJoinTimeout = std::chrono::seconds(10);
constexpr auto kDialTimeout = std::chrono::seconds(5);
constexpr auto kPingEvery = std::chrono::seconds(10);
constexpr auto kSeenEvery = std::chrono::seconds(60);
constexpr int64_t kInviteMemoryUs = 30LL * 86400 * 1'000'000;

}  // namespace

MeshNode::MeshNode(asio::io_context& io, store::Home& home, MeshOptions options)
    : io_(io),
      home_(home),
      options_(std::move(options)),
      own_transport_(options_.transport ? nullptr : std::make_unique<TcpTransport>(io)),
      transport_(options_.transport ? options_.transport : own_transport_.get()),
      tick_timer_(io),
      catalog_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

MeshNode::~MeshNode() {
  *alive_ = false;
  Stop();
}

void MeshNode::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

std::string MeshNode::Name(const DeviceId& d) const {
  const auto& members = home_.ledger().ledger().state().members;
  auto it = members.find(d);
  std::string shortid = DeviceShort(d);
  if (it == members.end() || it->second.name.empty()) return shortid;
  return it->second.name + " (" + shortid + ")";
}

bool MeshNode::IsUnrevokedMember(const DeviceId& d) const {
  const auto& members = home_.ledger().ledger().state().members;
  auto it = members.find(d);
  return it != members.end() && !it->second.revoked;
}

uint16_t MeshNode::control_port() const { return transport_->listening_port(); }

uint16_t MeshNode::torrent_port() const { return swarm_ ? swarm_->port() : 0; }

std::expected<void, std::string> MeshNode::Start() {
  auto ep = ParseEndpoint(options_.listen, /*allow_zero_port=*/true);
  if (!ep) return std::unexpected("--listen: " + ep.error());
  auto listening = transport_->Listen(ep->address().to_string(), ep->port(), [this, alive = alive_](auto stream) {
    if (*alive && !stopping_) Accepted(std::move(stream));
  });
  if (!listening) return std::unexpected("cannot listen on " + options_.listen + ": " + listening.error().Message());

  // Listener events already here were exchanged by heads on connecting.
  if (auto last = store::LastListenerArrival(home_.db())) listener_arrival_ = *last;
  crypto::RandomBytes(swarm_token_.data(), swarm_token_.size());
  guard_ = std::make_shared<swarm::SwarmGuard>(home_.device_id(), swarm_token_);
  if (auto s = StartSwarm(); !s) return s;

  (void)store::MarkAllOffline(home_.db());
  for (const std::string& p : options_.peers) {
    auto target = ParseEndpoint(p, false);
    if (!target) return std::unexpected("--peer " + p + ": " + target.error());
    dial_book_.Add(p, target->address().to_string(), target->port());
  }
  if (auto known = store::ListPeers(home_.db()); known) {
    for (const auto& peer : *known) {
      if (peer.control_port == 0 || !IsUnrevokedMember(peer.device)) continue;
      dial_book_.Learn(FormatEndpoint(peer.host, peer.control_port), peer.host, peer.control_port, peer.device, {});
    }
  }
  if (auto rows = store::LoadEntriesSince(home_.db(), 0); rows && !rows->empty())
    last_arrival_ = rows->back().arrival;
  if (options_.lan && !ep->address().is_loopback()) {
    beacon_ = std::make_unique<LanBeacon>(
        io_, home_.household(), control_port(), options_.lan_options, [this](const std::string& host, uint16_t port) {
          std::string key = FormatEndpoint(host, port);
          if (stopping_ || !dial_book_.Add(key, host, port)) return;
          Log("found a household device at " + key + " on the LAN");
        });
    if (auto b = beacon_->Start(); !b) {
      Log(b.error());
      beacon_.reset();
    }
  }
  started_ = SteadyNow();
  last_uptime_ = started_;
  if (auto own = store::LoadOwnReport(home_.db()); own && *own) reported_availability_ = (*own)->availability;
  if (auto reports = store::ListDeviceReports(home_.db()); reports) {
    for (const auto& [device, r] : *reports) reports_[device] = DeviceState{r.availability, r.disk_full, r.held_bytes, r.room};
  }
  RefreshLocalBlobs();
  (void)CurrentPlacement();  // the blob sizes this device's state counts
  StateTick(started_, true);
  Tick();
  Log("listening on " + FormatEndpoint(ep->address().to_string(), control_port()) + " (mesh) and port " +
      std::to_string(torrent_port()) + " (swarm) as " + Name(home_.device_id()));
  return {};
}

void MeshNode::Stop() {
  if (stopping_) return;
  stopping_ = true;
  transport_->StopListening();
  if (beacon_) beacon_->Stop();
  tick_timer_.cancel();
  catalog_timer_.cancel();
  ChunkTick(SteadyNow());  // players waiting for chunks hear why not
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [raw, s] : sessions_) open.push_back(s.conn);
  for (auto& c : open) c->Close("node stopping");
  (void)store::MarkAllOffline(home_.db());
  RecordUptime(SteadyNow());
  SaveQueuedTorrents();
  swarm_.reset();
}

void MeshNode::Accepted(std::unique_ptr<ByteStream> stream) {
  if (sessions_.size() >= kMaxSessions) return;  // the stream closes as it goes
  MemberCheck check = [this](const DeviceId& d) {
    const auto& members = home_.ledger().ledger().state().members;
    if (auto it = members.find(d); it != members.end()) return !it->second.revoked;
    // Not a member: it may only be a device coming to pair. Invites
    // used or expired in the last 30 days still admit it, so that it
    // hears why its code is refused; it gets nothing else.
    auto open = store::HasInviteExpiringAfter(home_.db(), Now() - kInviteMemoryUs);
    return open.has_value() && *open;
  };
  Adopt(Connection::Create(io_, std::move(stream), home_.device_key(), home_.household(), check, false),
        std::nullopt);
}

void MeshNode::Dial(const std::string& key) {
  dial_book_.Dialing(key);
  const DialBook::Target& t = dial_book_.at(key);
  transport_->Dial(t.host, t.port, kDialTimeout, [this, alive = alive_, key](auto stream) {
    if (!*alive || stopping_) return;
    if (!stream) return dial_book_.Failed(key, SteadyNow(), stream.error().error == TransportError::kBadAddress);
    MemberCheck check = [this](const DeviceId& d) { return IsUnrevokedMember(d); };
    Adopt(Connection::Create(io_, std::move(*stream), home_.device_key(), home_.household(), check, true), key);
  });
}

void MeshNode::Adopt(std::shared_ptr<Connection> conn, std::optional<std::string> dial_target) {
  Connection* raw = conn.get();
  Session& s = sessions_[raw];
  s.conn = conn;
  s.dial_target = std::move(dial_target);
  s.last_heard = SteadyNow();
  conn->Start(Connection::Callbacks{
      .on_ready = [this, raw] { OnReady(raw); },
      .on_frame = [this, raw](Frame f) { OnFrame(raw, std::move(f)); },
      .on_closed = [this, raw](const std::string& reason) { OnClosed(raw, reason); },
  });
}

void MeshNode::OnReady(Connection* raw) {
  Session& s = sessions_.at(raw);
  if (!IsUnrevokedMember(raw->peer())) {
    s.candidate = true;
    auto timer = std::make_shared<asio::steady_timer>(io_, kJoinTimeout);
    timer->async_wait([this, alive = alive_, raw, timer](boost::system::error_code ec) {
      if (ec || !*alive) return;
      auto it = sessions_.find(raw);
      if (it != sessions_.end() && it->second.candidate) it->second.conn->Close("no join request in time");
    });
    return;
  }
  RegisterMember(s);
}

void MeshNode::RegisterMember(Session& s) {
  Connection* raw = s.conn.get();
  const DeviceId peer = raw->peer();
  if (auto it = members_.find(peer); it != members_.end() && it->second != raw) {
    // Two sessions with one device (both dialed): keep the one dialed by the
    // device with the smaller id, so both ends keep the same one.
    Connection* other = it->second;
    auto dialer = [&](Connection* c) { return c->initiator() ? home_.device_id() : c->peer(); };
    Connection* keep = dialer(raw) < dialer(other) ? raw : other;
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
  last_member_at_ = SteadyNow();
  if (s.dial_target) dial_book_.Connected(*s.dial_target, peer);
  SendHello(*raw);
  raw->Send(MessageType::kSwarmToken, EncodeSwarmToken(swarm_token_));
  SendHaveSet(*raw);
  SendState(*raw);
  if (SharesListenerState(peer)) SendListenerHeads(*raw);
  SavePeerState(s, true);
  Log("connected to " + Name(peer) + " at " + raw->remote_host());
}

void MeshNode::SendHello(Connection& c) {
  Hello h;
  h.control_port = control_port();
  h.torrent_port = torrent_port();
  h.heads = home_.ledger().ledger().Heads();
  c.Send(MessageType::kHello, EncodeHello(h));
}

void MeshNode::SavePeerState(const Session& s, bool online) {
  store::PeerRecord rec;
  rec.device = s.conn->peer();
  rec.host = s.conn->remote_host();
  rec.control_port = s.control_port;
  rec.torrent_port = s.torrent_port;
  rec.last_seen_us = Now();
  rec.online = online;
  if (rec.control_port == 0) {
    // Keep the port learned earlier (an accepted session has not said yet).
    if (auto known = store::ListPeers(home_.db()); known) {
      for (const auto& p : *known)
        if (p.device == rec.device) rec.control_port = p.control_port;
    }
  }
  (void)store::SavePeer(home_.db(), rec);
}

void MeshNode::OnClosed(Connection* raw, const std::string& reason) {
  auto it = sessions_.find(raw);
  if (it == sessions_.end()) return;
  Session s = std::move(it->second);
  sessions_.erase(it);
  if (s.member) {
    const DeviceId peer = raw->peer();
    if (auto m = members_.find(peer); m != members_.end() && m->second == raw) {
      members_.erase(m);
      guard_->Forbid(peer);
      // Its possession proofs, good or bad, were about that session.
      proofs_.ForgetDevice(peer);
      if (!stopping_) {
        SavePeerState(s, false);
        Log("disconnected from " + Name(peer) + ": " + reason);
      }
    }
  } else if (!stopping_ && !s.duplicate) {
    Log("session with " + raw->remote_host() + " ended before it was admitted: " + reason);
  }
  if (s.dial_target && !stopping_) dial_book_.Failed(*s.dial_target, SteadyNow());
}

void MeshNode::OnFrame(Connection* raw, Frame frame) {
  Session& s = sessions_.at(raw);
  s.last_heard = SteadyNow();
  const auto type = static_cast<MessageType>(frame.type);
  if (s.candidate) {
    if (type == MessageType::kJoin) return OnJoin(s, frame.payload);
    return raw->SendErrorAndClose(kErrNotAllowed, "this device is not a household member");
  }
  if (!s.member) return;
  switch (type) {
    case MessageType::kHello: return OnHello(s, frame.payload);
    case MessageType::kEntries: return OnEntries(s, frame.payload);
    case MessageType::kSynced: return Log("ledger in step with " + Name(raw->peer()));
    case MessageType::kPing: return raw->Send(MessageType::kPong, frame.payload);
    case MessageType::kPong: return;
    case MessageType::kHave: return OnHave(s, frame.payload);
    case MessageType::kTorrentRequest: return OnTorrentRequest(s, frame.payload);
    case MessageType::kTorrent: return OnTorrentReply(s, frame.payload);
    case MessageType::kPeers: return OnPeers(s, frame.payload);
    case MessageType::kRead: return OnRead(s, frame.payload);
    case MessageType::kData: return OnData(s, frame.payload);
    case MessageType::kListenerHeads: return OnListenerHeads(s, frame.payload);
    case MessageType::kListenerEvents: return OnListenerEvents(s, frame.payload);
    case MessageType::kState: return OnState(s, frame.payload);
    case MessageType::kProve: return OnProve(s, frame.payload);
    case MessageType::kProof: return OnProof(s, frame.payload);
    case MessageType::kSwarmToken: {
      auto token = DecodeSwarmToken(frame.payload);
      if (!token) return raw->SendErrorAndClose(kErrMalformed, token.error());
      guard_->Allow(raw->peer(), *token);
      return;
    }
    case MessageType::kError: {
      auto e = DecodeError(frame.payload);
      return raw->Close(e ? "peer reported an error: " + e->second : "peer sent a malformed error");
    }
    default:
      return;  // unknown types are ignored: a newer peer may send more
  }
}

void MeshNode::BroadcastPeers() {
  std::vector<PeerAddress> list;
  for (auto& [device, raw] : members_) {
    const Session& s = sessions_.at(raw);
    if (s.control_port == 0) continue;
    auto addr = ParseInviteAddress(FormatEndpoint(raw->remote_host(), s.control_port));
    if (addr) list.push_back(PeerAddress{device, *addr});
  }
  if (list.empty()) return;
  Bytes payload = EncodePeers(list);
  for (auto& [device, raw] : members_) raw->Send(MessageType::kPeers, payload);
}

void MeshNode::OnPeers(Session& s, ByteSpan payload) {
  auto peers = DecodePeers(payload);
  if (!peers) return s.conn->SendErrorAndClose(kErrMalformed, peers.error());
  for (const PeerAddress& p : *peers) {
    if (p.device == home_.device_id() || !IsUnrevokedMember(p.device) || members_.contains(p.device)) continue;
    std::string key = p.address.ToString();
    if (dial_book_.Contains(key)) continue;
    if (auto ep = ParseEndpoint(key, false)) dial_book_.Add(key, ep->address().to_string(), ep->port(), p.device);
  }
}

void MeshNode::Tick() {
  if (stopping_) return;
  const auto now = SteadyNow();
  // Other processes (the CLI) change the home by writing the database: only
  // then is there new local ledger, wanted blobs or pins to look at.
  const int64_t version = home_.db().DataVersion();
  const bool external = version != data_version_;
  data_version_ = version;
  if (external) {
    PollLocalLedger();
    PollListenerEvents();
  }
  auto connected_or_gone = [this](const DeviceId& d) { return members_.contains(d) || !IsUnrevokedMember(d); };
  for (const std::string& key : dial_book_.Due(now, connected_or_gone)) {
    if (sessions_.size() >= kMaxSessions) break;
    Dial(key);
  }
  if (now - last_ping_ > kPingEvery) {
    last_ping_ = now;
    std::vector<Connection*> silent;
    for (auto& [raw, s] : sessions_) {
      if (now - s.last_heard > 4 * kPingEvery) silent.push_back(raw);
      else if (s.member) raw->Send(MessageType::kPing, Bytes(8, 0));
    }
    for (Connection* raw : silent) raw->Close("peer silent for 40 s");
  }
  if (now - last_seen_saved_ > kSeenEvery) {
    // Members online now were seen now: after a crash, placement still
    // counts them while they reconnect (MeshOptions::away_after).
    last_seen_saved_ = now;
    (void)home_.db().Transaction([&]() -> std::expected<void, store::StoreError> {  // one commit
      for (auto& [device, raw] : members_) SavePeerState(sessions_.at(raw), true);
      return {};
    });
  }
  StateTick(now, false);
  BlobTick(now, external);
  ChunkTick(now);
  tick_timer_.expires_after(options_.tick);
  tick_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive) Tick();
  });
}

}  // namespace hearth::mesh

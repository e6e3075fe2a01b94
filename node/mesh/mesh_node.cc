#include "node/mesh/mesh_node.h"

#include "crypto/sodium.h"
#include "node/mesh/endpoint.h"

namespace hearth::mesh {

MeshNode::MeshNode(asio::io_context& io, store::Home& home, MeshOptions options)
    : ctx_(io, home, std::move(options)),
      own_transport_(ctx_.options.transport ? nullptr : std::make_unique<TcpTransport>(io)),
      tick_timer_(io),
      peers_(ctx_, ctx_.options.transport ? *ctx_.options.transport : *own_transport_, *this,
             PeerSessions::Hooks{
                 .member_up = [this](const DeviceId& d) { MemberUp(d); },
                 .member_down = [this](const DeviceId& d) { MemberDown(d); },
                 .join = [this](Connection& c, ByteSpan payload) { join_.OnJoin(c, payload); },
                 .relay =
                     [this](Connection& c, MessageType type, ByteSpan payload) {
                       if (type == MessageType::kPunch) punch_.OnPunch(c, payload);
                       else relays_.OnFrame(c, type, payload);
                     },
                 .session_ended = [this](Connection* c) { relays_.SessionEnded(c); },
             }),
      sync_(
          ctx_, peers_, [this] { placement_.PassSoon(); }, [this] { have_.MarkDirty(); }),
      join_(ctx_, peers_, sync_),
      listeners_(ctx_, peers_),
      have_(ctx_, peers_,
            HaveIndex::Hooks{
                .newly_listed = [this](const BlobId& b, const DeviceId& d) { surplus_.NewlyListed(b, d); },
                .have_received = [this] { fetcher_.DriveSoon(); },
            }),
      fetcher_(ctx_, peers_, have_,
               Fetcher::Hooks{
                   .room_for = [this](const BlobId& b) { return placement_.RoomFor(b); },
                   .disk_at_floor = [this] { return placement_.DiskAtFloor(); },
                   .disk_full = [this] { placement_.SayStateSoon(); },
                   .piece_done =
                       [this](const BlobId& b, int piece) {
                         reads_.OnPiece(b, piece);
                         if (piece_observer_) piece_observer_(b, piece);
                       },
                   .arrived =
                       [this](const BlobId& b) {
                         reads_.OnBlob(b);
                         repair_.Arrived(b);
                       },
               }),
      reads_(ctx_, peers_, have_, fetcher_),
      placement_(ctx_, peers_, have_, fetcher_,
                 ReplicaPlacement::Hooks{
                     .trim_cache = [this] { cache_.Trim(); },
                     .drop_surplus = [this](const Placement& p) { surplus_.Pass(p); },
                 }),
      surplus_(ctx_, peers_, have_, fetcher_, reads_, placement_),
      released_(ctx_, have_, fetcher_, reads_),
      cache_(ctx_, peers_, have_, reads_),
      repair_(ctx_, have_, fetcher_),
      reach_(ctx_, peers_, [this] { return torrent_port(); },
             [this](const DeviceId& d, const std::vector<InviteAddress>& at) { punch_.FromRecord(d, at); }),
      relays_(ctx_, peers_),
      relayed_fetches_(ctx_, peers_, have_, fetcher_),
      punch_(ctx_, peers_, transport()) {}

MeshNode::~MeshNode() {
  *ctx_.alive = false;
  Stop();
}

std::expected<void, MeshError> MeshNode::Start() {
  auto listening = peers_.Start();
  if (!listening) return std::unexpected(listening.error());
  listeners_.Start();
  crypto::RandomBytes(swarm_token_.data(), swarm_token_.size());
  guard_ = std::make_shared<swarm::SwarmGuard>(ctx_.me(), swarm_token_);
  if (auto s = fetcher_.Start(guard_); !s) return s;
  sync_.Start();
  auto ep = ParseEndpoint(ctx_.options.listen, /*allow_zero_port=*/true);
  if (ctx_.options.lan && ep && !ep->address().is_loopback()) {
    beacon_ = std::make_unique<LanBeacon>(
        ctx_.io, ctx_.home.household(), control_port(), ctx_.options.lan_options,
        [this](const std::string& host, uint16_t port) {
          std::string key = FormatEndpoint(host, port);
          if (ctx_.stopping || !peers_.AddDialTarget(key, host, port)) return;
          ctx_.Log("found a household device at " + key + " on the LAN");
        },
        [this](const std::string& host) {
          // Said once per sender (a few at most are remembered): another
          // household on this LAN is normal, not news every 2 s.
          if (foreign_beacons_.size() >= kForeignBeaconsNamed || !foreign_beacons_.insert(host).second) return;
          ctx_.Log("heard a LAN beacon from " + host + " that is not this household's: ignored");
        });
    if (auto b = beacon_->Start(); !b) {
      ctx_.Log(b.error());
      beacon_.reset();
    }
  }
  have_.Refresh();
  placement_.Start();
  repair_.Start();
  Tick();
  ctx_.Log("listening on " + *listening + " (mesh) and port " + std::to_string(torrent_port()) + " (swarm) as " +
           ctx_.Name(ctx_.me()));
  return {};
}

void MeshNode::Stop() {
  if (ctx_.stopping) return;
  ctx_.stopping = true;
  if (beacon_) beacon_->Stop();
  tick_timer_.cancel();
  sync_.Stop();
  reads_.Tick(ctx_.SteadyNow());  // players waiting for chunks hear why not
  peers_.Stop();
  relays_.Stop();
  reach_.Stop();
  placement_.Stop();
  repair_.Stop();
  fetcher_.Stop();
}

void MeshNode::MemberUp(const DeviceId& peer) {
  Connection* c = peers_.SessionOf(peer);
  if (!c) return;
  sync_.SendHello(*c, control_port(), torrent_port());
  c->Send(MessageType::kSwarmToken, EncodeSwarmToken(swarm_token_));
  have_.SendSet(*c);
  placement_.SendState(*c);
  listeners_.MemberUp(peer);
  relays_.MemberUp(peer);
  if (peers_.IsDirect(peer)) punch_.DirectUp(peer);
  SendStreams(peer);
}

bool MeshNode::PlaysMusic(const DeviceId& peer) const {
  if (!ctx_.home.content_secret()) return false;
  const auto& members = ctx_.home.ledger().ledger().state().members;
  auto m = members.find(peer);
  return m != members.end() && !m->second.revoked && m->second.role != Role::kStorage;
}

void MeshNode::SetStreams(std::vector<StreamSlot> slots) {
  streams_ = std::move(slots);
  streams_set_us_ = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::microseconds>(ctx_.SteadyNow().time_since_epoch()).count());
  for (const auto& [peer, session] : peers_.members()) SendStreams(peer);
}

void MeshNode::SendStreams(const DeviceId& peer) {
  Connection* c = peers_.SessionOf(peer);
  if (!c || streams_set_us_ == 0 || !PlaysMusic(peer)) return;  // never played: nothing to say
  // The time each slot has left, from now.
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(ctx_.SteadyNow().time_since_epoch()).count();
  const int64_t gone_ms = (now - streams_set_us_) / 1000;
  std::vector<StreamSlot> left;
  for (const StreamSlot& s : streams_)
    if (s.left_ms > gone_ms) left.push_back(StreamSlot{s.track, static_cast<uint32_t>(s.left_ms - gone_ms)});
  c->Send(MessageType::kStreams, EncodeStreams(left));
}

void MeshNode::OnStreams(const DeviceId& from, std::vector<StreamSlot> slots) {
  if (!PlaysMusic(from) || !ctx_.options.streams_heard) return;
  ctx_.options.streams_heard(from, std::move(slots));
}

void MeshNode::MemberDown(const DeviceId& peer) {
  if (guard_) guard_->Forbid(peer);
  surplus_.MemberDown(peer);
  placement_.MemberDown(peer);
  reach_.MemberDown(peer);
  relays_.MemberDown(peer);
}

void MeshNode::OnHello(const DeviceId& from, const Hello& hello) {
  peers_.OnHello(from, hello);
  sync_.OnHello(from, hello);
}

void MeshNode::OnSwarmToken(const DeviceId& from, const std::array<uint8_t, 32>& token) {
  if (guard_) guard_->Allow(from, token);
}

void MeshNode::Tick() {
  if (ctx_.stopping) return;
  const auto now = ctx_.SteadyNow();
  // Other processes (the CLI) change the home by writing the database: only
  // then is there new local ledger, wanted blobs or pins to look at.
  const int64_t version = ctx_.home.db().DataVersion();
  const bool external = version != data_version_;
  data_version_ = version;
  if (external) {
    sync_.PollLocalLedger();
    listeners_.Poll();
  }
  peers_.Tick(now);
  reach_.Tick(now);
  relays_.Tick(now);
  punch_.Tick(now);
  have_.Tick(now);
  placement_.Tick(now);
  fetcher_.Tick(now, external);
  relayed_fetches_.Tick(now);
  reads_.Tick(now);
  released_.Tick(now);
  tick_timer_.expires_after(ctx_.options.tick);
  tick_timer_.async_wait([this, alive = ctx_.alive](boost::system::error_code ec) {
    if (!ec && *alive) Tick();
  });
}

}  // namespace hearth::mesh

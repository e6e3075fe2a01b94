#include "node/mesh/fetcher.h"

#include <sys/stat.h>

#include "node/store/in_place_cache.h"
#include "node/store/mesh_tables.h"
#include "node/store/torrent_table.h"
#include "node/swarm/swarm.h"

namespace hearth::mesh {
namespace {

constexpr auto kDriveEvery = std::chrono::seconds(1);
constexpr auto kIdleCheckEvery = std::chrono::seconds(10);
constexpr auto kSweepEvery = std::chrono::seconds(2);
constexpr int64_t kSeedIdleUs = 60'000'000;
// Fetches under way at once. A new one starts moving data within
// milliseconds (see Swarm::Add), so a few dozen keep the link busy without
// interleaving writes to hundreds of files (measured, 200 x 5 MB blobs on one
// disk: 16 at a time took 6.2-7.1 s, 64 took 5.6-5.7 s).
constexpr size_t kMaxActiveFetches = 64;
// A fetch that failed is not started again at once (a hot loop of failures).
constexpr auto kRetryAfterFailure = std::chrono::seconds(5);
constexpr auto kRetryAfterDiskFull = std::chrono::seconds(20);
constexpr size_t kMaxEarlyChunks = 8;
constexpr auto kAskAgainAfter = std::chrono::seconds(10);  // Fetch::asked_at

}  // namespace

Fetcher::Fetcher(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Hooks hooks)
    : ctx_(ctx), peers_(peers), have_(have), hooks_(std::move(hooks)) {}

Fetcher::~Fetcher() = default;

std::expected<void, MeshError> Fetcher::Start(std::shared_ptr<swarm::SwarmGuard> guard) {
  swarm::SwarmOptions o;
  o.listen = ctx_.options.torrent_listen;
  o.partial_dir = ctx_.home.dir() + "/partial";
  o.blob_dir = ctx_.home.dir() + "/blobs";
  o.download_limit = ctx_.options.download_limit;
  o.verify_seeds = ctx_.options.verify_seeds;
  // Blobs kept in place are sealed from their originals as peers read them.
  o.in_place = [blobs = &ctx_.home.blobs()](const BlobId& blob) { return blobs->IsInPlace(blob); };
  o.in_place_read = [reads = std::make_shared<store::InPlaceCache>(ctx_.home.blobs())](
                        const BlobId& blob, uint64_t offset, uint64_t length) -> std::expected<Bytes, std::string> {
    auto bytes = reads->Read(blob, offset, length);
    if (!bytes) return std::unexpected(bytes.error().message);
    return std::move(*bytes);
  };
  o.notify = [this, alive = std::weak_ptr<bool>(ctx_.alive)] {
    // The transfer's thread: hop onto ours.
    asio::post(ctx_.io, [this, alive] {
      auto a = alive.lock();
      if (a && *a && !ctx_.stopping) OnTransferEvents();
    });
  };
  if (ctx_.options.blob_transfer) {
    auto t = ctx_.options.blob_transfer(std::move(o), std::move(guard));
    if (!t) return std::unexpected(MeshError{MeshErrc::kTransferStart, "blob transfer: " + t.error()});
    transfer_ = std::move(*t);
  } else {
    auto s = swarm::Swarm::Start(std::move(o), std::move(guard));
    if (!s) return std::unexpected(MeshError{MeshErrc::kTransferStart, "--torrent-port: " + s.error()});
    transfer_ = std::move(*s);
  }
  have_.set_transfer(transfer_.get());
  return {};
}

void Fetcher::Stop() {
  SaveQueuedTorrents();
  have_.set_transfer(nullptr);
  transfer_.reset();
}

void Fetcher::Tick(std::chrono::steady_clock::time_point now, bool external) {
  if (!transfer_) return;
  if (external || drive_soon_ || now - last_drive_ > kDriveEvery) Drive();
  if (now - last_idle_check_ > kIdleCheckEvery) {
    last_idle_check_ = now;
    for (const BlobId& b : transfer_->IdleSeeds(ctx_.Now(), kSeedIdleUs)) transfer_->Remove(b);
    DropWantedHeldHere();
  }
  if (now - last_sweep_ > kSweepEvery) {
    last_sweep_ = now;
    transfer_->Sweep();
    OnTransferEvents();
  }
}

void Fetcher::DropWantedHeldHere() {
  // Drive only looks at blobs an online member lists: a row for a blob that
  // is here already (imported, or fetched when its row could not be
  // removed) would otherwise wait for one.
  store::Database& db = ctx_.home.db();
  auto wanted = store::ListWanted(db);
  if (!wanted) return ctx_.Log("cannot read the wanted blobs: " + wanted.error().message);
  for (const BlobId& blob : *wanted)
    if (have_.HoldsLocally(blob) && !fetches_.contains(blob)) (void)store::RemoveWanted(db, blob);
}

void Fetcher::OnTorrentRequest(const DeviceId& from, const BlobId& blob) {
  Connection* c = peers_.SessionOf(from);
  if (!c || !transfer_) return;
  TorrentReply reply{blob, std::nullopt};
  if (have_.HoldsLocally(blob) && ctx_.home.blobs().Has(blob)) {
    auto torrent = store::LoadTorrent(ctx_.home.db(), blob);
    if (torrent && *torrent) {
      if (auto seeded = transfer_->Seed(blob, **torrent); seeded) reply.torrent = std::move(**torrent);
      else ctx_.Log("cannot seed blob " + blob.ShortHex() + ": " + seeded.error());
    }
  }
  // The asker connects to our swarm the moment it has the torrent; until
  // the seed is checked libtorrent would turn it away (and it would retry
  // only a second later). So the answer waits for the seed to be ready.
  if (reply.torrent && !transfer_->SeedReady(blob)) {
    seed_waiters_[blob].push_back(from);
    return;
  }
  c->Send(MessageType::kTorrent, EncodeTorrentReply(reply));
}

void Fetcher::AnswerSeedWaiters(const BlobId& blob, bool ready) {
  auto it = seed_waiters_.find(blob);
  if (it == seed_waiters_.end()) return;
  auto waiters = std::move(it->second);
  seed_waiters_.erase(it);
  TorrentReply reply{blob, std::nullopt};
  if (ready) {
    auto torrent = store::LoadTorrent(ctx_.home.db(), blob);
    if (torrent && *torrent) reply.torrent = std::move(**torrent);
  }
  const Bytes payload = EncodeTorrentReply(reply);
  for (const DeviceId& d : waiters)
    if (Connection* c = peers_.SessionOf(d)) c->Send(MessageType::kTorrent, payload);
}

void Fetcher::OnTorrent(const DeviceId& from, TorrentReply reply) {
  auto it = fetches_.find(reply.blob);
  if (it == fetches_.end() || !transfer_) return;
  if (!reply.torrent) {
    have_.Unlist(from, reply.blob);
    return;
  }
  if (!transfer_->Has(reply.blob)) {
    // Fetch() checks that the torrent's info-hash is the blob id we asked for.
    if (auto added = transfer_->Fetch(reply.blob, *reply.torrent); !added) {
      ctx_.Log("refused a torrent from " + ctx_.Name(from) + ": " + added.error());
      return;
    }
    QueueTorrentSave(reply.blob, std::move(*reply.torrent));
    for (const auto& [index, sealed] : std::exchange(it->second.early_chunks, {}))
      transfer_->AddPiece(reply.blob, index, sealed);
  }
  const uint16_t port = peers_.TorrentPortOf(from);
  Connection* c = peers_.SessionOf(from);
  // A relayed or punched holder has no swarm port to connect to:
  // RelayedFetches reads it.
  if (c && port != 0 && peers_.SwarmReachable(from) && it->second.connected.insert(from).second)
    transfer_->ConnectPeer(reply.blob, c->remote_host(), port);
}

void Fetcher::QueueTorrentSave(const BlobId& blob, Bytes torrent) {
  const bool first = torrents_to_save_.empty();
  torrents_to_save_.emplace_back(blob, std::move(torrent));
  if (!first) return;
  asio::post(ctx_.io, [this, alive = std::weak_ptr<bool>(ctx_.alive)] {
    if (auto a = alive.lock(); a && *a) SaveQueuedTorrents();
  });
}

void Fetcher::SaveQueuedTorrents() {
  if (torrents_to_save_.empty()) return;
  const auto batch = std::exchange(torrents_to_save_, {});
  // Lost only if the node dies in between: the holder is asked again then.
  if (auto saved = store::SaveTorrents(ctx_.home.db(), batch); !saved)
    ctx_.Log("cannot save the torrents of " + std::to_string(batch.size()) + " fetches: " + saved.error().message);
}

void Fetcher::OfferChunk(const BlobId& blob, uint32_t index, const Bytes& sealed) {
  auto fetch = fetches_.find(blob);
  if (fetch == fetches_.end() || !transfer_) return;
  if (!transfer_->Has(blob)) {
    if (fetch->second.early_chunks.size() < kMaxEarlyChunks) fetch->second.early_chunks.emplace_back(index, sealed);
    return;
  }
  if (!transfer_->HavePiece(blob, index)) transfer_->AddPiece(blob, index, sealed);
}

void Fetcher::AskHolders(const BlobId& blob, Fetch& fetch) {
  const auto now = ctx_.SteadyNow();
  if (!fetch.asked.empty() && now - fetch.asked_at >= kAskAgainAfter) {
    fetch.asked.clear();
    fetch.connected.clear();
  }
  if (fetch.asked.empty()) fetch.asked_at = now;
  for (auto& [device, raw] : peers_.members()) {
    if (!have_.Lists(device, blob)) continue;
    const bool first_holder = fetch.asked.empty();
    if (!fetch.asked.insert(device).second) continue;
    raw->Send(MessageType::kTorrentRequest, EncodeTorrentRequest(blob));
    // The first chunks come straight over this session, so the first audio
    // does not wait for the swarm (whose peers are unchoked on a one-second
    // tick).
    if (first_holder && fetch.urgent) raw->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, 0, 2}));
  }
}

void Fetcher::Drive() {
  if (!transfer_) return;
  store::Database& db = ctx_.home.db();
  last_drive_ = ctx_.SteadyNow();
  drive_soon_ = false;
  // Fetches under way: dropped when no longer wanted (unpinned), else asked
  // of holders that came online since.
  for (auto it = fetches_.begin(); it != fetches_.end();) {
    auto wanted = store::IsWanted(db, it->first);
    if ((wanted && !*wanted) || !have_.HasOnlineHolder(it->first)) {
      // Unpinned, or every holder went away: free the slot. The partial file
      // stays, so a later fetch keeps the pieces already verified.
      transfer_->Remove(it->first);
      it = fetches_.erase(it);
    } else {
      AskHolders(it->first, it->second);
      ++it;
    }
  }
  if (fetches_.size() >= kMaxActiveFetches) return;
  // New ones, oldest request first; a blob no online device holds waits
  // without taking a slot (and without being looked at).
  std::vector<DeviceId> online;
  for (const auto& [device, raw] : peers_.members()) online.push_back(device);
  auto wanted = store::ListWantedHeldBy(db, online);
  if (!wanted) return ctx_.Log("cannot read the wanted blobs: " + wanted.error().message);
  for (const BlobId& blob : *wanted) {
    if (fetches_.size() >= kMaxActiveFetches) break;
    if (fetches_.contains(blob)) continue;
    if (have_.HoldsLocally(blob)) {
      (void)store::RemoveWanted(db, blob);
      continue;
    }
    if (auto r = retry_after_.find(blob); r != retry_after_.end()) {
      if (ctx_.SteadyNow() < r->second) continue;
      retry_after_.erase(r);
    }
    if (ctx_.home.blobs().Has(blob)) {
      (void)store::RemoveWanted(db, blob);
      continue;
    }
    auto why = store::WantedReasonOf(db, blob);
    const bool replica = why && *why == store::WantedReason::kPolicy;
    if (replica && hooks_.room_for && !hooks_.room_for(blob)) continue;
    Fetch& fetch = fetches_[blob];
    fetch.started = ctx_.SteadyNow();
    fetch.urgent = !replica;
    AskHolders(blob, fetch);
  }
}

void Fetcher::Want(const BlobId& blob) {
  if (auto r = store::AddWanted(ctx_.home.db(), blob, store::WantedReason::kFetch, ctx_.Now()); !r)
    return ctx_.Log("cannot record a wanted blob: " + r.error().message);
  Drive();
}

void Fetcher::Stream(const BlobId& blob, uint32_t index) {
  // The whole blob, sequentially from this chunk on; the wanted row makes a
  // restarted node finish it.
  if (!fetches_.contains(blob)) {
    auto wanted = store::IsWanted(ctx_.home.db(), blob);
    if (wanted && !*wanted)
      (void)store::AddWanted(ctx_.home.db(), blob, store::WantedReason::kStream, ctx_.Now());
    Drive();
  }
  if (transfer_) transfer_->Prioritize(blob, index, 8);
}

uint64_t Fetcher::ArrivingBytes() const {
  uint64_t arriving = 0;
  if (!transfer_) return 0;
  for (const auto& [blob, fetch] : fetches_) {
    struct stat st {};
    if (::stat(transfer_->PartialPath(blob).c_str(), &st) == 0) arriving += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return arriving;
}

void Fetcher::OnTransferEvents() {
  if (!transfer_) return;
  std::vector<BlobId> fetched;
  for (const swarm::SwarmEvent& e : transfer_->Poll()) {
    switch (e.kind) {
      case swarm::SwarmEvent::Kind::kFetched: {
        auto size = ctx_.home.blobs().SizeOf(e.blob);
        ctx_.Log("fetched blob " + e.blob.ShortHex() + " (" + std::to_string(size.value_or(0)) + " bytes, " +
                 std::to_string(e.downloaded) + " downloaded by this run; every piece verified)");
        fetches_.erase(e.blob);
        have_.Hold(e.blob);  // said to the members with the others below
        if (hooks_.arrived) hooks_.arrived(e.blob);
        fetched.push_back(e.blob);
        break;
      }
      case swarm::SwarmEvent::Kind::kFailed: {
        if (seed_waiters_.contains(e.blob)) {
          ctx_.Log("cannot seed blob " + e.blob.ShortHex() + ": " + e.detail);
          AnswerSeedWaiters(e.blob, false);
          transfer_->Remove(e.blob);
          break;
        }
        if (!fetches_.contains(e.blob)) {
          ctx_.Log("blob " + e.blob.ShortHex() + " cannot be served: " + e.detail);
          transfer_->Remove(e.blob);
          break;
        }
        fetches_.erase(e.blob);
        const auto now = ctx_.SteadyNow();
        if (e.disk_full || (hooks_.disk_at_floor && hooks_.disk_at_floor())) {
          // Nothing held is touched: the partial copy goes (it cannot be
          // finished now), and the others hear this disk is full.
          ctx_.Log("fetch of blob " + e.blob.ShortHex() + " stopped: the disk is full (" + e.detail +
                   "); its partial copy is deleted, and this device takes no more replicas until there is room");
          transfer_->DiscardFetch(e.blob);
          retry_after_[e.blob] = now + kRetryAfterDiskFull;
          if (hooks_.disk_full) hooks_.disk_full();
        } else {
          ctx_.Log("fetch of blob " + e.blob.ShortHex() + " failed: " + e.detail + "; trying again later");
          transfer_->Remove(e.blob);
          retry_after_[e.blob] = now + kRetryAfterFailure;
        }
        break;
      }
      case swarm::SwarmEvent::Kind::kSeedReady:
        AnswerSeedWaiters(e.blob, true);
        break;
      case swarm::SwarmEvent::Kind::kHashFailed:
        ctx_.Log("blob " + e.blob.ShortHex() + ": " + e.detail + "; fetching it again");
        break;
      case swarm::SwarmEvent::Kind::kPieceDone:
        if (hooks_.piece_done) hooks_.piece_done(e.blob, e.piece);
        break;
      case swarm::SwarmEvent::Kind::kPeerBanned:
        // The ban is the device's, for this blob, from any port; other
        // devices at the same address are not touched (swarm_guard.h).
        ctx_.Log("blob " + e.blob.ShortHex() + ": " +
                 (e.peer ? "device " + ctx_.Name(*e.peer) + " at " + e.detail : "the peer at " + e.detail) +
                 " sent corrupt data and is banned from this blob; the rest comes from other holders");
        break;
    }
  }
  if (!fetched.empty()) Fetched(fetched);
}

void Fetcher::Fetched(const std::vector<BlobId>& fetched) {
  store::Database& db = ctx_.home.db();
  // One transaction for all that arrived together: while a library moves,
  // a commit (an fsync) per blob would hold this thread up behind the
  // disk's writeback.
  auto recorded = db.Transaction([&]() -> std::expected<void, store::StoreError> {
    for (const BlobId& blob : fetched) {
      // Fetched for someone (not by the policy): it counts as played now,
      // so a full device keeps it as cache for a while even where it is
      // surplus to the policy (see SurplusKeeper).
      auto why = store::WantedReasonOf(db, blob);
      if (!why) return std::unexpected(why.error());
      if (*why && **why != store::WantedReason::kPolicy && **why != store::WantedReason::kRepair)
        if (auto r = store::TouchBlob(db, blob, ctx_.Now()); !r) return r;
      if (auto r = store::RemoveWanted(db, blob); !r) return r;
    }
    return {};
  });
  // Not fatal: a wanted row left behind is dropped within seconds by
  // DropWantedHeldHere, which finds the blob held.
  if (!recorded) ctx_.Log("cannot record fetched blobs: " + recorded.error().message);
  have_.Announce(fetched);
  Drive();  // slots are free
}

}  // namespace hearth::mesh

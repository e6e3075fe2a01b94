// MeshNode: have-sets, torrents, fetches and the replication policy.
#include <algorithm>

#include "crypto/hash.h"
#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "node/store/torrent_table.h"
#include "node/swarm/blob_torrent.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

constexpr auto kBlobRescanEvery = std::chrono::seconds(60);  // besides after local ledger changes
constexpr auto kPolicyEvery = std::chrono::seconds(2);
// Placement may start once sessions stopped coming up for this long and
// every member connected said its STATE (see MeshOptions::policy_grace):
// sessions a node dials at start come up within milliseconds of each other.
constexpr auto kSessionsSettle = std::chrono::milliseconds(500);
constexpr auto kFetchDriveEvery = std::chrono::seconds(1);
constexpr auto kIdleCheckEvery = std::chrono::seconds(10);
constexpr auto kSwarmSweepEvery = std::chrono::seconds(2);
constexpr int64_t kSeedIdleUs = 60'000'000;
// Fetches under way at once. A new one starts moving data within
// milliseconds (see Swarm::Add), so a few dozen keep the link busy without
// interleaving writes to hundreds of files (measured, 200 x 5 MB blobs on one
// disk: 16 at a time took 6.2-7.1 s, 64 took 5.6-5.7 s).
constexpr size_t kMaxActiveFetches = 64;
// A fetch that failed is not started again at once (a hot loop of failures).
constexpr auto kRetryAfterFailure = std::chrono::seconds(5);
constexpr auto kRetryAfterDiskFull = std::chrono::seconds(20);

}  // namespace

std::expected<void, std::string> MeshNode::StartSwarm() {
  swarm::SwarmOptions o;
  o.listen = options_.torrent_listen;
  o.partial_dir = home_.dir() + "/partial";
  o.blob_dir = home_.dir() + "/blobs";
  o.download_limit = options_.download_limit;
  o.verify_seeds = options_.verify_seeds;
  o.notify = [this, alive = std::weak_ptr<bool>(alive_)] {
    // libtorrent's thread: hop onto ours.
    asio::post(io_, [this, alive] {
      auto a = alive.lock();
      if (a && *a && !stopping_) OnSwarmEvents();
    });
  };
  if (options_.blob_transfer) {
    auto t = options_.blob_transfer(std::move(o), guard_);
    if (!t) return std::unexpected("blob transfer: " + t.error());
    swarm_ = std::move(*t);
    return {};
  }
  auto s = swarm::Swarm::Start(std::move(o), guard_);
  if (!s) return std::unexpected("--torrent-port: " + s.error());
  swarm_ = std::move(*s);
  return {};
}

void MeshNode::BlobTick(std::chrono::steady_clock::time_point now, bool external) {
  if (local_blobs_dirty_ || now - last_blob_scan_ > kBlobRescanEvery) {
    last_blob_scan_ = now;
    local_blobs_dirty_ = false;
    RefreshLocalBlobs();
  }
  // Placement waits for the grace period and the STATE of every connected
  // member (see MeshOptions::policy_grace).
  const bool heard_all = std::all_of(members_.begin(), members_.end(),
                                     [this](const auto& m) { return sessions_.at(m.second).said_state; });
  const auto since_start = now - started_;
  // (Also waiting for dials and handshakes under way was tried: a node
  // keeps redialing addresses that lead to a member it already has, so it
  // fell back to the grace nearly always -- replication 8 s instead of 4.)
  const bool sessions_settled = !members_.empty() && heard_all && now - last_member_at_ >= kSessionsSettle;
  const bool ready = sessions_settled || (heard_all && since_start > options_.policy_grace) ||
                     since_start > 4 * options_.policy_grace;
  if (now - last_policy_ > kPolicyEvery && ready) {
    last_policy_ = now;
    ApplyPolicy();
  }
  if (external || now - last_fetch_drive_ > kFetchDriveEvery) DriveFetches();
  if (now - last_idle_check_ > kIdleCheckEvery) {
    last_idle_check_ = now;
    for (const BlobId& b : swarm_->IdleSeeds(Now(), kSeedIdleUs)) swarm_->Remove(b);
  }
  if (now - last_swarm_sweep_ > kSwarmSweepEvery) {
    last_swarm_sweep_ = now;
    swarm_->Sweep();
    OnSwarmEvents();
  }
}

void MeshNode::RefreshLocalBlobs() {
  auto listed = home_.blobs().List();
  if (!listed) return Log("cannot list blobs: " + listed.error().message);
  std::set<BlobId> now(listed->begin(), listed->end());
  std::vector<BlobId> added;
  bool removed = false;
  for (const BlobId& b : now)
    if (!local_blobs_.contains(b)) added.push_back(b);
  for (const BlobId& b : local_blobs_)
    if (!now.contains(b)) removed = true;
  local_blobs_ = std::move(now);
  if (removed) {
    for (auto& [device, raw] : members_) SendHaveSet(*raw);
  } else {
    AnnounceHeld(added);
  }
}

void MeshNode::AnnounceHeld(const std::vector<BlobId>& added) {
  for (const Bytes& payload : EncodeHaveAdditions(added))
    for (auto& [device, raw] : members_) raw->Send(MessageType::kHave, payload);
}

void MeshNode::SendHaveSet(Connection& c) {
  std::vector<BlobId> all(local_blobs_.begin(), local_blobs_.end());
  for (const Bytes& payload : EncodeHaveSet(all)) c.Send(MessageType::kHave, payload);
}

void MeshNode::OnHave(Session& s, ByteSpan payload) {
  auto have = DecodeHave(payload);
  if (!have) return s.conn->SendErrorAndClose(kErrMalformed, have.error());
  const DeviceId peer = s.conn->peer();
  auto& set = peer_blobs_[peer];
  std::set<BlobId> before;
  if (have->replace) before = std::exchange(set, {});
  for (const BlobId& b : have->blobs) {
    // Newly announced (say fetched again after a failed proof): ask anew.
    if (set.insert(b).second && !before.contains(b)) proofs_.ForgetPair(b, peer);
  }
  ++have_version_;
  if (auto r = store::SavePeerBlobs(home_.db(), peer, have->blobs, have->replace); !r)
    Log("cannot record what " + Name(peer) + " holds: " + r.error().message);
  DriveFetches();
}

void MeshNode::OnTorrentRequest(Session& s, ByteSpan payload) {
  auto blob = DecodeTorrentRequest(payload);
  if (!blob) return s.conn->SendErrorAndClose(kErrMalformed, blob.error());
  TorrentReply reply{*blob, std::nullopt};
  if (local_blobs_.contains(*blob) && home_.blobs().Has(*blob)) {
    auto torrent = store::LoadTorrent(home_.db(), *blob);
    if (torrent && *torrent) {
      if (auto seeded = swarm_->Seed(*blob, **torrent); seeded) reply.torrent = std::move(**torrent);
      else Log("cannot seed blob " + blob->ShortHex() + ": " + seeded.error());
    }
  }
  // The asker connects to our swarm the moment it has the torrent; until
  // the seed is checked libtorrent would turn it away (and it would retry
  // only a second later). So the answer waits for the seed to be ready.
  if (reply.torrent && !swarm_->SeedReady(*blob)) {
    seed_waiters_[*blob].push_back(s.conn);
    return;
  }
  s.conn->Send(MessageType::kTorrent, EncodeTorrentReply(reply));
}

void MeshNode::AnswerSeedWaiters(const BlobId& blob, bool ready) {
  auto it = seed_waiters_.find(blob);
  if (it == seed_waiters_.end()) return;
  auto waiters = std::move(it->second);
  seed_waiters_.erase(it);
  TorrentReply reply{blob, std::nullopt};
  if (ready) {
    auto torrent = store::LoadTorrent(home_.db(), blob);
    if (torrent && *torrent) reply.torrent = std::move(**torrent);
  }
  const Bytes payload = EncodeTorrentReply(reply);
  for (const auto& weak : waiters)
    if (auto conn = weak.lock()) conn->Send(MessageType::kTorrent, payload);
}

void MeshNode::OnTorrentReply(Session& s, ByteSpan payload) {
  auto reply = DecodeTorrentReply(payload);
  if (!reply) return s.conn->SendErrorAndClose(kErrMalformed, reply.error());
  auto it = fetches_.find(reply->blob);
  if (it == fetches_.end()) return;
  const DeviceId peer = s.conn->peer();
  if (!reply->torrent) {
    peer_blobs_[peer].erase(reply->blob);
    return;
  }
  if (!swarm_->Has(reply->blob)) {
    // Fetch() checks that the torrent's info-hash is the blob id we asked for.
    if (auto added = swarm_->Fetch(reply->blob, *reply->torrent); !added) {
      Log("refused a torrent from " + Name(peer) + ": " + added.error());
      return;
    }
    QueueTorrentSave(reply->blob, std::move(*reply->torrent));
    for (const auto& [index, sealed] : std::exchange(it->second.early_chunks, {}))
      swarm_->AddPiece(reply->blob, index, sealed);
  }
  if (s.torrent_port != 0 && it->second.connected.insert(peer).second)
    swarm_->ConnectPeer(reply->blob, s.conn->remote_host(), s.torrent_port);
}

void MeshNode::QueueTorrentSave(const BlobId& blob, Bytes torrent) {
  const bool first = torrents_to_save_.empty();
  torrents_to_save_.emplace_back(blob, std::move(torrent));
  if (!first) return;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (auto a = alive.lock(); a && *a) SaveQueuedTorrents();
  });
}

void MeshNode::SaveQueuedTorrents() {
  if (torrents_to_save_.empty()) return;
  const auto batch = std::exchange(torrents_to_save_, {});
  // Lost only if the node dies in between: the holder is asked again then.
  if (auto saved = store::SaveTorrents(home_.db(), batch); !saved)
    Log("cannot save the torrents of " + std::to_string(batch.size()) + " fetches: " + saved.error().message);
}

void MeshNode::OnRead(Session& s, ByteSpan payload) {
  auto read = DecodeRead(payload);
  if (!read) return s.conn->SendErrorAndClose(kErrMalformed, read.error());
  for (uint32_t i = read->first; i < read->first + read->count; ++i) {
    ChunkData d{read->blob, i, std::nullopt};
    if (local_blobs_.contains(read->blob)) {
      auto bytes = home_.blobs().Read(read->blob, uint64_t{i} * swarm::kPieceSize, swarm::kPieceSize);
      if (bytes && !bytes->empty()) d.sealed = std::move(*bytes);
    }
    s.conn->Send(MessageType::kData, EncodeData(d));
    if (!d.sealed) break;
  }
}

void MeshNode::OnData(Session& s, ByteSpan payload) {
  auto data = DecodeData(payload);
  if (!data) return s.conn->SendErrorAndClose(kErrMalformed, data.error());
  if (!data->sealed) {
    // The holder lacks it: ask again (maybe elsewhere) after the retry delay.
    return;
  }
  DeliverChunk(data->blob, data->index, *data->sealed);
  auto fetch = fetches_.find(data->blob);
  if (fetch == fetches_.end()) return;
  if (!swarm_->Has(data->blob)) {
    constexpr size_t kMaxEarlyChunks = 8;
    if (fetch->second.early_chunks.size() < kMaxEarlyChunks)
      fetch->second.early_chunks.emplace_back(data->index, std::move(*data->sealed));
    return;
  }
  if (!swarm_->HavePiece(data->blob, data->index)) swarm_->AddPiece(data->blob, data->index, *data->sealed);
}

bool MeshNode::HasOnlineHolder(const BlobId& blob) const {
  for (const auto& [device, raw] : members_) {
    auto held = peer_blobs_.find(device);
    if (held != peer_blobs_.end() && held->second.contains(blob)) return true;
  }
  return false;
}

void MeshNode::AskHolders(const BlobId& blob, Fetch& fetch) {
  for (auto& [device, raw] : members_) {
    auto held = peer_blobs_.find(device);
    if (held == peer_blobs_.end() || !held->second.contains(blob)) continue;
    const bool first_holder = fetch.asked.empty();
    if (!fetch.asked.insert(device).second) continue;
    raw->Send(MessageType::kTorrentRequest, EncodeTorrentRequest(blob));
    // The first chunks come straight over this session, so the first audio
    // does not wait for the swarm (whose peers are unchoked on a one-second
    // tick).
    if (first_holder && fetch.urgent) raw->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, 0, 2}));
  }
}

void MeshNode::DriveFetches() {
  last_fetch_drive_ = SteadyNow();
  // Fetches under way: dropped when no longer wanted (unpinned), else asked
  // of holders that came online since.
  for (auto it = fetches_.begin(); it != fetches_.end();) {
    auto wanted = store::IsWanted(home_.db(), it->first);
    if ((wanted && !*wanted) || !HasOnlineHolder(it->first)) {
      // Unpinned, or every holder went away: free the slot. The partial file
      // stays, so a later fetch keeps the pieces already verified.
      swarm_->Remove(it->first);
      it = fetches_.erase(it);
    } else {
      AskHolders(it->first, it->second);
      ++it;
    }
  }
  if (fetches_.size() >= kMaxActiveFetches) return;
  // New ones, oldest request first; a blob no online device holds waits
  // without taking a slot.
  auto wanted = store::ListWanted(home_.db());
  if (!wanted) return;
  for (const BlobId& blob : *wanted) {
    if (fetches_.size() >= kMaxActiveFetches) break;
    if (fetches_.contains(blob)) continue;
    if (local_blobs_.contains(blob)) {
      (void)store::RemoveWanted(home_.db(), blob);
      continue;
    }
    if (!HasOnlineHolder(blob)) continue;
    if (auto r = retry_fetch_after_.find(blob); r != retry_fetch_after_.end()) {
      if (SteadyNow() < r->second) continue;
      retry_fetch_after_.erase(r);
    }
    if (home_.blobs().Has(blob)) {
      (void)store::RemoveWanted(home_.db(), blob);
      continue;
    }
    auto why = store::WantedReasonOf(home_.db(), blob);
    const bool replica = why && *why == store::WantedReason::kPolicy;
    if (replica && !RoomFor(blob)) continue;
    Fetch& fetch = fetches_[blob];
    fetch.started = SteadyNow();
    fetch.urgent = !replica;
    AskHolders(blob, fetch);
  }
}

void MeshNode::Want(const BlobId& blob) {
  if (auto r = store::AddWanted(home_.db(), blob, store::WantedReason::kFetch, Now()); !r)
    return Log("cannot record a wanted blob: " + r.error().message);
  DriveFetches();
}

void MeshNode::OnSwarmEvents() {
  if (!swarm_) return;
  std::vector<BlobId> fetched;
  for (const swarm::SwarmEvent& e : swarm_->Poll()) {
    switch (e.kind) {
      case swarm::SwarmEvent::Kind::kFetched: {
        auto size = home_.blobs().SizeOf(e.blob);
        Log("fetched blob " + e.blob.ShortHex() + " (" + std::to_string(size.value_or(0)) + " bytes, " +
            std::to_string(e.downloaded) + " downloaded by this run; every piece verified)");
        fetches_.erase(e.blob);
        local_blobs_.insert(e.blob);
        OnBlobForReaders(e.blob);
        fetched.push_back(e.blob);
        break;
      }
      case swarm::SwarmEvent::Kind::kFailed: {
        if (seed_waiters_.contains(e.blob)) {
          Log("cannot seed blob " + e.blob.ShortHex() + ": " + e.detail);
          AnswerSeedWaiters(e.blob, false);
          swarm_->Remove(e.blob);
          break;
        }
        if (!fetches_.contains(e.blob)) {
          Log("blob " + e.blob.ShortHex() + " cannot be served: " + e.detail);
          swarm_->Remove(e.blob);
          break;
        }
        fetches_.erase(e.blob);
        const auto now = SteadyNow();
        if (e.disk_full || DiskAtFloor()) {
          // Nothing held is touched: the partial copy goes (it cannot be
          // finished now), and the others hear this disk is full.
          Log("fetch of blob " + e.blob.ShortHex() + " stopped: the disk is full (" + e.detail +
              "); its partial copy is deleted, and this device takes no more replicas until there is room");
          swarm_->DiscardFetch(e.blob);
          retry_fetch_after_[e.blob] = now + kRetryAfterDiskFull;
          last_state_ = {};
        } else {
          Log("fetch of blob " + e.blob.ShortHex() + " failed: " + e.detail + "; trying again later");
          swarm_->Remove(e.blob);
          retry_fetch_after_[e.blob] = now + kRetryAfterFailure;
        }
        break;
      }
      case swarm::SwarmEvent::Kind::kSeedReady:
        AnswerSeedWaiters(e.blob, true);
        break;
      case swarm::SwarmEvent::Kind::kHashFailed:
        Log("blob " + e.blob.ShortHex() + ": " + e.detail + "; fetching it again");
        break;
      case swarm::SwarmEvent::Kind::kPieceDone:
        OnPieceForReaders(e.blob, e.piece);
        if (piece_observer_) piece_observer_(e.blob, e.piece);
        break;
      case swarm::SwarmEvent::Kind::kPeerBanned:
        Log("blob " + e.blob.ShortHex() + ": " + e.detail + " for sending corrupt data");
        break;
    }
  }
  if (!fetched.empty()) OnFetched(fetched);
}

void MeshNode::OnFetched(const std::vector<BlobId>& fetched) {
  // One transaction for all that arrived together: while a library moves,
  // a commit (an fsync) per blob would hold this thread up behind the
  // disk's writeback.
  auto recorded = home_.db().Transaction([&]() -> std::expected<void, store::StoreError> {
    for (const BlobId& blob : fetched) {
      // Fetched for someone (not by the policy): it counts as played now,
      // so a full device keeps it as cache for a while even where it is
      // surplus to the policy (see DropSurplus).
      auto why = store::WantedReasonOf(home_.db(), blob);
      if (!why) return std::unexpected(why.error());
      if (*why && **why != store::WantedReason::kPolicy)
        if (auto r = store::TouchBlob(home_.db(), blob, Now()); !r) return r;
      if (auto r = store::RemoveWanted(home_.db(), blob); !r) return r;
    }
    return {};
  });
  // Not fatal: a wanted row left behind is dropped by DriveFetches, which
  // finds the blob held.
  if (!recorded) Log("cannot record fetched blobs: " + recorded.error().message);
  AnnounceHeld(fetched);
  DriveFetches();  // slots are free
}

}  // namespace hearth::mesh

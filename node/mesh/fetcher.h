// Fetcher: moves blobs into this device through the blob transfer (the
// swarm). It starts fetches for the wanted blobs (the store's wanted table:
// `hearth fetch`, streams, pins, the replication policy), oldest first, at
// most 64 at a time, each from the online members that list it: it asks
// them for the blob's torrent (TORRENT_REQUEST / TORRENT) and connects to
// their swarms. It answers the same requests from members for blobs held
// here, seeding them, and reads the transfer's events: a finished fetch is
// recorded and announced, a failed one retried later (a full disk later
// still, after its partial copy is deleted).
//
// Single-threaded, on the node's thread; borrows the context, the sessions
// and the have index, which outlive it. Hooks run on that thread.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/mesh_error.h"
#include "node/mesh/peer_sessions.h"
#include "node/swarm/blob_transfer.h"

namespace hearth::mesh {

class Fetcher {
 public:
  struct Hooks {
    // Whether a replica of `blob` fits above the free-space floor.
    std::function<bool(const BlobId&)> room_for;
    // Whether the disk is at (or under) its free-space floor.
    std::function<bool()> disk_at_floor;
    // A fetch stopped on a full disk: the members should hear it soon.
    std::function<void()> disk_full;
    std::function<void(const BlobId&, int piece)> piece_done;  // a verified piece of a fetch
    std::function<void(const BlobId&)> arrived;                 // a fetch finished (before it is announced)
  };
  Fetcher(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Hooks hooks);
  ~Fetcher();

  // Starts the transfer: libtorrent, or options.blob_transfer.
  std::expected<void, MeshError> Start(std::shared_ptr<swarm::SwarmGuard> guard);
  // Saves what is pending and stops the transfer.
  void Stop();
  swarm::BlobTransfer* transfer() const { return transfer_.get(); }

  // Fetches wanted blobs now (also every second, and on HAVE and changes).
  void Drive();
  // Drives at the next tick, once however often it was asked meanwhile (a
  // burst of HAVEs or of damaged copies).
  void DriveSoon() { drive_soon_ = true; }
  // Records `blob` as wanted by `hearth fetch` and drives.
  void Want(const BlobId& blob);
  // A player reads chunk `index` of `blob`: fetch it, in order from there.
  void Stream(const BlobId& blob, uint32_t index);
  bool IsFetching(const BlobId& blob) const { return fetches_.contains(blob); }
  const auto& fetches() const { return fetches_; }
  // Bytes on disk of the fetches under way (their partial files).
  uint64_t ArrivingBytes() const;
  // A chunk of `blob` that came straight over a session (DATA): offered to
  // the fetch, held back until its torrent is known.
  void OfferChunk(const BlobId& blob, uint32_t index, const Bytes& sealed);
  void Tick(std::chrono::steady_clock::time_point now, bool external);
  // The transfer has events (on the node's thread).
  void OnTransferEvents();

  void OnTorrentRequest(const DeviceId& from, const BlobId& blob);
  void OnTorrent(const DeviceId& from, TorrentReply reply);

  struct Fetch {
    std::set<DeviceId> asked;      // torrent requested from
    std::set<DeviceId> connected;  // swarm connections made to
    // Someone waits for it (a fetch, a stream): its first chunks are also
    // read straight over the control session. Not for replication.
    bool urgent = false;
    // Chunks read straight from a holder before its TORRENT reply came
    // (it waits for the holder's seed): offered to the swarm once added.
    std::vector<std::pair<uint32_t, Bytes>> early_chunks;
    std::chrono::steady_clock::time_point started{};
    // When the holders were last asked: a fetch that is still not done a
    // while later asks them again (a holder's seed may have failed and been
    // dropped -- an original kept in place that was being moved -- and it
    // seeds again when asked).
    std::chrono::steady_clock::time_point asked_at{};
  };

 private:
  void AskHolders(const BlobId& blob, Fetch& fetch);
  // Sends the TORRENT replies held back until `blob`'s seed took peers
  // (`ready`), or says it is not to be had.
  void AnswerSeedWaiters(const BlobId& blob, bool ready);
  // Torrents of fetches just started are saved together, after the burst of
  // replies they came in (one commit instead of one per blob).
  void QueueTorrentSave(const BlobId& blob, Bytes torrent);
  void SaveQueuedTorrents();
  // Blobs whose fetch finished: recorded, announced, and their slots reused.
  void Fetched(const std::vector<BlobId>& fetched);

  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  Hooks hooks_;
  std::unique_ptr<swarm::BlobTransfer> transfer_;
  std::map<BlobId, Fetch> fetches_;
  std::map<BlobId, std::chrono::steady_clock::time_point> retry_after_;  // after a failed fetch
  std::map<BlobId, std::vector<DeviceId>> seed_waiters_;
  std::vector<std::pair<BlobId, Bytes>> torrents_to_save_;
  // Removes wanted rows of blobs held here (every kIdleCheckEvery).
  void DropWantedHeldHere();
  std::chrono::steady_clock::time_point last_drive_{};
  bool drive_soon_ = false;
  std::chrono::steady_clock::time_point last_idle_check_{};
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace hearth::mesh

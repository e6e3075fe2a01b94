// Swarm: this node's one libtorrent session, moving encrypted blobs between
// household devices.
//
// One torrent per blob, added when needed: Seed() for a blob this device
// holds (seed mode, so each piece is hash-checked the first time it is sent
// and a damaged local copy is never served), Fetch() for one it wants. A
// fetch downloads into PARTIAL_DIR/<hex> and, once every piece has passed its
// hash, is moved into the blob store's place, fsynced (on a thread of its
// own, see FsyncWorker) and reported as kFetched. A fetch that is restarted finds its partial file and keeps the
// verified pieces. Peers come only from the mesh (ConnectPeer); DHT, LSD,
// UPnP, NAT-PMP, PEX, trackers and uTP are off, and the SwarmGuard decides
// who may be served.
//
// Not thread-safe: call from one thread (the mesh's). `notify` is called on
// libtorrent's thread when events are waiting; it should post a call to
// Poll() to the owner's thread.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "node/swarm/blob_transfer.h"
#include "node/swarm/fsync_worker.h"
#include "node/swarm/in_place_disk_io.h"
#include "node/swarm/swarm_guard.h"
#include "protocol/ids.h"

namespace hearth::swarm {

struct SwarmOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT for BitTorrent connections
  std::string partial_dir;             // where fetches in progress live
  std::string blob_dir;                // blob store root: BLOB_DIR/ab/<hex>
  std::function<void()> notify;
  int download_limit = 0;  // bytes per second over all torrents; 0 = none
  // Seeds check each piece against its hash the first time they send it,
  // so a damaged local copy is never served. Off only to build a lying
  // peer in tests (pieces are then sent as they are on disk).
  bool verify_seeds = true;
  // Blobs kept in place (store/in_place.h): which are, and how to read
  // their sealed bytes (thread-safe; see in_place_disk_io.h). Unset: none.
  std::function<bool(const BlobId&)> in_place;
  InPlaceReader in_place_read;
};

class Swarm final : public BlobTransfer {
 public:
  static std::expected<std::unique_ptr<Swarm>, std::string> Start(SwarmOptions options,
                                                                  std::shared_ptr<SwarmGuard> guard);
  ~Swarm() override;

  uint16_t port() const override;

  // Adds a held blob as a seed (no-op if already added). libtorrent turns
  // away peers until the seed's files are checked, which under a busy disk
  // takes a moment: kSeedReady says when (SeedReady() asks).
  std::expected<void, std::string> Seed(const BlobId& blob, ByteSpan torrent) override;
  bool SeedReady(const BlobId& blob) const override;
  // Starts fetching a blob (no-op if already added). The torrent's info-hash
  // must be `blob`.
  std::expected<void, std::string> Fetch(const BlobId& blob, ByteSpan torrent) override;
  bool Has(const BlobId& blob) const override { return torrents_.contains(blob); }
  void ConnectPeer(const BlobId& blob, const std::string& host, uint16_t port) override;
  // Offers piece `index` of a fetch, received some other way (a direct
  // read); libtorrent checks it against the piece hash before keeping it.
  void AddPiece(const BlobId& blob, uint32_t index, ByteSpan data) override;
  bool HavePiece(const BlobId& blob, uint32_t index) const override;
  // A player needs pieces `first`.. `first + count - 1` of a fetch soon:
  // libtorrent asks for them before the rest (a seek re-prioritises).
  void Prioritize(const BlobId& blob, uint32_t first, uint32_t count) override;
  // Removes a torrent from the session (its files stay).
  void Remove(const BlobId& blob) override;
  // Removes a fetch and deletes its partial file (a fetch that cannot go
  // on: the disk is full). A blob that is whole already is only removed.
  void DiscardFetch(const BlobId& blob) override;
  std::optional<TransferStatus> Status(const BlobId& blob) const override;
  // Seeds with no peer for `idle_us`; the caller may Remove them.
  std::vector<BlobId> IdleSeeds(int64_t now_us, int64_t idle_us) override;

  // Handles libtorrent's alerts and returns what happened.
  std::vector<SwarmEvent> Poll() override;
  // Looks at every fetch for a check or a finish whose alert was lost (a
  // safety net; call every few seconds). What it finds shows up in Poll().
  void Sweep() override;

  std::string PartialPath(const BlobId& blob) const override;

 private:
  struct Torrent {
    lt::torrent_handle handle;
    bool fetching = false;
    int64_t last_active_us = 0;
    uint64_t downloaded = 0;
    bool checked = false;  // libtorrent drops add_piece() until its check is done
    bool paused = false;   // a new fetch, resumed once checked (see Add)
    bool moving = false;   // finished: being moved into the blob store
    std::vector<std::pair<uint32_t, Bytes>> pending;
  };
  Swarm(SwarmOptions options, std::shared_ptr<SwarmGuard> guard)
      : options_(std::move(options)), guard_(std::move(guard)) {}
  std::expected<void, std::string> Add(const BlobId& blob, ByteSpan torrent, bool fetch);
  std::optional<BlobId> BlobOf(const lt::torrent_handle& h) const;
  // The blob store's directory for `blob`, and its file there.
  std::string StoredDir(const BlobId& blob) const;
  std::string StoredPath(const BlobId& blob) const;
  void OnChecked(const BlobId& blob, std::vector<SwarmEvent>& events);
  void OnFinished(const BlobId& blob);
  void OnMoved(const BlobId& blob);

  SwarmOptions options_;
  std::shared_ptr<SwarmGuard> guard_;
  std::unique_ptr<lt::session> session_;
  std::map<BlobId, Torrent> torrents_;
  std::map<lt::torrent_handle, BlobId> by_handle_;
  std::vector<SwarmEvent> swept_;  // found by Sweep(), returned by the next Poll()
  std::unique_ptr<FsyncWorker> fsync_;  // last: its thread may call options_.notify
};

}  // namespace hearth::swarm

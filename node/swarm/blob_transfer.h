// BlobTransfer: how a node moves whole encrypted blobs between household
// devices -- the seam between the mesh and libtorrent. Swarm (swarm.h) is
// the one the node uses; an in-memory fake can stand in where a test or the
// simulator wants blobs to move without sockets. The mesh decides what to
// seed and fetch and from whom (ConnectPeer); a transfer only moves and
// verifies bytes, and reports what happened through Poll().
//
// Threads: called from one thread (the mesh's). SwarmOptions::notify may be
// called on any thread when Poll() has something to say.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth::swarm {

struct SwarmEvent {
  enum class Kind {
    kFetched,     // the blob is whole, verified and in the blob store
    kFailed,      // the fetch cannot go on (disk error); detail says why
    kHashFailed,  // a received piece failed its hash (it will be fetched again)
    kPeerBanned,  // a peer was banned for sending bad data; detail: its endpoint
    kPieceDone,   // piece `piece` of a fetch arrived and passed its hash
    kSeedReady,   // a seed added by Seed() takes connections now
  };
  Kind kind;
  BlobId blob;
  std::string detail;
  uint64_t downloaded = 0;  // kFetched: payload bytes received by this run
  int piece = -1;           // kPieceDone
  bool disk_full = false;   // kFailed: because the disk (or quota) is full
  std::optional<DeviceId> peer;  // kPeerBanned: the device it proved to be, if it did
};

struct TransferStatus {
  uint64_t total = 0;
  uint64_t done = 0;       // verified bytes
  int peers = 0;
  bool seeding = false;
};

class BlobTransfer {
 public:
  virtual ~BlobTransfer() = default;

  virtual uint16_t port() const = 0;  // where peers connect
  // Adds a held blob as a seed (no-op if already added). It may take
  // connections only a moment later: kSeedReady says when (SeedReady asks).
  virtual std::expected<void, std::string> Seed(const BlobId& blob, ByteSpan torrent) = 0;
  virtual bool SeedReady(const BlobId& blob) const = 0;
  // Starts fetching a blob (no-op if already added). The torrent's
  // info-hash must be `blob`.
  virtual std::expected<void, std::string> Fetch(const BlobId& blob, ByteSpan torrent) = 0;
  virtual bool Has(const BlobId& blob) const = 0;  // seeding or fetching it
  // A device that holds (or fetches) `blob` listens at `host`:`port`.
  virtual void ConnectPeer(const BlobId& blob, const std::string& host, uint16_t port) = 0;
  // Offers piece `index` of a fetch, received some other way (a direct
  // read); it is checked against the piece hash before it is kept.
  virtual void AddPiece(const BlobId& blob, uint32_t index, ByteSpan data) = 0;
  virtual bool HavePiece(const BlobId& blob, uint32_t index) const = 0;
  // A player needs pieces `first`..`first + count - 1` of a fetch soon.
  virtual void Prioritize(const BlobId& blob, uint32_t first, uint32_t count) = 0;
  // Stops seeding or fetching (a fetch's partial file stays).
  virtual void Remove(const BlobId& blob) = 0;
  // Removes a fetch and deletes its partial file (the disk is full). A blob
  // that is whole already is only removed.
  virtual void DiscardFetch(const BlobId& blob) = 0;
  virtual std::optional<TransferStatus> Status(const BlobId& blob) const = 0;
  // Seeds with no peer for `idle_us`; the caller may Remove them.
  virtual std::vector<BlobId> IdleSeeds(int64_t now_us, int64_t idle_us) = 0;
  // What happened since the last call.
  virtual std::vector<SwarmEvent> Poll() = 0;
  // Looks for events that were lost (a safety net; every few seconds).
  virtual void Sweep() = 0;
  // Where a fetch under way writes (its size on disk is what it took so far).
  virtual std::string PartialPath(const BlobId& blob) const = 0;
};

}  // namespace hearth::swarm

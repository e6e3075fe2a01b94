// In-memory blob transfer (blob_transfer.h): whole blobs copied from one
// node's blob store to another's, between the MemoryBlobTransfers of one
// MemoryBlobNetwork -- no sockets, no libtorrent -- for tests, and for the
// simulator to come. A fetch completes when the mesh names a peer
// (ConnectPeer) that seeds the blob and whose SwarmGuard admits this node's
// device, exactly as libtorrent's extension handshake would; bytes are
// copied as they are on the seed's disk (no piece hashes: a test that needs
// verification of received bytes uses Swarm). Single-threaded: every
// transfer of a network on one thread; `notify` is called inline.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "node/swarm/blob_transfer.h"
#include "node/swarm/swarm.h"

namespace hearth::swarm {

class MemoryBlobTransfer;

class MemoryBlobNetwork {
 public:
  using Factory = std::function<std::expected<std::unique_ptr<BlobTransfer>, std::string>(
      SwarmOptions, std::shared_ptr<SwarmGuard>)>;
  // What MeshOptions::blob_transfer takes: each transfer it makes listens at
  // `host` on a port of its own. The network must outlive them.
  Factory FactoryFor(std::string host);
  uint64_t bytes_copied() const { return bytes_copied_; }

 private:
  friend class MemoryBlobTransfer;
  std::map<std::pair<std::string, uint16_t>, MemoryBlobTransfer*> transfers_;
  uint16_t next_port_ = 50000;
  uint64_t bytes_copied_ = 0;
};

}  // namespace hearth::swarm

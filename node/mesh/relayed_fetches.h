// RelayedFetches: fetches from a member reached only through a relay or a
// punched hole. The swarm cannot connect to such a holder (no address of
// its swarm port this device can dial), so the blob's chunks are read over
// the mesh session instead (READ/DATA, kPullWindow chunks in flight) and handed to the
// fetch, whose transfer checks each against its piece hash like any
// downloaded piece (Fetcher::OfferChunk). A fetch with a holder whose
// swarm can be reached (PeerSessions::SwarmReachable) is left to the swarm.
//
// Single-threaded, on the node's thread; borrows the context, sessions,
// have index and fetcher, which outlive it.
#pragma once

#include <chrono>
#include <map>

#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class RelayedFetches {
 public:
  static constexpr uint32_t kPullWindow = 32;                 // chunks asked and not yet come
  static constexpr std::chrono::seconds kStallAfter{20};      // no chunk for this long: ask again

  RelayedFetches(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher)
      : ctx_(ctx), peers_(peers), have_(have), fetcher_(fetcher) {}

  void Tick(std::chrono::steady_clock::time_point now);
  // A DATA frame (after ChunkReads and the fetch had it).
  void OnData(const DeviceId& from, const ChunkData& data);
  size_t pulling() const { return pulls_.size(); }

 private:
  struct Pull {
    DeviceId from;
    uint32_t next = 0;  // the next chunk to ask for
    uint32_t end = 0;   // chunks in the blob
    uint32_t in_flight = 0;
    std::chrono::steady_clock::time_point heard{};
  };
  void Fill(const BlobId& blob, Pull& pull);

  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  std::map<BlobId, Pull> pulls_;
};

}  // namespace hearth::mesh

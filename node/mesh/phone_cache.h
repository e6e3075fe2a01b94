// PhoneCache: a phone keeps what it pins and what it streamed or fetched;
// when the policy gives it a storage budget and what it holds grows past it,
// the least recently played blobs go first -- never a pinned one, never the
// one played last, never one still being read, and never one that no other
// online member says it holds (so the household's last copy is never
// dropped). What is left over budget by pins alone stays.
//
// Single-threaded, on the node's thread; borrows the context and the parts
// it asks, which outlive it.
#pragma once

#include <chrono>
#include <string>

#include "node/mesh/chunk_reads.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class PhoneCache {
 public:
  PhoneCache(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, ChunkReads& reads)
      : ctx_(ctx), peers_(peers), have_(have), reads_(reads) {}

  // One pass (a policy tick); looks again only when what is held, the
  // budget or who is online changed, or a minute passed.
  void Trim();

 private:
  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  ChunkReads& reads_;
  std::string key_;  // inputs of the last pass
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace hearth::mesh

// ChunkReads: sealed chunks for players, and for members that read. A player
// asks for chunk i of a blob; it comes from the blob store, from a fetch's
// verified pieces, or over the control session of a member that holds it
// (READ/DATA: no wait for the swarm's unchoke tick), while the Fetcher
// fetches the blob in order behind it. Each waiter is answered once: with
// the chunk, or an error at its deadline or when the node stops. READs from
// members are answered from the store.
//
// Single-threaded, on the node's thread; borrows the context, the sessions,
// the have index and the fetcher, which outlive it.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/mesh_error.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class ChunkReads {
 public:
  // The sealed chunk, or kStopping / kChunkTimedOut.
  using ChunkDone = std::function<void(std::expected<Bytes, MeshError>)>;

  ChunkReads(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher)
      : ctx_(ctx), peers_(peers), have_(have), fetcher_(fetcher) {}

  // See MeshNode::ReadChunk. `elsewhere`: never from this device's blob
  // store (its copy failed authentication).
  void Read(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done,
            bool elsewhere = false);
  // Whether a player waits for a chunk of `blob`.
  bool IsBeingRead(const BlobId& blob) const;
  // Answers waiters whose time is up (all of them once the node stops) and
  // asks again for the others.
  void Tick(std::chrono::steady_clock::time_point now);

  // The fetch of `blob` verified piece `piece`, or finished.
  void OnPiece(const BlobId& blob, int piece);
  void OnBlob(const BlobId& blob);

  void OnRead(const DeviceId& from, const ReadRequest& read);
  void OnData(const DeviceId& from, const ChunkData& data);

 private:
  using ChunkKey = std::pair<BlobId, uint32_t>;
  struct Waiter {
    ChunkDone done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::optional<Bytes> LocalChunk(const BlobId& blob, uint32_t index);
  void Request(const BlobId& blob, uint32_t index);
  void Deliver(const BlobId& blob, uint32_t index, const Bytes& sealed);

  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  std::map<ChunkKey, std::vector<Waiter>> waiters_;
  std::map<ChunkKey, std::chrono::steady_clock::time_point> reads_sent_;
};

}  // namespace hearth::mesh

// HaveIndex: which blobs this device holds (its blob store, rescanned after
// local ledger changes and every minute) and which each member said it
// holds (HAVE sets, kept only in the store's peer_blobs: a member holding
// 100,000 blobs costs this process no memory; each question is one indexed
// lookup). A member's rows are its last whole set plus additions since,
// from this run or an earlier one; a member sends its whole set again as
// soon as it connects.
// It tells members what is held here: the whole set when a member comes
// online or something was dropped, additions as they arrive.
//
// Single-threaded, on the node's thread; borrows the context and the
// sessions, which outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/swarm/blob_transfer.h"

namespace hearth::mesh {

class HaveIndex {
 public:
  struct Hooks {
    // `peer` newly lists `blob` (not in its set before): earlier proofs
    // about the pair no longer say anything.
    std::function<void(const BlobId& blob, const DeviceId& peer)> newly_listed;
    std::function<void()> have_received;  // after every HAVE
  };
  HaveIndex(MeshContext& ctx, PeerSessions& peers, Hooks hooks) : ctx_(ctx), peers_(peers), hooks_(std::move(hooks)) {}

  // Where Drop() removes a blob from the swarm; set once it runs (may stay
  // null).
  void set_transfer(swarm::BlobTransfer* transfer) { transfer_ = transfer; }

  const std::set<BlobId>& local() const { return local_; }
  bool HoldsLocally(const BlobId& b) const { return local_.contains(b); }
  // Whether member `d` listed `b` (online or not). A failed read counts
  // as not listed (and is logged).
  bool Lists(const DeviceId& d, const BlobId& b) const;
  // Whether a member online now listed `b`.
  bool HasOnlineHolder(const BlobId& b) const;
  // Bumped by every HAVE received.
  uint64_t version() const { return version_; }
  // Bumped whenever local() changes.
  uint64_t local_version() const { return local_version_; }

  // Rescans the blob store now, or at the next tick.
  void Refresh();
  void MarkDirty() { dirty_ = true; }
  void Tick(std::chrono::steady_clock::time_point now);

  // `blob` arrived here (fetched): held now. Announce() it, with others.
  void Hold(const BlobId& blob) { local_version_ += local_.insert(blob).second; }
  // `blob` is no longer held here (set aside by BlobRepair). Call SendSetToAll.
  void Forget(const BlobId& blob) { local_version_ += local_.erase(blob); }
  // Tells every member these blobs are held here now.
  void Announce(const std::vector<BlobId>& added) const;
  // Deletes a held blob (phone cache, surplus): out of the swarm and the
  // store. Call SendSetToAll once done dropping.
  std::expected<void, std::string> Drop(const BlobId& blob);
  void SendSet(Connection& c) const;
  // Sends the whole set to every member soon: at the next tick, and at most
  // once every kWholeSetEvery however often it was asked meanwhile. A burst
  // of changes (ten thousand damaged copies set aside in a minute) costs a
  // set every few seconds, not one per change (3.2 MB each at 100,000 blobs).
  void SendSetToAll() { set_pending_ = true; }
  static constexpr auto kWholeSetEvery = std::chrono::seconds(2);

  void OnHave(const DeviceId& from, const Have& have);
  // `from` said it cannot give `blob` after all.
  void Unlist(const DeviceId& from, const BlobId& blob);

 private:
  MeshContext& ctx_;
  PeerSessions& peers_;
  Hooks hooks_;
  swarm::BlobTransfer* transfer_ = nullptr;
  std::set<BlobId> local_;
  uint64_t version_ = 0;
  uint64_t local_version_ = 0;
  bool dirty_ = false;
  bool set_pending_ = false;  // SendSetToAll() asked since the last set went
  std::chrono::steady_clock::time_point last_set_{};
  std::chrono::steady_clock::time_point last_scan_{};
};

}  // namespace hearth::mesh

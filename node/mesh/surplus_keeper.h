// SurplusKeeper: a full or storage device drops the replicas placement does
// not assign it, only on proof, and proves what it holds when asked.
//
// The plan (replica_placement.h) assigns each blob to up to `copies`
// devices; whatever else a full or storage device holds is surplus
// (replicas made while an assigned device was away, copies it imported). A
// surplus blob is dropped only once every assigned device is online, lists
// the blob in its HAVE set and answers a possession proof (PROVE/PROOF: a
// digest of a chunk chosen at random under a fresh nonce) saying it keeps
// the blob. A device that keeps a blob promises not to drop it for a while,
// and a proof counts only for a while from when it was asked
// (possession_proofs.h), so the prover still holds the blob whenever a copy
// is dropped on its word -- even when two devices disagree for a while about
// placement. A device whose proof fails is not believed about that blob for
// a while. A device short of room for what it is assigned may drop on one
// proved holder's word (replica_rules.h, PlanSurplus).
//
// Never dropped: pinned blobs, blobs played or fetched on purpose in the
// last day (a full device's cache), blobs being read or fetched, blobs this
// device promised to keep, blobs no ledger claim names, blobs no device is
// assigned, and the copies this device imported unless every assigned
// holder is more available than this one.
//
// Single-threaded, on the node's thread; borrows the context and the parts
// it asks, which outlive it.
#pragma once

#include <chrono>
#include <string>

#include "node/mesh/chunk_reads.h"
#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"
#include "node/mesh/possession_proofs.h"
#include "node/mesh/replica_placement.h"

namespace hearth::mesh {

class SurplusKeeper {
 public:
  SurplusKeeper(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher, ChunkReads& reads,
                ReplicaPlacement& placement);

  // One pass over what this device holds beyond `placement` (a policy tick).
  void Pass(const Placement& placement);

  void OnProve(const DeviceId& from, const ProveRequest& prove);
  void OnProof(const DeviceId& from, const ProofReply& proof);
  // `peer` newly lists `blob`: proofs about the pair say nothing any more.
  void NewlyListed(const BlobId& blob, const DeviceId& peer) { proofs_.ForgetPair(blob, peer); }
  // Its proofs, good or bad, were about the session that ended.
  void MemberDown(const DeviceId& peer) { proofs_.ForgetDevice(peer); }

 private:
  MeshContext& ctx_;
  PeerSessions& peers_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  ChunkReads& reads_;
  ReplicaPlacement& placement_;
  // Proofs asked of assigned holders before a drop, and the promises to
  // keep this device gave.
  PossessionProofs proofs_;
  // The held blobs the placement does not assign here, with their assigned
  // devices -- recomputed only when the placement, the ledger or what is
  // held changes (or every 30 s); each pass then looks at these.
  Surplus surplus_;
  std::string placement_key_;
  std::string pass_key_;  // adds who is online and the HAVE sets
  std::string need_key_;  // what need_ was counted from
  uint64_t need_ = 0;     // bytes of the blobs assigned here that are not held
  std::chrono::steady_clock::time_point last_surplus_{};
  size_t kept_in_place_ = 0;  // originals kept in place that would be surplus (logged when it changes)
};

}  // namespace hearth::mesh

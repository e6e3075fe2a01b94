// BlobRepair: a damaged copy here is set aside and made whole again from
// another holder. The Scrubber verifies every held blob in the background
// (and at once when a read of it failed authentication); a blob that fails
// is quarantined (node/store/blob_store.h: moved aside, no longer held,
// served or announced), wanted again with reason "repair", and fetched from
// a member that holds it -- verified piece by piece as every fetch is. Once
// it is whole here again, the quarantined copy is deleted. Until then
// `hearth status` counts it (health.damaged).
//
// Single-threaded on the node's thread, except the Scrubber's own thread;
// borrows the context, the have index and the fetcher, which outlive it.
#pragma once

#include <memory>

#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/scrubber.h"

namespace hearth::mesh {

class BlobRepair {
 public:
  BlobRepair(MeshContext& ctx, HaveIndex& have, Fetcher& fetcher) : ctx_(ctx), have_(have), fetcher_(fetcher) {}
  ~BlobRepair();

  // Starts the background verification (options.scrub).
  void Start();
  void Stop();
  // A read of `blob` failed authentication: verify it now.
  void CheckNow(const BlobId& blob);
  // `blob` arrived (a fetch finished): a quarantined copy of it goes.
  void Arrived(const BlobId& blob);

 private:
  void Damaged(const BlobId& blob, const std::string& why);

  MeshContext& ctx_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  std::unique_ptr<Scrubber> scrubber_;
};

}  // namespace hearth::mesh

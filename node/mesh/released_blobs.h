// ReleasedBlobs: a blob no live claim names any more (its tracks were
// forgotten, or a re-tagged file's new version replaced it) is deleted from
// this device once it has stayed unclaimed for `released_grace`
// (MeshOptions). The grace covers an import whose blob is stored a moment
// before its claim is written, and a ledger that is still catching up.
//
// Never deleted here: originals kept in place (the importing device lets
// those go when it releases them; the file is the user's), blobs being
// fetched or read.
//
// Single-threaded, on the node's thread; borrows the context and the parts
// it asks, which outlive it.
#pragma once

#include <chrono>
#include <map>

#include "node/mesh/chunk_reads.h"
#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/mesh_context.h"

namespace hearth::mesh {

class ReleasedBlobs {
 public:
  ReleasedBlobs(MeshContext& ctx, HaveIndex& have, Fetcher& fetcher, ChunkReads& reads)
      : ctx_(ctx), have_(have), fetcher_(fetcher), reads_(reads) {}

  // Looks at what is held at most every few seconds.
  void Tick(std::chrono::steady_clock::time_point now);

 private:
  MeshContext& ctx_;
  HaveIndex& have_;
  Fetcher& fetcher_;
  ChunkReads& reads_;
  std::map<BlobId, std::chrono::steady_clock::time_point> unclaimed_since_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace hearth::mesh

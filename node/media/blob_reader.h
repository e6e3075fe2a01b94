// Reading the plaintext of a blob from its sealed chunks, wherever they are.
//
// A ChunkReader delivers sealed chunk `index` of a blob: from this device's
// store, from a fetch in progress, or from another device (mesh.h's
// ReadChunk). It calls `done` exactly once, on any thread. Each chunk
// decrypts on its own (crypto/blob_cipher.h), so a reader can start
// anywhere: that is what makes seek cheap.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "crypto/blob_cipher.h"
#include "protocol/ids.h"

namespace hearth::media {

using SealedChunk = std::expected<Bytes, std::string>;
using ChunkCallback = std::function<void(SealedChunk)>;
using ChunkReader = std::function<void(const BlobId& blob, uint32_t index, ChunkCallback done)>;

// The plaintext of one blob. Open() is thread-safe; ReadAt() keeps a
// one-chunk cache and belongs to one thread at a time.
class PlainBlob {
 public:
  PlainBlob(ChunkReader reader, const BlobId& blob, const crypto::Secret<32>& key, uint64_t plaintext_length);

  const BlobId& blob() const { return blob_; }
  uint64_t size() const { return cipher_.plaintext_length(); }
  uint64_t chunk_count() const { return cipher_.chunk_count(); }
  const ChunkReader& reader() const { return reader_; }

  // Where to turn when a chunk from the reader does not open: `elsewhere`
  // reads it from another device, and `damaged` is told (once) so that the
  // copy here is checked and repaired. Set before the first ReadAt.
  void SetFallback(ChunkReader elsewhere, std::function<void()> damaged);

  // Decrypts a sealed chunk; an error names the chunk when it does not open
  // (a damaged or forged copy).
  std::expected<Bytes, std::string> Open(uint64_t index, const Bytes& sealed) const;

  // Blocking: fills `out` with plaintext from `offset` (fewer bytes at the
  // end; 0 past it), waiting at most `wait` for each chunk. For worker
  // threads (the transcoder), never for an event loop.
  std::expected<size_t, std::string> ReadAt(uint64_t offset, MutableByteSpan out,
                                            std::chrono::milliseconds wait = std::chrono::seconds(20));

 private:
  // One chunk from `reader`, waiting at most `wait`.
  static SealedChunk Fetch(const ChunkReader& reader, const BlobId& blob, uint64_t index,
                           std::chrono::milliseconds wait);

  ChunkReader reader_;
  ChunkReader elsewhere_;
  std::function<void()> damaged_;
  bool told_damaged_ = false;
  BlobId blob_;
  crypto::BlobCipher cipher_;
  int64_t cached_index_ = -1;
  Bytes cached_;
};

}  // namespace hearth::media

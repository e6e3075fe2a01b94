#include "node/media/blob_reader.h"

#include <algorithm>
#include <future>
#include <utility>

namespace hearth::media {

PlainBlob::PlainBlob(ChunkReader reader, const BlobId& blob, const crypto::Secret<32>& key, uint64_t plaintext_length)
    : reader_(std::move(reader)), blob_(blob), cipher_(key, plaintext_length) {}

void PlainBlob::SetFallback(ChunkReader elsewhere, std::function<void()> damaged) {
  elsewhere_ = std::move(elsewhere);
  damaged_ = std::move(damaged);
}

SealedChunk PlainBlob::Fetch(const ChunkReader& reader, const BlobId& blob, uint64_t index,
                             std::chrono::milliseconds wait) {
  auto promise = std::make_shared<std::promise<SealedChunk>>();
  auto future = promise->get_future();
  reader(blob, static_cast<uint32_t>(index), [promise](SealedChunk c) { promise->set_value(std::move(c)); });
  if (future.wait_for(wait) != std::future_status::ready)
    return std::unexpected("timed out waiting for chunk " + std::to_string(index) + " of blob " + blob.ShortHex());
  return future.get();
}

std::expected<Bytes, std::string> PlainBlob::Open(uint64_t index, const Bytes& sealed) const {
  Bytes plain(crypto::PlainChunkLength(size(), index));
  auto n = cipher_.OpenChunk(index, sealed, plain);
  if (!n)
    return std::unexpected("chunk " + std::to_string(index) + " of blob " + blob_.ShortHex() +
                           " does not decrypt (" + std::string(crypto::Describe(n.error())) + ")");
  plain.resize(*n);
  return plain;
}

std::expected<size_t, std::string> PlainBlob::ReadAt(uint64_t offset, MutableByteSpan out,
                                                     std::chrono::milliseconds wait) {
  size_t done = 0;
  while (done < out.size() && offset + done < size()) {
    const uint64_t pos = offset + done;
    const uint64_t index = pos / crypto::kPlainChunkSize;
    if (cached_index_ != static_cast<int64_t>(index)) {
      SealedChunk sealed = Fetch(reader_, blob_, index, wait);
      if (!sealed) return std::unexpected(sealed.error());
      auto plain = Open(index, *sealed);
      if (!plain && elsewhere_) {
        // A damaged copy (or a lying device): this chunk from another
        // holder, and the copy here looked at.
        if (damaged_ && !std::exchange(told_damaged_, true)) damaged_();
        sealed = Fetch(elsewhere_, blob_, index, wait);
        if (!sealed) return std::unexpected(plain.error() + "; from another device: " + sealed.error());
        plain = Open(index, *sealed);
      }
      if (!plain) return std::unexpected(plain.error());
      cached_ = std::move(*plain);
      cached_index_ = static_cast<int64_t>(index);
    }
    const uint64_t within = pos - index * crypto::kPlainChunkSize;
    if (within >= cached_.size()) break;
    const size_t n = std::min<uint64_t>(out.size() - done, cached_.size() - within);
    std::copy_n(cached_.begin() + static_cast<ptrdiff_t>(within), n, out.begin() + static_cast<ptrdiff_t>(done));
    done += n;
  }
  return done;
}

}  // namespace hearth::media

#include "node/library/blob_sealer.h"

#include "crypto/blob_cipher.h"

namespace hearth::library {

std::expected<swarm::BlobTorrent, std::string> SealIntoStore(store::BlobStore& blobs,
                                                             const crypto::Secret<32>& key,
                                                             ByteSpan plaintext) {
  auto writer = blobs.Create();
  if (!writer) return std::unexpected(writer.error().message);
  swarm::BlobTorrentBuilder torrent;
  std::string write_error;
  crypto::BlobEncryptor encryptor(key, plaintext.size(), [&](ByteSpan chunk) {
    torrent.AddPiece(chunk);
    auto w = writer->Write(chunk);
    if (!w) write_error = w.error().message;
    return w.has_value();
  });
  // Feed in 1 MiB steps so the sink sees chunks while they are hot in cache.
  constexpr size_t kStep = 1 << 20;
  for (size_t at = 0; at < plaintext.size(); at += kStep) {
    if (!encryptor.Write(plaintext.subspan(at, std::min(kStep, plaintext.size() - at)))) break;
  }
  if (!encryptor.Finish()) {
    return std::unexpected(write_error.empty() ? "encryption failed" : write_error);
  }
  auto built = torrent.Finish();
  if (!built) return std::unexpected(built.error());
  if (auto c = writer->Commit(built->id); !c) return std::unexpected(c.error().message);
  return std::move(*built);
}

std::expected<swarm::BlobTorrent, std::string> SealInPlace(store::BlobStore& blobs, const crypto::Secret<32>& key,
                                                           ByteSpan plaintext, const OriginalFile& original,
                                                           bool replace_copy, bool durable) {
  store::InPlaceRecord record;
  record.path = original.path;
  record.length = plaintext.size();
  record.mtime_ns = original.mtime_ns;
  record.inode = original.inode;
  record.key = key.Clone();
  swarm::BlobTorrentBuilder torrent;
  crypto::BlobEncryptor encryptor(key, plaintext.size(), [&](ByteSpan chunk) {
    torrent.AddPiece(chunk);
    record.digests.push_back(store::DigestOfChunk(chunk));
    return true;
  });
  constexpr size_t kStep = 1 << 20;
  for (size_t at = 0; at < plaintext.size(); at += kStep)
    if (!encryptor.Write(plaintext.subspan(at, std::min(kStep, plaintext.size() - at)))) break;
  if (!encryptor.Finish()) return std::unexpected("encryption failed");
  auto built = torrent.Finish();
  if (!built) return std::unexpected(built.error());
  const bool copy_here = blobs.Has(built->id) && !blobs.IsInPlace(built->id);
  if (copy_here && !replace_copy) return std::move(*built);
  if (auto added = blobs.AddInPlace(built->id, record, durable); !added)
    return std::unexpected(added.error().message);
  if (copy_here)
    if (auto removed = blobs.RemoveSealedCopy(built->id); !removed) return std::unexpected(removed.error().message);
  return std::move(*built);
}

}  // namespace hearth::library

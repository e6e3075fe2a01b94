// The deterministic torrent of a blob, whose BitTorrent v2 info-hash is the
// blob's BlobId (its swarm key).
//
// Torrent: a single file named "blob" of the blob's size, piece length 65,536
// (so piece i is sealed chunk i), v2 only, private, no trackers, no creator,
// no creation date. Every device holding the same ciphertext derives the
// same torrent and so the same BlobId.
//
// Piece hashes follow BEP 52 as libtorrent computes them: SHA-256 of each
// 16 KiB block (the last one may be short), and the piece hash is the Merkle
// root of its four block hashes, padded with all-zero hashes; a blob of a
// single piece pads its blocks only to the next power of two.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include <libtorrent/sha1_hash.hpp>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth::swarm {

inline constexpr int kPieceSize = 65536;
inline constexpr char kBlobFileName[] = "blob";

struct BlobTorrent {
  BlobId id;
  Bytes torrent;  // the bencoded .torrent file
};

// Builds a blob's torrent from its sealed chunks as they are produced, so
// the blob is never read back. Not thread-safe; one owner.
class BlobTorrentBuilder {
 public:
  // Adds the next piece: a full 65,536-byte sealed chunk, or the last one.
  void AddPiece(ByteSpan piece);
  // The torrent of everything added. Fails only if nothing was added.
  std::expected<BlobTorrent, std::string> Finish() const;

 private:
  std::vector<std::array<uint8_t, 32>> piece_hashes_;
  lt::sha256_hash first_piece_root_;
  uint64_t size_ = 0;
};

// The BlobId of a stored .torrent file (fails on a malformed one).
std::expected<BlobId, std::string> BlobIdOfTorrent(ByteSpan torrent);

}  // namespace hearth::swarm

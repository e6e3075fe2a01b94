#include "node/swarm/blob_torrent.h"

#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/torrent_info.hpp>

#include <cstring>

namespace hearth::swarm {
namespace {

constexpr int kBlockSize = 16384;
constexpr size_t kBlocksPerPiece = kPieceSize / kBlockSize;

lt::sha256_hash Sha256(ByteSpan data) {
  return lt::hasher256(reinterpret_cast<const char*>(data.data()), static_cast<int>(data.size()))
      .final();
}

lt::sha256_hash Pair(const lt::sha256_hash& a, const lt::sha256_hash& b) {
  lt::hasher256 h;
  h.update(a);
  h.update(b);
  return h.final();
}

}  // namespace

// The Merkle root of `leaves`, padded with zero hashes to `width` (a power of two).
lt::sha256_hash Root(std::vector<lt::sha256_hash> leaves, size_t width) {
  leaves.resize(width);
  for (; width > 1; width /= 2)
    for (size_t i = 0; i < width / 2; ++i) leaves[i] = Pair(leaves[2 * i], leaves[2 * i + 1]);
  return leaves[0];
}

void BlobTorrentBuilder::AddPiece(ByteSpan piece) {
  std::vector<lt::sha256_hash> blocks;
  for (size_t at = 0; at < piece.size() || blocks.empty(); at += kBlockSize)
    blocks.push_back(Sha256(piece.subspan(at, std::min<size_t>(kBlockSize, piece.size() - at))));
  lt::sha256_hash root = Root(blocks, kBlocksPerPiece);
  if (piece_hashes_.empty()) {
    // A blob of one piece is hashed over its own blocks, padded only to the
    // next power of two (BEP 52 as libtorrent does it); keep them for Finish.
    size_t width = 1;
    while (width < blocks.size()) width *= 2;
    first_piece_root_ = Root(blocks, width);
  }
  std::array<uint8_t, 32> out;
  std::memcpy(out.data(), root.data(), 32);
  piece_hashes_.push_back(out);
  size_ += piece.size();
}

std::expected<BlobTorrent, std::string> BlobTorrentBuilder::Finish() const {
  if (piece_hashes_.empty()) return std::unexpected("a blob has at least one piece");
  try {
    lt::file_storage fs;
    fs.add_file(kBlobFileName, static_cast<std::int64_t>(size_));
    lt::create_torrent ct(fs, kPieceSize, lt::create_torrent::v2_only);
    ct.set_priv(true);
    ct.set_creation_date(0);
    for (size_t i = 0; i < piece_hashes_.size(); ++i) {
      lt::sha256_hash h(reinterpret_cast<const char*>(piece_hashes_[i].data()));
      if (piece_hashes_.size() == 1) h = first_piece_root_;
      ct.set_hash2(lt::file_index_t{0}, lt::piece_index_t::diff_type{static_cast<int>(i)}, h);
    }
    std::vector<char> buf;
    lt::bencode(std::back_inserter(buf), ct.generate());
    BlobTorrent out;
    out.torrent.assign(buf.begin(), buf.end());
    auto id = BlobIdOfTorrent(out.torrent);
    if (!id) return std::unexpected(id.error());
    out.id = *id;
    return out;
  } catch (const std::exception& e) {
    return std::unexpected(std::string("cannot build the blob's torrent: ") + e.what());
  }
}

std::expected<BlobId, std::string> BlobIdOfTorrent(ByteSpan torrent) {
  lt::error_code ec;
  lt::torrent_info ti(lt::span<const char>(reinterpret_cast<const char*>(torrent.data()),
                                           static_cast<std::ptrdiff_t>(torrent.size())),
                      ec, lt::from_span);
  if (ec) return std::unexpected("malformed torrent: " + ec.message());
  if (!ti.info_hashes().has_v2()) return std::unexpected("torrent has no v2 info-hash");
  BlobId id;
  std::memcpy(id.bytes.data(), ti.info_hashes().v2.data(), 32);
  return id;
}

}  // namespace hearth::swarm

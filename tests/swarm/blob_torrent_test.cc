#include "node/swarm/blob_torrent.h"

#include <gtest/gtest.h>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>

#include <fstream>

#include "crypto/blob_cipher.h"
#include "tests/support/temp_dir.h"

namespace hearth::swarm {
namespace {

// What libtorrent itself produces by reading the file from disk.
BlobId ReferenceId(const std::string& dir, ByteSpan blob) {
  std::ofstream(dir + "/" + kBlobFileName, std::ios::binary)
      .write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
  lt::file_storage fs;
  fs.add_file(kBlobFileName, static_cast<std::int64_t>(blob.size()));
  lt::create_torrent ct(fs, kPieceSize, lt::create_torrent::v2_only);
  ct.set_priv(true);
  lt::set_piece_hashes(ct, dir);
  std::vector<char> buf;
  lt::bencode(std::back_inserter(buf), ct.generate());
  lt::torrent_info ti(buf, lt::from_span);
  BlobId id;
  std::memcpy(id.bytes.data(), ti.info_hashes().v2.data(), 32);
  return id;
}

BlobTorrent Build(ByteSpan blob) {
  BlobTorrentBuilder b;
  for (size_t at = 0; at < blob.size(); at += kPieceSize)
    b.AddPiece(blob.subspan(at, std::min<size_t>(kPieceSize, blob.size() - at)));
  return b.Finish().value();
}

TEST(BlobTorrent, StreamedPieceHashesGiveLibtorrentsOwnInfoHash) {
  hearth::testing::TempDir dir;
  for (size_t plain : {0u, 100u, 16000u, 20000u, 65520u, 65521u, 100000u, 5u * 65520u + 7u}) {
    Bytes file(plain, 0x3c);
    Bytes blob = crypto::SealBlob(crypto::Secret<32>::Random(), file);
    BlobTorrent t = Build(blob);
    EXPECT_EQ(t.id, ReferenceId(dir.path(), blob)) << "plaintext " << plain;
    EXPECT_EQ(BlobIdOfTorrent(t.torrent).value(), t.id);
  }
}

TEST(BlobTorrent, IsDeterministicPrivateAndV2Only) {
  Bytes blob = crypto::SealBlob(crypto::Secret<32>::Random(), Bytes(200000, 1));
  BlobTorrent a = Build(blob), b = Build(blob);
  EXPECT_EQ(a.torrent, b.torrent);
  lt::torrent_info ti(lt::span<const char>(reinterpret_cast<const char*>(a.torrent.data()),
                                           static_cast<std::ptrdiff_t>(a.torrent.size())),
                      lt::from_span);
  EXPECT_TRUE(ti.priv());
  EXPECT_FALSE(ti.info_hashes().has_v1());
  EXPECT_EQ(ti.piece_length(), kPieceSize);
  EXPECT_TRUE(ti.trackers().empty());
  EXPECT_EQ(ti.creation_date(), 0);
  EXPECT_TRUE(ti.creator().empty());
  Bytes other = blob;
  other[70000] ^= 1;
  EXPECT_NE(Build(other).id, a.id);
}

TEST(BlobTorrent, MalformedTorrentIsAnError) {
  EXPECT_FALSE(BlobIdOfTorrent(Bytes{'d', 'e', 'x'}));
  EXPECT_FALSE(BlobTorrentBuilder().Finish());
}

}  // namespace
}  // namespace hearth::swarm

// Scrub throughput: VerifyBlob (rebuilding each blob's torrent, as the
// background scrub does) at full speed over 48 blobs of 4 MiB in the page
// cache, against a bare pass that reads the same files in 64 KiB pieces and
// SHA-256s every byte with OpenSSL (the hasher libtorrent uses), in the same
// run. Target: ratio >= 0.8. Every run is printed.
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "crypto/sodium.h"
#include "node/mesh/scrubber.h"
#include "node/swarm/blob_torrent.h"

namespace {

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main() {
  using namespace hearth;
  constexpr size_t kBlobs = 48, kSize = 4 << 20;
  const std::string root = std::filesystem::temp_directory_path() / "hearth-bench-scrub";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  auto blobs = store::BlobStore::Open(root);
  if (!blobs) {
    std::fprintf(stderr, "cannot make a blob store in %s: %s\n", root.c_str(), blobs.error().message.c_str());
    return 1;
  }
  std::vector<BlobId> ids;
  Bytes bytes(kSize);
  for (size_t i = 0; i < kBlobs; ++i) {
    crypto::RandomBytes(bytes.data(), bytes.size());
    swarm::BlobTorrentBuilder builder;
    for (size_t at = 0; at < kSize; at += swarm::kPieceSize) builder.AddPiece(ByteSpan(bytes.data() + at, swarm::kPieceSize));
    ids.push_back(builder.Finish()->id);
    const std::string path = blobs->PathOf(ids.back());
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), kSize);
  }
  const double mb = static_cast<double>(kBlobs * kSize) / 1e6;
  std::printf("scrub (%zu blobs of %zu MiB, page cache, one core)\n", kBlobs, kSize >> 20);
  for (int run = 1; run <= 5; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    Bytes piece(swarm::kPieceSize);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    for (const BlobId& id : ids) {
      const int fd = ::open(blobs->PathOf(id).c_str(), O_RDONLY | O_CLOEXEC);
      EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
      ssize_t n;
      while ((n = ::read(fd, piece.data(), piece.size())) > 0) EVP_DigestUpdate(ctx, piece.data(), static_cast<size_t>(n));
      EVP_DigestFinal_ex(ctx, digest, &digest_length);
      ::close(fd);
    }
    EVP_MD_CTX_free(ctx);
    const double bare = Seconds(std::chrono::steady_clock::now() - t0);
    t0 = std::chrono::steady_clock::now();
    size_t whole = 0;
    for (const BlobId& id : ids) whole += mesh::VerifyBlob(blobs->PathOf(id), id).value_or(false) ? 1 : 0;
    const double ours = Seconds(std::chrono::steady_clock::now() - t0);
    if (whole != kBlobs) {
      std::printf("  run %d: %zu of %zu blobs verified whole: broken\n", run, whole, kBlobs);
      return 1;
    }
    std::printf("  run %d: baseline read + SHA-256 %.3f s %7.1f MB/s   scrub %.3f s %7.1f MB/s   ratio %.2f (target >= 0.80)\n",
                run, bare, mb / bare, ours, mb / ours, bare / ours);
  }
  std::filesystem::remove_all(root);
  return 0;
}

#include "node/library/library_ops.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "crypto/blob_cipher.h"
#include "crypto/hash.h"
#include "node/store/torrent_table.h"
#include "node/store/live_claims.h"

namespace hearth::library {
namespace {

std::string FreeName(const std::string& dir, const std::string& name) {
  std::string stem = name, ext;
  if (auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0) {
    stem = name.substr(0, dot);
    ext = name.substr(dot);
  }
  std::string candidate = dir + "/" + name;
  for (int n = 2; std::filesystem::exists(candidate); ++n)
    candidate = dir + "/" + stem + " (" + std::to_string(n) + ")" + ext;
  return candidate;
}

}  // namespace

std::expected<std::string, std::string> ExportTrack(store::Home& home, const TrackRecord& record,
                                                    const std::string& dest_dir) {
  if (!home.content_secret()) return std::unexpected("this device holds no content secret");
  if (!home.blobs().Has(record.blob)) {
    return std::unexpected("the audio of \"" + record.title + "\" is not stored on this device");
  }
  std::error_code ec;
  std::filesystem::create_directories(dest_dir, ec);
  if (ec) return std::unexpected("cannot create " + dest_dir + ": " + ec.message());

  crypto::BlobCipher cipher(home.content_secret()->BlobKey(record.sealed_file.bytes),
                            record.plaintext_length);
  std::string tmp = dest_dir + "/.hearth-export-" + record.claim.ShortHex();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected("cannot write " + tmp + ": " + std::strerror(errno));
  crypto::Blake2bStream hash;
  Bytes plain(crypto::kPlainChunkSize);
  std::string error;
  for (uint64_t i = 0; i < cipher.chunk_count() && error.empty(); ++i) {
    uint64_t n = crypto::PlainChunkLength(record.plaintext_length, i);
    auto sealed = home.blobs().Read(record.blob, i * crypto::kSealedChunkSize, n + crypto::kChunkTagSize);
    if (!sealed) {
      error = sealed.error().message;
      break;
    }
    auto opened = cipher.OpenChunk(i, *sealed, plain);
    if (!opened) {
      error = "stored blob is damaged at chunk " + std::to_string(i) + ": " +
              std::string(crypto::Describe(opened.error()));
      break;
    }
    hash.Update(ByteSpan(plain.data(), *opened));
    if (::write(fd, plain.data(), *opened) != static_cast<ssize_t>(*opened))
      error = std::string("cannot write: ") + std::strerror(errno);
  }
  if (error.empty() && ::fsync(fd) != 0) error = std::string("cannot write: ") + std::strerror(errno);
  ::close(fd);
  if (error.empty() && hash.Finish() != record.sealed_file.bytes)
    error = "exported bytes do not match the file id; the blob is damaged";
  if (!error.empty()) {
    ::unlink(tmp.c_str());
    return std::unexpected(error);
  }
  std::string name = record.source_path.substr(record.source_path.find_last_of('/') + 1);
  if (name.empty()) name = record.track.ShortHex() + "." + record.format;
  std::string final_path = FreeName(dest_dir, name);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    std::string e = std::strerror(errno);
    ::unlink(tmp.c_str());
    return std::unexpected("cannot write " + final_path + ": " + e);
  }
  return final_path;
}

std::expected<ForgetResult, std::string> ForgetTrack(store::Home& home, Catalog& catalog,
                                                     const TrackId& track) {
  auto claims = catalog.ClaimsOf(track);
  if (!claims) return std::unexpected(claims.error().message);
  if (claims->empty()) return std::unexpected("no such track");
  ForgetResult result;
  std::set<BlobId> blobs;
  for (const TrackRecord& r : *claims) {
    auto e = home.ledger().Author(home.device_key(), TrackRelease{r.claim}, SystemNowMicros());
    if (!e) return std::unexpected("cannot release claim " + r.claim.ShortHex() + ": " + e.error().Message());
    ++result.released;
    blobs.insert(r.blob);
  }
  if (auto s = catalog.Sync(home.ledger().ledger().state(), home.content_secret()); !s)
    return std::unexpected(s.error().message);
  // A blob goes only when no live claim at all (of any track) needs it.
  for (const BlobId& b : blobs) {
    auto needed = store::IsBlobClaimed(home.db(), b);
    if (!needed) return std::unexpected(needed.error().message);
    if (*needed || !home.blobs().Has(b)) continue;
    if (auto r = home.blobs().Remove(b); !r) return std::unexpected(r.error().message);
    (void)store::DeleteTorrent(home.db(), b);
    ++result.blobs_removed;
  }
  return result;
}

std::expected<ForgetResult, std::string> ForgetBlob(store::Home& home, Catalog& catalog, const BlobId& blob) {
  auto live = store::LiveClaimsOfBlob(home.db(), blob);
  if (!live) return std::unexpected(live.error().message);
  ForgetResult result;
  for (const store::LiveClaim& c : *live) {
    const EntryId& claim = c.entry;
    auto e = home.ledger().Author(home.device_key(), TrackRelease{claim}, SystemNowMicros());
    if (!e) return std::unexpected("cannot release claim " + claim.ShortHex() + ": " + e.error().Message());
    ++result.released;
  }
  if (auto s = catalog.Sync(home.ledger().ledger().state(), home.content_secret()); !s)
    return std::unexpected(s.error().message);
  if (home.blobs().Has(blob)) {
    if (auto r = home.blobs().Remove(blob); !r) return std::unexpected(r.error().message);
    (void)store::DeleteTorrent(home.db(), blob);
    ++result.blobs_removed;
  }
  return result;
}

std::expected<Bytes, std::string> ReadCover(store::Home& home, const crypto::Digest& digest) {
  if (!home.content_secret()) return std::unexpected("this device holds no content secret");
  BlobId id{digest};
  auto size = home.covers().SizeOf(id);
  if (!size) return std::unexpected("cover not on this device");
  auto sealed = home.covers().Read(id, 0, *size);
  if (!sealed) return std::unexpected(sealed.error().message);
  auto image = crypto::OpenBlob(home.content_secret()->Derive(crypto::kCoverKeyDomain, digest), *sealed);
  if (!image) return std::unexpected("stored cover is damaged");
  return std::move(*image);
}

std::expected<void, std::string> SaveCover(store::Home& home, const crypto::Digest& digest, ByteSpan image) {
  if (!home.content_secret()) return std::unexpected("this device holds no content secret");
  if (crypto::Blake2b256(image) != digest) return std::unexpected("the image is not the cover it claims to be");
  BlobId id{digest};
  if (home.covers().Has(id)) return {};
  auto writer = home.covers().Create();
  if (!writer) return std::unexpected(writer.error().message);
  Bytes sealed = crypto::SealBlob(home.content_secret()->Derive(crypto::kCoverKeyDomain, digest), image);
  if (auto w = writer->Write(sealed); !w) return std::unexpected(w.error().message);
  if (auto c = writer->Commit(id); !c) return std::unexpected(c.error().message);
  return {};
}

}  // namespace hearth::library

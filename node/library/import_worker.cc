#include "node/library/import_worker.h"

#include <filesystem>

#include "crypto/blob_cipher.h"
#include "crypto/hash.h"
#include "node/library/blob_sealer.h"
#include "node/library/whole_file.h"

namespace hearth::library {
namespace {

std::optional<std::string> StoreCover(store::BlobStore& covers, const crypto::ContentSecret& secret,
                                      const crypto::Digest& digest, ByteSpan image) {
  BlobId id{digest};
  if (covers.Has(id)) return std::nullopt;
  auto writer = covers.Create();
  if (!writer) return writer.error().message;
  Bytes sealed = crypto::SealBlob(secret.Derive(crypto::kCoverKeyDomain, digest), image);
  if (auto w = writer->Write(sealed); !w) return w.error().message;
  if (auto c = writer->Commit(id); !c) return c.error().message;
  return std::nullopt;
}

// Where an original imported in place is, and which file it was.
OriginalFile InPlaceFile(const FoundFile& f) {
  std::error_code ec;
  OriginalFile o;
  o.path = std::filesystem::absolute(f.path, ec).lexically_normal().string();
  o.mtime_ns = f.mtime_ns;
  o.inode = f.inode;
  return o;
}

// A file the household already has, byte for byte. Kept in place, it is the
// blob's original here when it is the very file the blob is sealed from and
// this device has no intact copy: a file moved or renamed, one that came
// back, or a folder imported with copies switching to in place (the sealed
// copy then goes).
Result KeepDuplicateInPlace(Result r, const Known::File& known, ByteSpan data, const ImportOptions& options,
                            store::Home& home) {
  if (!options.in_place || known.sealed_file != r.file_id) return r;
  store::BlobStore& blobs = home.blobs();
  const bool sealed_copy = blobs.Has(known.blob) && !blobs.IsInPlace(known.blob);
  if (!sealed_copy && blobs.IsInPlace(known.blob)) {
    auto record = blobs.InPlaceOf(known.blob);
    if (record && store::OriginalIntact(*record)) return r;
  }
  auto blob = SealInPlace(blobs, home.content_secret()->BlobKey(r.file_id.bytes), data, InPlaceFile(r.file),
                          /*replace_copy=*/true, /*durable=*/false);
  if (!blob || blob->id != known.blob) return r;  // not the blob's bytes after all: nothing to keep
  r.kept_in_place = true;
  r.blob = known.blob;
  r.torrent = std::move(blob->torrent);
  return r;
}

}  // namespace

Result Process(const FoundFile& file, const std::optional<EntryId>& previous_claim, const ImportOptions& options,
               store::Home& home, Known& known) {
  Result r;
  r.file = file;
  auto fail = [&](std::string why) {
    r.outcome = Outcome::kFailed;
    r.detail = std::move(why);
    return std::move(r);
  };
  if (options.before_read) options.before_read(file.path);
  auto whole = ReadWholeFile(file.path, options.max_file_bytes);
  if (!whole) return fail(whole.error());
  Bytes* data = &whole->bytes;
  r.file = whole->stat;  // as read: what an in-place record must match
  r.file_id = FileId{crypto::Blake2b256(*data)};
  {
    std::lock_guard lock(known.mu);
    if (auto it = known.files.find(r.file_id); it != known.files.end()) {
      r.outcome = Outcome::kDuplicate;
      r.related = it->second.claim;
      return KeepDuplicateInPlace(std::move(r), it->second, *data, options, home);
    }
  }
  auto audio = ProbeAudio(*data);
  if (!audio) return fail(audio.error());
  r.audio = std::move(*audio);
  r.tags = ReadTags(*data, r.audio.format, r.audio.tags);
  const crypto::ContentSecret& secret = *home.content_secret();
  if (r.audio.cover) {
    r.cover = crypto::Blake2b256(r.audio.cover->bytes);
    if (auto err = StoreCover(home.covers(), secret, *r.cover, r.audio.cover->bytes)) return fail(*err);
    r.audio.cover->bytes.clear();
  }
  // Skip sealing what is already known; the committer checks again, in walk
  // order, so the first file of a track is always its original.
  {
    std::lock_guard lock(known.mu);
    if (auto it = known.files.find(r.file_id); it != known.files.end()) {
      r.outcome = Outcome::kDuplicate;
      r.related = it->second.claim;
      return KeepDuplicateInPlace(std::move(r), it->second, *data, options, home);
    }
    auto it = known.tracks.find(r.audio.track);
    if (it != known.tracks.end() && previous_claim == it->second.claim) {
      // The file this path held was the track's original and it changed
      // with the same audio (re-tagged): this is the track's new version.
      r.replaces = it->second.claim;
    } else if (it != known.tracks.end()) {
      r.outcome = Outcome::kMatched;
      r.related = it->second.claim;
      r.blob = it->second.blob;
      r.length = it->second.length;
      r.sealed_file = it->second.sealed_file;
      return r;
    }
  }
  auto blob = options.in_place
                  ? SealInPlace(home.blobs(), secret.BlobKey(r.file_id.bytes), *data, InPlaceFile(r.file),
                                /*replace_copy=*/false, /*durable=*/false)
                  : SealIntoStore(home.blobs(), secret.BlobKey(r.file_id.bytes), *data);
  if (!blob) return fail("cannot store: " + blob.error());
  r.outcome = Outcome::kImported;
  r.blob = blob->id;
  r.torrent = std::move(blob->torrent);
  r.length = data->size();
  r.sealed_file = r.file_id;
  return r;
}

}  // namespace hearth::library

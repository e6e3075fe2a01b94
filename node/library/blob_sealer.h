// Seals a file into the blob store in one pass: encrypt with the file's blob
// key, write the blob, hash the pieces for its torrent and commit it under
// its BlobId. The blob appears whole or not at all. Returns the BlobId and
// the .torrent, for the caller to keep (store/torrent_table.h).
#pragma once

#include <expected>
#include <string>

#include "crypto/content_secret.h"
#include "node/store/blob_store.h"
#include "node/swarm/blob_torrent.h"

namespace hearth::library {

// Thread-safe for distinct files (each call has its own writer).
std::expected<swarm::BlobTorrent, std::string> SealIntoStore(store::BlobStore& blobs,
                                                             const crypto::Secret<32>& key,
                                                             ByteSpan plaintext);

// The file an in-place blob is made from, as the walk found it.
struct OriginalFile {
  std::string path;  // absolute
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
};

// The same, keeping the original in place: the blob is sealed only to hash
// its pieces (and a digest of each chunk, to know the file again), nothing
// of it is written, and the store records where it comes from (replacing an
// earlier record). A sealed copy already here stays the copy, unless
// `replace_copy`: then it is deleted once the record is down. Not `durable`:
// the record is not fsynced (store::BlobStore::AddInPlace).
std::expected<swarm::BlobTorrent, std::string> SealInPlace(store::BlobStore& blobs, const crypto::Secret<32>& key,
                                                           ByteSpan plaintext, const OriginalFile& original,
                                                           bool replace_copy = false, bool durable = true);

}  // namespace hearth::library

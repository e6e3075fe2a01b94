// Seals a file into the blob store in one pass: encrypt with the file's blob
// key, write the blob, hash the pieces for its torrent, commit it under its
// BlobId and keep the .torrent beside it. The blob appears whole or not at all.
#pragma once

#include <expected>
#include <string>

#include "crypto/content_secret.h"
#include "node/store/blob_store.h"
#include "node/swarm/blob_torrent.h"

namespace hearth::library {

// Thread-safe for distinct files (each call has its own writer).
std::expected<BlobId, std::string> SealIntoStore(store::BlobStore& blobs,
                                                 const crypto::Secret<32>& key, ByteSpan plaintext);

}  // namespace hearth::library

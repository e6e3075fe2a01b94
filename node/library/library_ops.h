// What a user does with tracks once imported: export the original file,
// forget a track (release its claims, drop blobs no claim needs), and read
// cover art.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "node/library/catalog.h"
#include "node/store/home.h"

namespace hearth::library {

// Writes the original file of `record` (bit for bit as it was imported) into
// `dest_dir`, named like the imported file; an existing name gets " (2)",
// " (3)"... Verifies the bytes against the file id before the file appears.
// Returns the path written.
std::expected<std::string, std::string> ExportTrack(store::Home& home, const TrackRecord& record,
                                                    const std::string& dest_dir);

struct ForgetResult {
  size_t released = 0;       // track.release entries written
  size_t blobs_removed = 0;  // blobs no live claim needs any more
};

// Releases every claim of `track`, then removes blobs that no live claim
// references. Never removes a blob that any live claim still needs.
std::expected<ForgetResult, std::string> ForgetTrack(store::Home& home, Catalog& catalog,
                                                     const TrackId& track);

// Releases every live claim that names `blob` (an original gone with no
// copy left, and the matched copies that share it), then removes the blob
// here if no live claim needs it.
std::expected<ForgetResult, std::string> ForgetBlob(store::Home& home, Catalog& catalog, const BlobId& blob);

// The decrypted cover image with BLAKE2b `digest`, if this device has it.
std::expected<Bytes, std::string> ReadCover(store::Home& home, const crypto::Digest& digest);
// Keeps a cover image (sealed like the importer's) after checking that it
// is the image `digest` names.
std::expected<void, std::string> SaveCover(store::Home& home, const crypto::Digest& digest, ByteSpan image);

}  // namespace hearth::library

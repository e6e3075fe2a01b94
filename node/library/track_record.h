// TrackRecord: one claim of the catalog as this device reads it, and the
// conversions between it and a claim's sealed details.
//
// Claim details metadata carries the kept tags (tag_reader.h) plus these
// technical keys: codec, bitrate, samplerate, channels, cover (hex BLAKE2b
// of the cover image), covermime, matched (hex id of the earlier claim whose
// blob this copy shares) and blobfile (hex file id whose blob key sealed that
// blob: the original's, so the blob stays readable if the original's claim
// is released).
#pragma once

#include <optional>
#include <string>

#include "crypto/hash.h"
#include "node/store/live_claims.h"
#include "node/library/audio_probe.h"
#include "node/library/tag_reader.h"
#include "protocol/byte_io.h"
#include "protocol/claim_details.h"
#include "protocol/ledger_state.h"

namespace hearth::library {

struct TrackRecord {
  EntryId claim;
  TrackId track;
  FileId file;
  FileId sealed_file;  // the file whose blob key seals `blob` (== file unless matched)
  BlobId blob;
  uint64_t plaintext_length = 0;
  DeviceId author;
  int64_t claimed_us = 0;
  std::string format, codec;
  int64_t bitrate = 0;
  int sample_rate = 0, channels = 0;
  uint64_t duration_ms = 0;
  std::string title, artist, album_artist, album, album_key, genre;
  int track_no = 0, track_total = 0, disc_no = 0, disc_total = 0, year = 0;
  std::optional<crypto::Digest> cover;
  std::string source_path;
  bool matched = false;
  TagList tags;
};

// What an import knows about one file, turned into claim details.
ClaimDetails MakeClaimDetails(const AudioInfo& audio, const TagList& tags, const FileId& file,
                              const std::string& source_path,
                              const std::optional<crypto::Digest>& cover,
                              const std::optional<EntryId>& matched_claim,
                              const std::optional<FileId>& sealed_file, int64_t now_us);

// A live claim and its opened details, as a catalog record.
TrackRecord MakeRecord(const store::LiveClaim& claim, const ClaimDetails& details);

// The key that groups an album: its name with its album artist, or with the
// folder it came from when no album artist is tagged. Discs and per-track
// artists do not split it.
std::string AlbumKey(const std::string& album, const std::string& album_artist,
                     const std::string& source_path);

// The file whose blob key seals a claim's blob: "blobfile" from its tags
// when present (matched copies), else the claim's own file.
FileId SealedFileOf(const FileId& file, const TagList& tags);

// 64 hex digits as a digest (nullopt for anything else).
std::optional<crypto::Digest> ParseHexDigest(const std::string& hex);



}  // namespace hearth::library

// The private part of a track.claim: what the household owns, sealed so that
// only devices holding the content secret can read it.
//
// Plaintext layout (version 1), with byte_io.h primitives:
//   u8    version (= 1)
//   32    track_id          audio identity
//   u8    track_scheme      version of the audio-identity scheme
//   32    file_id           BLAKE2b-256 of the original file
//   str   format            container/codec, e.g. "flac", "mp3"
//   u64   duration_ms
//   u16   n, then n × (str key, str value)   metadata, sorted by (key, value)
//   u8    provenance        1 ripped, 2 purchased, 3 imported
//   str   provenance_detail e.g. the store, or the imported path
//   i64   acquired_us       when the household got it (advisory)
// Sealed with SealBox under ContentSecret::Derive(kClaimKeyDomain,
// household_id); associated data = household_id || author || blob_id, so a
// sealed block cannot be moved to another claim.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "crypto/content_secret.h"
#include "protocol/ids.h"

namespace hearth {

enum class Provenance : uint8_t { kRipped = 1, kPurchased = 2, kImported = 3 };

struct ClaimDetails {
  TrackId track;
  uint8_t track_scheme = 1;
  FileId file;
  std::string format;
  uint64_t duration_ms = 0;
  std::vector<std::pair<std::string, std::string>> metadata;  // sorted by (key, value)
  Provenance provenance = Provenance::kImported;
  std::string provenance_detail;
  int64_t acquired_us = 0;
  bool operator==(const ClaimDetails&) const = default;
};

// Canonical encoding (sorts metadata first).
Bytes EncodeClaimDetails(ClaimDetails details);
std::expected<ClaimDetails, std::string> DecodeClaimDetails(ByteSpan bytes);

Bytes SealClaimDetails(const crypto::ContentSecret& secret, const HouseholdId& household,
                       const DeviceId& author, const BlobId& blob, const ClaimDetails& details);
// Fails if the block was altered, moved, or sealed under another household's
// secret.
std::expected<ClaimDetails, std::string> OpenClaimDetails(const crypto::ContentSecret& secret,
                                                          const HouseholdId& household,
                                                          const DeviceId& author,
                                                          const BlobId& blob, ByteSpan sealed);

}  // namespace hearth

// The household content secret: 32 random bytes every member device except
// `storage` devices holds. Everything readable only by the household (blob
// keys, sealed claim details, LAN beacon tags) is derived from it with a
// keyed BLAKE2b over a domain tag, so keys for different purposes never meet.
#pragma once

#include <string_view>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace hearth::crypto {

using SubKey = Secret<32>;

// Domain tags. A tag is never reused for another purpose.
inline constexpr std::string_view kBlobKeyDomain = "hearth/blob-key/v1";
inline constexpr std::string_view kClaimKeyDomain = "hearth/claim-key/v1";
inline constexpr std::string_view kCoverKeyDomain = "hearth/cover-key/v1";

// Move-only; wiped on destruction.
class ContentSecret {
 public:
  static ContentSecret Generate();
  static ContentSecret FromBytes(std::span<const uint8_t, 32> bytes);

  // BLAKE2b-256 keyed with the secret over `domain` || `context`.
  SubKey Derive(std::string_view domain, ByteSpan context) const;

  // The blob key for a file: Derive(kBlobKeyDomain, file_id).
  SubKey BlobKey(const Digest& file_id) const;

  const Secret<32>& secret() const { return secret_; }

 private:
  explicit ContentSecret(Secret<32> s) : secret_(std::move(s)) {}
  Secret<32> secret_;
};

}  // namespace hearth::crypto

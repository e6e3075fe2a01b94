// The household's recovery key as people write it down: the 32-byte seed of
// an Ed25519 key and a 3-byte checksum, in base32, as 14 groups of 4
// characters joined by '-'. The checksum is the first 3 bytes of
// BLAKE2b-256("hearth/recovery-key/v1" || seed), so a typo is caught before
// anything is signed. Pure: text in, seed out.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "crypto/signing.h"

namespace hearth {

enum class RecoveryKeyError {
  kNotBase32,    // a character that is not base32 (after '-' and spaces are dropped)
  kWrongLength,  // not 56 characters
  kChecksum,     // the checksum does not match: a typo
};
std::string_view Describe(RecoveryKeyError e);

std::string EncodeRecoveryKey(const crypto::Seed& seed);
std::expected<crypto::Seed, RecoveryKeyError> DecodeRecoveryKey(std::string_view text);

}  // namespace hearth

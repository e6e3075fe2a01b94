// Key files: how a 32-byte secret (a device's Ed25519 seed, the household
// content secret) is kept on disk.
//
// Layout (41 bytes):
//   magic    8 bytes  "HEARTHK1"
//   kind     1 byte   1 = device seed, 2 = content secret
//   secret  32 bytes
// followed by a checksum: the first 8 bytes of BLAKE2b-256 over the 41 bytes
// above, so a damaged file is reported instead of silently yielding another
// key. Total 49 bytes. Files are created 0600 and never overwritten.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "crypto/secret.h"

namespace hearth::crypto {

enum class KeyKind : uint8_t { kDeviceSeed = 1, kContentSecret = 2 };

// Writes `secret` to `path` atomically (temp file, fsync, link into place)
// with mode 0600. Fails, changing nothing, if `path` already exists.
std::expected<void, std::string> WriteKeyFile(const std::string& path, KeyKind kind,
                                              const Secret<32>& secret);

// Reads a key file of the given kind. Fails with a one-line reason when the
// file is missing, readable by group or others, damaged or of another kind.
std::expected<Secret<32>, std::string> ReadKeyFile(const std::string& path, KeyKind kind);

}  // namespace hearth::crypto

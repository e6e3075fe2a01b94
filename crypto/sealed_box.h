// Small authenticated encryption for records (sealed claim details):
// XChaCha20-Poly1305 with a random 24-byte nonce.
//
// Sealed layout: nonce (24 bytes) || ciphertext (plaintext length) || tag (16).
#pragma once

#include <expected>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace hearth::crypto {

inline constexpr size_t kSealedBoxOverhead = 24 + 16;

// Seals `plaintext` under `key`, binding `associated` (not stored).
Bytes SealBox(const Secret<32>& key, ByteSpan associated, ByteSpan plaintext);

// Opens a box made by SealBox. Fails (with no partial output) if the box is
// too short, was altered, or was sealed under another key or associated data.
std::expected<Bytes, std::string_view> OpenBox(const Secret<32>& key, ByteSpan associated,
                                               ByteSpan sealed);

}  // namespace hearth::crypto

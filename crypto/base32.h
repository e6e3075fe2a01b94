// Lowercase RFC 4648 base32 without padding: how device ids are shown to
// people ("a short form" is the first 8 characters).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace hearth::crypto {

// Encodes `data` with the alphabet a-z2-7, no '=' padding.
std::string Base32Encode(ByteSpan data);

// Decodes text made by Base32Encode (case-insensitive). Returns nullopt on a
// character outside the alphabet or on non-zero trailing bits, so every byte
// string has exactly one accepted encoding.
std::optional<Bytes> Base32Decode(std::string_view text);

}  // namespace hearth::crypto

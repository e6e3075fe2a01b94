// Byte containers shared by every layer. Plain aliases: a Bytes owns its
// storage, a ByteSpan borrows it for the duration of a call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hearth {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

// Views the characters of `s` as bytes (no copy; valid while `s` is).
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Lowercase hexadecimal of `b`.
std::string ToHex(ByteSpan b);

}  // namespace hearth

// HTTP Range requests (RFC 9110 section 14) over a body of known size. Pure.
//
// Only single byte ranges are served: "bytes=A-B", "bytes=A-" and
// "bytes=-N". A multi-range request, or another unit, is answered with the
// whole body (the RFC allows ignoring Range). A malformed byte range is an
// error the client hears of (400); a range that starts past the end is
// unsatisfiable (416).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::http {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

enum class RangeError { kMalformed, kUnsatisfiable };

// nullopt: serve the whole body (no Range, or one this server ignores).
std::expected<std::optional<ByteRange>, RangeError> ParseRange(std::string_view header, uint64_t size);

// "bytes 0-99/1234"
std::string ContentRange(const ByteRange& r, uint64_t size);

}  // namespace hearth::http

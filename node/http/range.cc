#include "node/http/range.h"

#include <charconv>

namespace hearth::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> Number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::expected<std::optional<ByteRange>, RangeError> ParseRange(std::string_view header, uint64_t size) {
  header = Trim(header);
  if (header.empty()) return std::nullopt;
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return std::nullopt;
  for (size_t i = 0; i < kUnit.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return std::nullopt;  // other unit
  std::string_view spec = Trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: whole body
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::unexpected(RangeError::kMalformed);
  std::string_view a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    auto n = Number(b);
    if (!n) return std::unexpected(RangeError::kMalformed);
    if (*n == 0 || size == 0) return std::unexpected(RangeError::kUnsatisfiable);
    const uint64_t len = std::min(*n, size);
    return ByteRange{size - len, size - 1};
  }
  auto first = Number(a);
  if (!first) return std::unexpected(RangeError::kMalformed);
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = Number(b);
    if (!l || *l < *first) return std::unexpected(RangeError::kMalformed);
    last = std::min(*l, last);
  }
  if (*first >= size) return std::unexpected(RangeError::kUnsatisfiable);
  return ByteRange{*first, last};
}

std::string ContentRange(const ByteRange& r, uint64_t size) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size);
}

}  // namespace hearth::http

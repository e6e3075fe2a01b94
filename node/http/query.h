// Request targets and form bodies: the path and its parameters, decoded.
// Pure. Parameters keep their order and repeats (Subsonic repeats keys such
// as songIdToAdd).
#pragma once

#include <cstdint>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::http {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Target {
  std::string path;  // percent-decoded
  Params params;
};

// Percent-decoding ('+' is a space only when `plus_is_space`); nullopt for
// a bad escape or a decoded NUL.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
std::string PercentEncode(std::string_view s);

// "/a/b?x=1&y=2". nullopt when the target is not origin-form or does not
// decode.
std::optional<Target> ParseTarget(std::string_view target);
// application/x-www-form-urlencoded, appended to `out`; false when it does
// not decode.
bool ParseForm(std::string_view body, Params& out);

// The first value of `key`, if any.
std::optional<std::string> Get(const Params& params, std::string_view key);
std::vector<std::string> GetAll(const Params& params, std::string_view key);
// `v` as a whole number; nullopt when absent or not one.
std::optional<int64_t> IntOf(const std::optional<std::string>& v);
// `v` as a whole number in [lo, hi]; nullopt when absent, not one, or out of
// that range. Every number a client sends that the node computes with is
// read through this (or IntParam), so none can overflow what it feeds.
std::optional<int64_t> IntIn(const std::optional<std::string>& v, int64_t lo, int64_t hi);
// Parameter `key` as seconds in (0, 1e7); 0 when absent, not a number, not
// finite, or out of that range (a start offset into a track).
double SecondsParam(const Params& params, std::string_view key);
// Integer parameter `key` clamped to [lo, hi]; `fallback` when absent or not
// a whole number.
int64_t IntParam(const Params& params, std::string_view key, int64_t fallback, int64_t lo, int64_t hi);

}  // namespace hearth::http

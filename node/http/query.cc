#include "node/http/query.h"

#include <algorithm>
#include <charconv>

namespace hearth::http {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = Hex(s[i + 1]), lo = Hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool ParseForm(std::string_view body, Params& out) {
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

std::optional<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  const size_t q = target.find('?');
  auto path = PercentDecode(target.substr(0, q), false);
  if (!path) return std::nullopt;
  Target t{std::move(*path), {}};
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    if (!ParseForm(query, t.params)) return std::nullopt;
  }
  return t;
}

std::optional<std::string> Get(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return std::nullopt;
}

std::vector<std::string> GetAll(const Params& params, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : params)
    if (k == key) out.push_back(v);
  return out;
}

std::optional<int64_t> IntOf(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return out;
}

std::optional<int64_t> IntIn(const std::optional<std::string>& v, int64_t lo, int64_t hi) {
  auto n = IntOf(v);
  if (!n || *n < lo || *n > hi) return std::nullopt;
  return n;
}

double SecondsParam(const Params& params, std::string_view key) {
  auto v = Get(params, key);
  if (!v) return 0;
  double d = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (ec != std::errc() || end != v->data() + v->size()) return 0;
  return d > 0 && d < 1e7 ? d : 0;  // also false for NaN; inf is out of range
}

int64_t IntParam(const Params& params, std::string_view key, int64_t fallback, int64_t lo, int64_t hi) {
  return std::clamp(IntOf(Get(params, key)).value_or(fallback), lo, hi);
}

}  // namespace hearth::http

// Fuzzes what an HTTP client controls before any handler runs: the request
// target (path and query), a form body, a Range header, percent-decoding,
// the numeric parameter layer, and the OpenSubsonic rendering of values
// taken from all of those (JSON and XML). Nothing may crash or throw, and:
//   - decoding what PercentEncode made gives the text back;
//   - a served range lies within the body;
//   - IntIn keeps to its bounds;
//   - a decoded path or parameter holds no NUL;
//   - the XML rendering is valid UTF-8.
// Input: records as in fuzz_input.h -- target, form body, Range header, a
// body size (8 bytes), free text.
#include <cstdlib>
#include <cstring>

#include "node/http/query.h"
#include "node/http/range.h"
#include "node/http/subsonic_format.h"
#include "protocol/byte_io.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::string_view Text(hearth::ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

void CheckNoNul(const std::string& s) {
  if (s.find('\0') != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  using namespace hearth::http;
  auto records = fuzz::SplitRecords(data, size);
  if (records.empty()) return 0;
  const std::string_view target = Text(records[0]);

  Params params;
  if (auto t = ParseTarget(target)) {
    CheckNoNul(t->path);
    params = t->params;
  }
  if (records.size() > 1) (void)ParseForm(Text(records[1]), params);
  for (const auto& [k, v] : params) {
    CheckNoNul(k);
    CheckNoNul(v);
    for (auto [lo, hi] : {std::pair<int64_t, int64_t>{1, 253'402'300'799'999}, {-5, 5}, {0, 0}}) {
      auto n = IntIn(v, lo, hi);
      if (n && (*n < lo || *n > hi)) std::abort();
    }
    const int64_t clamped = IntParam(params, k, 7, 0, 500);
    if (clamped < 0 || clamped > 500) std::abort();
    (void)GetAll(params, k);
  }

  if (records.size() > 3) {
    uint64_t body = 0;
    for (size_t i = 0; i < records[3].size() && i < 8; ++i) body = (body << 8) | records[3][i];
    auto range = ParseRange(Text(records[2]), body);
    if (range && *range) {
      const ByteRange r = **range;
      if (r.first > r.last || r.last >= body) std::abort();
      (void)ContentRange(r, body);
    }
  }

  const std::string_view free_text = records.size() > 4 ? Text(records[4]) : target;
  for (bool plus : {false, true}) {
    auto decoded = PercentDecode(free_text, plus);
    if (decoded) CheckNoNul(*decoded);
  }
  const std::string raw(free_text);
  if (raw.find('\0') == std::string::npos) {
    auto back = PercentDecode(PercentEncode(raw), false);
    if (!back || *back != raw) std::abort();
  }

  // Values from the request, rendered as the OpenSubsonic layer would:
  // text that is not UTF-8 and names that are not XML must not throw.
  try {
    nlohmann::json payload = nlohmann::json::object();
    for (const auto& [k, v] : params) payload["echo"][k.empty() ? "empty" : k] = v;
    payload["text"] = raw;
    nlohmann::json response = subsonic::Ok(payload);
    (void)subsonic::Render(response, "json");
    // A document that declares UTF-8 is UTF-8, whatever the values were.
    if (!IsValidUtf8(subsonic::Render(response, "xml").body)) std::abort();
    if (!IsValidUtf8(subsonic::Render(subsonic::Failed(subsonic::kNotFound, raw), "xml").body)) std::abort();
  } catch (...) {
    std::abort();
  }
  return 0;
}

#include "protocol/ledger_index.h"

namespace hearth {

Bytes EncodeClock(const VectorClock& clock) {
  size_t n = clock.size();
  while (n > 0 && clock[n - 1] == 0) --n;
  Bytes out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = clock[i];
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(v ? static_cast<uint8_t>(b | 0x80) : b);
    } while (v);
  }
  return out;
}

std::optional<VectorClock> DecodeClock(ByteSpan bytes) {
  VectorClock clock;
  size_t i = 0;
  while (i < bytes.size()) {
    uint64_t v = 0;
    int shift = 0;
    for (;;) {
      if (i >= bytes.size() || shift > 63) return std::nullopt;
      uint8_t b = bytes[i++];
      if (shift == 63 && (b & 0x7e)) return std::nullopt;  // past 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        // The shortest encoding only: no trailing zero groups.
        if (b == 0 && shift > 0) return std::nullopt;
        break;
      }
      shift += 7;
    }
    clock.push_back(v);
  }
  if (!clock.empty() && clock.back() == 0) return std::nullopt;
  return clock;
}

}  // namespace hearth

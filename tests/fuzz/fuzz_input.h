// The input format of ledger_verify_fuzz: a sequence of entries, each as
//   u16 length (big-endian) || that many bytes (one encoded entry)
// Shared by the fuzz target and the seed generator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/bytes.h"

namespace hearth::fuzz {

inline std::vector<ByteSpan> SplitRecords(const uint8_t* data, size_t size) {
  std::vector<ByteSpan> out;
  size_t at = 0;
  while (size - at >= 2) {
    size_t n = (size_t{data[at]} << 8) | data[at + 1];
    at += 2;
    if (n > size - at) n = size - at;
    out.emplace_back(data + at, n);
    at += n;
  }
  return out;
}

inline void AppendRecord(Bytes& out, ByteSpan entry) {
  out.push_back(static_cast<uint8_t>(entry.size() >> 8));
  out.push_back(static_cast<uint8_t>(entry.size()));
  out.insert(out.end(), entry.begin(), entry.end());
}

}  // namespace hearth::fuzz

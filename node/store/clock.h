// The wall clock, injectable so tests can fix time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace hearth {

// Microseconds since 1970-01-01 UTC.
using Clock = std::function<int64_t()>;

inline int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hearth

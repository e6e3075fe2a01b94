// Clocks, injectable so tests (and the simulator) can fix time: the wall
// clock for what is recorded and compared across devices, and a monotonic
// one for intervals, timeouts and retries within one run.
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

// Monotonic time, for intervals within one process.
using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

inline std::chrono::steady_clock::time_point SystemSteadyNow() { return std::chrono::steady_clock::now(); }

}  // namespace hearth

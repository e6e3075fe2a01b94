// Minimal timing for benchmarks: the best of several runs is reported, since
// the machine is shared and noise only ever adds time.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

namespace hearth::bench {

// Seconds taken by the fastest of `runs` calls of `fn`.
inline double BestOf(int runs, const std::function<void()>& fn) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

}  // namespace hearth::bench

// Minimal timing for benchmarks. Every run is reported, not the best: the
// machine is shared, and a figure is honest only with its spread.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace hearth::bench {

// Seconds taken by one call of `fn`.
inline double Seconds(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Seconds taken by each of `runs` calls of `fn`.
inline std::vector<double> Runs(int runs, const std::function<void()>& fn) {
  std::vector<double> out;
  for (int i = 0; i < runs; ++i) out.push_back(Seconds(fn));
  return out;
}

// "a, b, c" with each value as `format` prints it.
inline std::string List(const std::vector<double>& values, const char* format = "%.2f") {
  std::string out;
  char buf[64];
  for (double v : values) {
    std::snprintf(buf, sizeof buf, format, v);
    out += (out.empty() ? "" : ", ") + std::string(buf);
  }
  return out;
}

}  // namespace hearth::bench

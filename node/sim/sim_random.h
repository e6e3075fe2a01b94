// SimRandom: the simulator's only source of chance. SplitMix64, seeded from
// the run's seed, so one seed replays a run exactly (the standard library's
// distributions differ between implementations; these helpers do not --
// though placement's logarithms and availability's doubles come from libm,
// so another C library could, in principle, round a tie differently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hearth::sim {

class SimRandom {
 public:
  explicit SimRandom(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); 0 when n is 0.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1)); }
  // True with probability p (0..1).
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  void Fill(void* out, size_t size) {
    auto* p = static_cast<uint8_t*>(out);
    while (size > 0) {
      const uint64_t v = Next();
      const size_t n = size < 8 ? size : 8;
      std::memcpy(p, &v, n);
      p += n;
      size -= n;
    }
  }
  // A generator for a part of the run (a device, the network) whose draws
  // do not shift when another part draws more or less.
  SimRandom Fork() { return SimRandom(Next()); }

 private:
  uint64_t state_;
};

}  // namespace hearth::sim

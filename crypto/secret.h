// Secret<N>: a fixed-size secret (key, seed) that is wiped when destroyed.
// Move-only, so a secret has exactly one owner and no stray copies linger.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "crypto/sodium.h"

namespace hearth::crypto {

template <size_t N>
class Secret {
 public:
  static constexpr size_t kSize = N;

  Secret() { bytes_.fill(0); }
  explicit Secret(std::span<const uint8_t, N> b) {
    std::copy(b.begin(), b.end(), bytes_.begin());
  }
  ~Secret() { Wipe(bytes_.data(), N); }

  Secret(Secret&& other) noexcept : bytes_(other.bytes_) {
    Wipe(other.bytes_.data(), N);
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      Wipe(other.bytes_.data(), N);
    }
    return *this;
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // An explicit copy, for the rare place that must hold two owners.
  Secret Clone() const { return Secret(std::span<const uint8_t, N>(bytes_)); }

  static Secret Random() {
    Secret s;
    RandomBytes(s.bytes_.data(), N);
    return s;
  }

  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }
  std::span<const uint8_t, N> span() const { return bytes_; }
  static constexpr size_t size() { return N; }

 private:
  std::array<uint8_t, N> bytes_;
};

}  // namespace hearth::crypto

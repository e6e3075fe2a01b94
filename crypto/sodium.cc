#include "crypto/sodium.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/bytes.h"

namespace hearth {

std::string ToHex(ByteSpan b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(b.size() * 2, '0');
  for (size_t i = 0; i < b.size(); ++i) {
    out[2 * i] = kDigits[b[i] >> 4];
    out[2 * i + 1] = kDigits[b[i] & 0xf];
  }
  return out;
}

}  // namespace hearth

namespace hearth::crypto {

void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) {
    std::fputs("hearth: fatal: libsodium failed to initialise\n", stderr);
    std::abort();
  }
}

void RandomBytes(void* out, unsigned long long size) {
  EnsureSodium();
  randombytes_buf(out, size);
}

void Wipe(void* p, unsigned long long size) { sodium_memzero(p, size); }

}  // namespace hearth::crypto

#include "crypto/hash.h"

#include "crypto/sodium.h"

namespace hearth::crypto {

Digest Blake2b256(ByteSpan data) {
  EnsureSodium();
  Digest out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Digest Blake2b256Keyed(ByteSpan key, ByteSpan data) {
  EnsureSodium();
  Digest out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.data(),
                     key.size());
  return out;
}

Blake2bStream::Blake2bStream() {
  EnsureSodium();
  crypto_generichash_init(&state_, nullptr, 0, 32);
}

Blake2bStream::Blake2bStream(ByteSpan key) {
  EnsureSodium();
  crypto_generichash_init(&state_, key.data(), key.size(), 32);
}

Blake2bStream::~Blake2bStream() { Wipe(&state_, sizeof state_); }

void Blake2bStream::Update(ByteSpan data) {
  crypto_generichash_update(&state_, data.data(), data.size());
}

Digest Blake2bStream::Finish() {
  Digest out;
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

}  // namespace hearth::crypto

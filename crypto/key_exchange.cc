#include "crypto/key_exchange.h"

#include <sodium.h>

namespace hearth::crypto {
namespace {

std::array<uint8_t, 12> CounterNonce(uint64_t n) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return nonce;
}

}  // namespace

EphemeralKey EphemeralKey::Generate() { return FromSeed(Secret<32>::Random()); }

EphemeralKey EphemeralKey::FromSeed(const Secret<32>& seed) {
  EnsureSodium();
  EphemeralKey k;
  std::copy(seed.span().begin(), seed.span().end(), k.secret_.data());
  crypto_scalarmult_base(k.public_.data(), k.secret_.data());
  return k;
}

std::optional<Secret<32>> EphemeralKey::SharedSecret(const ExchangeKey& theirs) const {
  Secret<32> shared;
  if (crypto_scalarmult(shared.data(), secret_.data(), theirs.data()) != 0) return std::nullopt;
  return shared;
}

Bytes SessionCipher::Seal(ByteSpan plaintext) {
  Bytes out(plaintext.size() + crypto_aead_chacha20poly1305_ietf_ABYTES);
  auto nonce = CounterNonce(counter_++);
  unsigned long long n = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &n, plaintext.data(), plaintext.size(),
                                            nullptr, 0, nullptr, nonce.data(), key_.data());
  return out;
}

std::optional<Bytes> SessionCipher::Open(ByteSpan sealed) {
  if (sealed.size() < crypto_aead_chacha20poly1305_ietf_ABYTES) return std::nullopt;
  Bytes out(sealed.size() - crypto_aead_chacha20poly1305_ietf_ABYTES);
  auto nonce = CounterNonce(counter_);
  unsigned long long n = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &n, nullptr, sealed.data(), sealed.size(),
                                                nullptr, 0, nonce.data(), key_.data()) != 0) {
    return std::nullopt;
  }
  ++counter_;
  return out;
}

}  // namespace hearth::crypto

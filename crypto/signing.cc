#include "crypto/signing.h"

#include <sodium.h>

namespace hearth::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == 32);
static_assert(crypto_sign_BYTES == 64);

DeviceKey DeviceKey::Generate() { return FromSeed(Seed::Random()); }

DeviceKey DeviceKey::FromSeed(const Seed& seed) {
  EnsureSodium();
  DeviceKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_key_.data(), seed.data());
  return key;
}

Seed DeviceKey::ExportSeed() const {
  Seed seed;
  crypto_sign_ed25519_sk_to_seed(seed.data(), secret_key_.data());
  return seed;
}

Signature DeviceKey::Sign(ByteSpan message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                       secret_key_.data());
  return sig;
}

bool VerifySignature(const PublicKey& key, ByteSpan message, const Signature& signature) {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

}  // namespace hearth::crypto

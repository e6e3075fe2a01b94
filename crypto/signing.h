// Ed25519 device identities. A device's public key is its identity; the
// secret half lives only in a DeviceKey, which wipes it on destruction.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace hearth::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using Seed = Secret<32>;

// An Ed25519 key pair. Move-only; the secret key is wiped when it dies.
// Signing is const and may be called from several threads at once.
class DeviceKey {
 public:
  // A fresh random key pair.
  static DeviceKey Generate();
  // The key pair determined by a 32-byte seed (what key files store).
  static DeviceKey FromSeed(const Seed& seed);

  const PublicKey& public_key() const { return public_key_; }
  // The seed that recreates this key (for writing the key file).
  Seed ExportSeed() const;

  Signature Sign(ByteSpan message) const;

 private:
  DeviceKey() = default;
  PublicKey public_key_{};
  Secret<64> secret_key_;
};

// True when `signature` is a valid, canonical Ed25519 signature of `message`
// by `key`. libsodium rejects non-canonical and small-order encodings, so one
// message has at most one accepted signature per key.
bool VerifySignature(const PublicKey& key, ByteSpan message, const Signature& signature);

}  // namespace hearth::crypto

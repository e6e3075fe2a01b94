// Ephemeral X25519 key exchange for the mesh handshake, and the session
// cipher that protects frames once the handshake is done.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace hearth::crypto {

using ExchangeKey = std::array<uint8_t, 32>;

// A one-use X25519 key pair. Move-only; the secret is wiped.
class EphemeralKey {
 public:
  static EphemeralKey Generate();
  // For test vectors only: the pair derived from a fixed seed.
  static EphemeralKey FromSeed(const Secret<32>& seed);
  const ExchangeKey& public_key() const { return public_; }
  // X25519(our secret, their public). Fails on a low-order peer key (the
  // all-zero shared secret), which an honest peer never sends.
  std::optional<Secret<32>> SharedSecret(const ExchangeKey& theirs) const;

 private:
  EphemeralKey() = default;
  ExchangeKey public_{};
  Secret<32> secret_;
};

// ChaCha20-Poly1305-IETF with a 64-bit message counter as the nonce, one
// instance per direction. Each sealed message is plaintext + 16 bytes; the
// counter is never reused (a session ends long before 2^64 messages).
// Opening must happen in the order of sealing: a replayed, dropped or
// reordered message fails. Not thread-safe.
class SessionCipher {
 public:
  explicit SessionCipher(const Secret<32>& key) : key_(key.Clone()) {}
  Bytes Seal(ByteSpan plaintext);
  std::optional<Bytes> Open(ByteSpan sealed);
  uint64_t counter() const { return counter_; }

 private:
  Secret<32> key_;
  uint64_t counter_ = 0;
};

}  // namespace hearth::crypto

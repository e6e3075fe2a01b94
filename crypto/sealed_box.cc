#include "crypto/sealed_box.h"

#include <sodium.h>

namespace hearth::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16);

Bytes SealBox(const Secret<32>& key, ByteSpan associated, ByteSpan plaintext) {
  EnsureSodium();
  Bytes out(24 + plaintext.size() + 16);
  RandomBytes(out.data(), 24);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + 24, &written, plaintext.data(),
                                             plaintext.size(), associated.data(),
                                             associated.size(), nullptr, out.data(),
                                             key.data());
  return out;
}

std::expected<Bytes, std::string_view> OpenBox(const Secret<32>& key, ByteSpan associated,
                                               ByteSpan sealed) {
  EnsureSodium();
  if (sealed.size() < kSealedBoxOverhead) return std::unexpected("sealed box too short");
  Bytes out(sealed.size() - kSealedBoxOverhead);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &written, nullptr, sealed.data() + 24, sealed.size() - 24,
          associated.data(), associated.size(), sealed.data(), key.data()) != 0) {
    Wipe(out.data(), out.size());
    return std::unexpected("sealed box does not authenticate (altered or wrong key)");
  }
  return out;
}

}  // namespace hearth::crypto

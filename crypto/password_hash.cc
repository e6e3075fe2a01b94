#include "crypto/password_hash.h"

#include <sodium.h>

#include <cstring>

#include "crypto/sodium.h"

namespace hearth::crypto {

std::expected<std::string, PasswordHashErrc> HashPassword(std::string_view password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return std::unexpected(PasswordHashErrc::kOutOfMemory);
  return std::string(out);
}

bool VerifyPassword(std::string_view verifier, std::string_view password) {
  EnsureSodium();
  // crypto_pwhash_str_verify wants a NUL-terminated string in a buffer of
  // crypto_pwhash_STRBYTES.
  if (verifier.empty() || verifier.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::memcpy(buf, verifier.data(), verifier.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

}  // namespace hearth::crypto

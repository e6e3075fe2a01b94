// Password verifiers: Argon2id (libsodium's crypto_pwhash_str), so that what a
// device keeps of a listener's login password cannot be turned back into it
// without guessing, and each guess costs 64 MiB and a fraction of a second.
//
// A verifier is libsodium's self-describing ASCII string
// ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"), at most 127 characters; it
// carries its own salt and cost, so verifiers made with other costs still
// check. Thread-safe; both calls take the full cost (tens to hundreds of ms).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace hearth::crypto {

enum class PasswordHashErrc {
  kOutOfMemory,  // libsodium could not get the memory the hash needs
};

// A fresh verifier for `password` (random salt), with the interactive cost.
std::expected<std::string, PasswordHashErrc> HashPassword(std::string_view password);

// True when `password` is the one `verifier` was made from. False for a
// wrong password and for a verifier that is not one (never throws).
bool VerifyPassword(std::string_view verifier, std::string_view password);

}  // namespace hearth::crypto

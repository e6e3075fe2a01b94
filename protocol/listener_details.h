// A household listener's private record, carried sealed in listener.set
// entries so that only devices holding the content secret can read it --
// never storage devices, which see only that some listener changed.
//
// Plaintext layout (version 1), with byte_io.h primitives:
//   u8    version (= 1)
//   str   name          1..64 of letters, digits, '.', '_', '-', '@'
//   u8    admin         1: may look up other listeners (Subsonic getUser)
//   str   verifier      Argon2id string of the login password (crypto/password_hash.h)
//   str   app_password  random; Subsonic apps log in with it (token = md5(app_password + salt))
//   str   api_key       random; Subsonic apiKey and the web player's session token
// Sealed with SealBox under ContentSecret::Derive(kListenerKeyDomain,
// household_id); associated data = household_id || listener id, so a sealed
// record cannot be moved to another listener or household.
//
// The listener id is ContentSecret::Derive(kListenerIdDomain, household_id ||
// name): two admins adding one name concurrently write to one listener, and
// the name stays hidden from devices without the secret.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "crypto/content_secret.h"
#include "protocol/ids.h"

namespace hearth {

inline constexpr std::string_view kListenerKeyDomain = "hearth/listener-key/v1";
inline constexpr std::string_view kListenerIdDomain = "hearth/listener-id/v1";

struct ListenerDetails {
  std::string name;
  bool admin = false;
  std::string verifier;
  std::string app_password;
  std::string api_key;
  bool operator==(const ListenerDetails&) const = default;
};

enum class ListenerErrc {
  kBadName,      // not 1..64 of the allowed characters
  kMalformed,    // the plaintext is not a canonical version-1 record
  kCannotOpen,   // altered, moved, or sealed under another household's secret
  kWrongId,      // opened, but its name does not hash to the listener id it came under
};
std::string_view ListenerErrorText(ListenerErrc e);

bool ValidListenerName(std::string_view name);

ListenerId ListenerIdFor(const crypto::ContentSecret& secret, const HouseholdId& household, std::string_view name);

Bytes EncodeListenerDetails(const ListenerDetails& details);
std::expected<ListenerDetails, ListenerErrc> DecodeListenerDetails(ByteSpan bytes);

Bytes SealListenerDetails(const crypto::ContentSecret& secret, const HouseholdId& household, const ListenerId& id,
                          const ListenerDetails& details);
std::expected<ListenerDetails, ListenerErrc> OpenListenerDetails(const crypto::ContentSecret& secret,
                                                                 const HouseholdId& household,
                                                                 const ListenerId& id, ByteSpan sealed);

}  // namespace hearth

// Who may log in to this device's web player, JSON API and OpenSubsonic, and
// how a request proves it: a password (plain or Subsonic's "enc:" hex),
// Subsonic's token = md5(app password + salt), or an API key (Subsonic
// apiKey, and the web player's session token).
//
// Two kinds of listener:
// - household listeners, from the ledger's listener.set entries, opened with
//   the content secret (protocol/listener_details.h). Known on every member
//   device. The login password is checked against its Argon2id verifier;
//   Subsonic's token scheme needs a secret the server can read, so apps use
//   the listener's random app password (a password check accepts either).
//   Written by listener_book.h on admin devices.
// - this device's own listeners from before household listeners (the users
//   table, the password sealed under a key derived from the device key),
//   until an admin device moves them into the ledger
//   (ListenerBook::MigrateDeviceListeners). A household listener of the same
//   name hides one of these.
//
// Argon2id costs tens of milliseconds and 64 MiB, and runs on the caller's
// thread; a password that checked out is remembered (as a keyed hash, for
// this process only) until the listener changes, so Basic auth on every
// request costs it once. Comparisons are constant-time.
//
// Borrows the Database; one thread.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/content_secret.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "node/store/database.h"
#include "protocol/ledger_state.h"
#include "protocol/listener_details.h"

namespace hearth::http {

struct User {
  std::string name;
  bool admin = false;
  std::string api_key;
  bool household = true;  // false: this device's own listener from before
};

enum class AuthFailure {
  kWrongCredentials,  // unknown user or wrong password/token/key
  kStoreError,
  kThrottled,         // too many wrong passwords lately: not checked (login_throttle.h)
};

class Users {
 public:
  Users(store::Database& db, const crypto::DeviceKey& device_key);

  // Takes the household's listeners from `state` (after the ledger changed;
  // cheap when its listeners did not). Without `secret` (a storage device)
  // there are none. A record that does not open is skipped and counted.
  void Sync(const LedgerState& state, const crypto::ContentSecret* secret);
  size_t unreadable() const { return unreadable_; }

  std::optional<User> Find(const std::string& name);
  // Household listeners by name, then this device's own.
  std::vector<User> List();

  std::expected<User, AuthFailure> CheckPassword(const std::string& name, const std::string& password);
  std::expected<User, AuthFailure> CheckToken(const std::string& name, const std::string& token,
                                              const std::string& salt);
  std::expected<User, AuthFailure> CheckApiKey(const std::string& key);

 private:
  struct Local {
    User user;
    std::string password;
  };
  std::expected<Local, AuthFailure> LoadLocal(const std::string& name);
  // What verified_ keeps of a password that checked out: a hash keyed with
  // cache_key_ over the name, the verifier and the password.
  std::string PasswordStamp(const ListenerDetails& d, const std::string& password) const;

  store::Database* db_;
  crypto::Secret<32> key_;         // opens the users table's passwords
  crypto::Secret<32> cache_key_;   // random per process: keys the remembered passwords
  std::map<ListenerId, EntryId> seen_;
  std::map<std::string, ListenerDetails> household_;  // by name
  std::map<std::string, std::string> by_api_key_;      // api key -> name
  std::set<std::string> verified_;                     // keyed hashes of passwords that checked out
  size_t unreadable_ = 0;
};

// The key that seals this device's own listeners' passwords (the users table).
crypto::Secret<32> DevicePasswordKey(const crypto::DeviceKey& device_key);
// Decodes Subsonic's "enc:HEX" password form; other text is returned as is.
std::optional<std::string> DecodeSubsonicPassword(const std::string& given);
// Lowercase hex MD5 (Subsonic tokens; nothing else in Hearth uses MD5).
std::string Md5Hex(std::string_view data);

}  // namespace hearth::http

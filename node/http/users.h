// Household listeners (the HTTP side's accounts) and how a request proves
// who it comes from: a password (plain or Subsonic's "enc:" hex), Subsonic's
// token = md5(password + salt), or an API key (Subsonic apiKey, and the web
// player's bearer token).
//
// Subsonic's token scheme needs the password itself on the server, so it is
// stored sealed (crypto/sealed_box.h) under a key derived from this device's
// key, bound to the user's name -- never in clear, and useless without the
// device key. Comparisons are constant-time.
//
// Borrows the Database (one thread).
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "crypto/signing.h"
#include "node/store/database.h"

namespace hearth::http {

struct User {
  std::string name;
  bool admin = false;
  std::string api_key;
};

enum class AuthFailure {
  kWrongCredentials,  // unknown user or wrong password/token/key
  kStoreError,
  kThrottled,         // too many wrong passwords lately: not checked (login_throttle.h)
};

class Users {
 public:
  Users(store::Database& db, const crypto::DeviceKey& device_key);

  // Names: 1..64 characters of letters, digits, '.', '_', '-', '@'.
  // Passwords: 1..256 bytes.
  std::expected<User, std::string> Add(const std::string& name, const std::string& password, bool admin,
                                       int64_t now_us);
  std::expected<void, std::string> Remove(const std::string& name);
  std::expected<User, std::string> SetPassword(const std::string& name, const std::string& password);
  std::expected<std::vector<User>, std::string> List();

  std::expected<User, AuthFailure> CheckPassword(const std::string& name, const std::string& password);
  std::expected<User, AuthFailure> CheckToken(const std::string& name, const std::string& token,
                                              const std::string& salt);
  std::expected<User, AuthFailure> CheckApiKey(const std::string& key);

 private:
  std::expected<std::pair<User, std::string>, AuthFailure> Load(const std::string& name);
  store::Database* db_;
  crypto::Secret<32> key_;
};

// Lowercase hex MD5 (Subsonic tokens; nothing else in Hearth uses MD5).
std::string Md5Hex(std::string_view data);

}  // namespace hearth::http

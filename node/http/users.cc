#include "node/http/users.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/sealed_box.h"
#include "crypto/sodium.h"
#include "node/store/play_tables.h"

namespace hearth::http {
namespace {

constexpr std::string_view kPasswordKeyDomain = "hearth/http-password-key/v1";

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  return true;
}

bool SameText(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewApiKey() {
  uint8_t raw[32];
  crypto::RandomBytes(raw, sizeof raw);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

ByteSpan NameBytes(const std::string& name) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(name.data()), name.size());
}

}  // namespace

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return ToHex(ByteSpan(digest, len));
}

Users::Users(store::Database& db, const crypto::DeviceKey& device_key) : db_(&db) {
  crypto::Seed seed = device_key.ExportSeed();
  crypto::Digest k = crypto::Blake2b256Keyed(
      seed.span(), ByteSpan(reinterpret_cast<const uint8_t*>(kPasswordKeyDomain.data()), kPasswordKeyDomain.size()));
  key_ = crypto::Secret<32>(std::span<const uint8_t, 32>(k));
  sodium_memzero(k.data(), k.size());
}

std::expected<User, std::string> Users::Add(const std::string& name, const std::string& password, bool admin,
                                            int64_t now_us) {
  if (!ValidName(name))
    return std::unexpected("a user name is 1-64 letters, digits, '.', '_', '-' or '@' (got \"" + name + "\")");
  if (password.empty() || password.size() > 256) return std::unexpected("a password is 1-256 bytes");
  store::UserRow row;
  row.name = name;
  row.password_sealed = crypto::SealBox(
      key_, NameBytes(name), ByteSpan(reinterpret_cast<const uint8_t*>(password.data()), password.size()));
  row.api_key = NewApiKey();
  row.admin = admin;
  row.created_us = now_us;
  if (auto r = store::AddUser(*db_, row); !r) return std::unexpected(r.error().message);
  return User{name, admin, row.api_key};
}

std::expected<void, std::string> Users::Remove(const std::string& name) {
  auto r = store::RemoveUser(*db_, name);
  if (!r) return std::unexpected(r.error().message);
  if (!*r) return std::unexpected("no user named " + name);
  return {};
}

std::expected<User, std::string> Users::SetPassword(const std::string& name, const std::string& password) {
  if (password.empty() || password.size() > 256) return std::unexpected("a password is 1-256 bytes");
  auto found = store::FindUser(*db_, name);
  if (!found) return std::unexpected(found.error().message);
  if (!*found) return std::unexpected("no user named " + name);
  Bytes sealed = crypto::SealBox(key_, NameBytes(name),
                                 ByteSpan(reinterpret_cast<const uint8_t*>(password.data()), password.size()));
  const std::string api_key = NewApiKey();  // a new password retires the old key too
  if (auto r = store::UpdateUserSecrets(*db_, name, sealed, api_key); !r) return std::unexpected(r.error().message);
  return User{name, (*found)->admin, api_key};
}

std::expected<std::vector<User>, std::string> Users::List() {
  auto rows = store::ListUsers(*db_);
  if (!rows) return std::unexpected(rows.error().message);
  std::vector<User> out;
  for (const auto& r : *rows) out.push_back(User{r.name, r.admin, r.api_key});
  return out;
}

std::expected<std::pair<User, std::string>, AuthFailure> Users::Load(const std::string& name) {
  auto found = store::FindUser(*db_, name);
  if (!found) return std::unexpected(AuthFailure::kStoreError);
  if (!*found) return std::unexpected(AuthFailure::kWrongCredentials);
  auto opened = crypto::OpenBox(key_, NameBytes(name), (*found)->password_sealed);
  if (!opened) return std::unexpected(AuthFailure::kWrongCredentials);
  std::string password(opened->begin(), opened->end());
  sodium_memzero(opened->data(), opened->size());
  return std::pair{User{(*found)->name, (*found)->admin, (*found)->api_key}, std::move(password)};
}

std::expected<User, AuthFailure> Users::CheckPassword(const std::string& name, const std::string& password) {
  auto loaded = Load(name);
  if (!loaded) return std::unexpected(loaded.error());
  std::string given = password;
  if (given.starts_with("enc:")) {
    std::string hex = given.substr(4);
    if (hex.size() % 2 != 0) return std::unexpected(AuthFailure::kWrongCredentials);
    std::string decoded(hex.size() / 2, '\0');
    size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), hex.data(), hex.size(),
                       nullptr, &len, nullptr) != 0)
      return std::unexpected(AuthFailure::kWrongCredentials);
    decoded.resize(len);
    given = std::move(decoded);
  }
  const bool ok = SameText(given, loaded->second);
  sodium_memzero(loaded->second.data(), loaded->second.size());
  if (!ok) return std::unexpected(AuthFailure::kWrongCredentials);
  return loaded->first;
}

std::expected<User, AuthFailure> Users::CheckToken(const std::string& name, const std::string& token,
                                                   const std::string& salt) {
  auto loaded = Load(name);
  if (!loaded) return std::unexpected(loaded.error());
  std::string expected = Md5Hex(loaded->second + salt);
  sodium_memzero(loaded->second.data(), loaded->second.size());
  std::string given = token;
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (salt.empty() || !SameText(given, expected)) return std::unexpected(AuthFailure::kWrongCredentials);
  return loaded->first;
}

std::expected<User, AuthFailure> Users::CheckApiKey(const std::string& key) {
  if (key.empty() || key.size() > 128) return std::unexpected(AuthFailure::kWrongCredentials);
  auto found = store::FindUserByApiKey(*db_, key);
  if (!found) return std::unexpected(AuthFailure::kStoreError);
  if (!*found || !SameText((*found)->api_key, key)) return std::unexpected(AuthFailure::kWrongCredentials);
  return User{(*found)->name, (*found)->admin, (*found)->api_key};
}

}  // namespace hearth::http

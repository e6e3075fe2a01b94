#include "node/http/users.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/password_hash.h"
#include "crypto/sealed_box.h"
#include "crypto/sodium.h"
#include "node/store/play_tables.h"

namespace hearth::http {
namespace {

constexpr std::string_view kPasswordKeyDomain = "hearth/http-password-key/v1";
constexpr size_t kMaxRemembered = 1024;

bool SameText(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

ByteSpan NameBytes(const std::string& name) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(name.data()), name.size());
}

User FromDetails(const ListenerDetails& d) { return User{d.name, d.admin, d.api_key, true}; }

}  // namespace

crypto::Secret<32> DevicePasswordKey(const crypto::DeviceKey& device_key) {
  crypto::Seed seed = device_key.ExportSeed();
  crypto::Digest k = crypto::Blake2b256Keyed(seed.span(), AsBytes(kPasswordKeyDomain));
  crypto::Secret<32> key{std::span<const uint8_t, 32>(k)};
  sodium_memzero(k.data(), k.size());
  return key;
}

std::optional<std::string> DecodeSubsonicPassword(const std::string& given) {
  if (!given.starts_with("enc:")) return given;
  const std::string hex = given.substr(4);
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string decoded(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), hex.data(), hex.size(),
                     nullptr, &len, nullptr) != 0)
    return std::nullopt;
  decoded.resize(len);
  return decoded;
}

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return ToHex(ByteSpan(digest, len));
}

Users::Users(store::Database& db, const crypto::DeviceKey& device_key)
    : db_(&db), key_(DevicePasswordKey(device_key)), cache_key_(crypto::Secret<32>::Random()) {}

void Users::Sync(const LedgerState& state, const crypto::ContentSecret* secret) {
  std::map<ListenerId, EntryId> now;
  for (const auto& [id, rec] : state.listeners) now.emplace(id, rec.entry);
  if (now == seen_) return;
  seen_ = std::move(now);
  household_.clear();
  by_api_key_.clear();
  verified_.clear();
  unreadable_ = 0;
  if (!secret) return;
  for (const auto& [id, rec] : state.listeners) {
    auto d = OpenListenerDetails(*secret, state.household, id, rec.sealed);
    if (!d) {
      ++unreadable_;
      continue;
    }
    by_api_key_[d->api_key] = d->name;
    household_[d->name] = std::move(*d);
  }
}

std::optional<User> Users::Find(const std::string& name) {
  if (auto it = household_.find(name); it != household_.end()) return FromDetails(it->second);
  auto row = store::FindUser(*db_, name);
  if (!row || !*row) return std::nullopt;
  return User{(*row)->name, (*row)->admin, (*row)->api_key, false};
}

std::vector<User> Users::List() {
  std::vector<User> out;
  for (const auto& [name, d] : household_) out.push_back(FromDetails(d));
  if (auto rows = store::ListUsers(*db_)) {
    for (const auto& r : *rows)
      if (!household_.contains(r.name)) out.push_back(User{r.name, r.admin, r.api_key, false});
  }
  return out;
}

std::expected<Users::Local, AuthFailure> Users::LoadLocal(const std::string& name) {
  auto found = store::FindUser(*db_, name);
  if (!found) return std::unexpected(AuthFailure::kStoreError);
  if (!*found) return std::unexpected(AuthFailure::kWrongCredentials);
  auto opened = crypto::OpenBox(key_, NameBytes(name), (*found)->password_sealed);
  if (!opened) return std::unexpected(AuthFailure::kWrongCredentials);
  std::string password(opened->begin(), opened->end());
  sodium_memzero(opened->data(), opened->size());
  return Local{User{(*found)->name, (*found)->admin, (*found)->api_key, false}, std::move(password)};
}

std::string Users::PasswordStamp(const ListenerDetails& d, const std::string& password) const {
  crypto::Blake2bStream h(cache_key_.span());
  auto part = [&](std::string_view text) {
    const uint64_t n = text.size();
    h.Update(ByteSpan(reinterpret_cast<const uint8_t*>(&n), sizeof n));
    h.Update(AsBytes(text));
  };
  part(d.name);
  part(d.verifier);
  part(password);
  const crypto::Digest digest = h.Finish();
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::expected<User, AuthFailure> Users::CheckPassword(const std::string& name, const std::string& password) {
  auto given = DecodeSubsonicPassword(password);
  if (!given) return std::unexpected(AuthFailure::kWrongCredentials);
  if (auto it = household_.find(name); it != household_.end()) {
    const ListenerDetails& d = it->second;
    if (SameText(*given, d.app_password)) return FromDetails(d);
    std::string stamp = PasswordStamp(d, *given);
    if (verified_.contains(stamp)) return FromDetails(d);
    if (!crypto::VerifyPassword(d.verifier, *given)) return std::unexpected(AuthFailure::kWrongCredentials);
    if (verified_.size() >= kMaxRemembered) verified_.clear();
    verified_.insert(std::move(stamp));
    return FromDetails(d);
  }
  auto local = LoadLocal(name);
  if (!local) return std::unexpected(local.error());
  const bool ok = SameText(*given, local->password);
  sodium_memzero(local->password.data(), local->password.size());
  if (!ok) return std::unexpected(AuthFailure::kWrongCredentials);
  return local->user;
}

std::expected<User, AuthFailure> Users::CheckToken(const std::string& name, const std::string& token,
                                                   const std::string& salt) {
  if (salt.empty()) return std::unexpected(AuthFailure::kWrongCredentials);
  std::string given = token;
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto it = household_.find(name); it != household_.end()) {
    if (!SameText(given, Md5Hex(it->second.app_password + salt)))
      return std::unexpected(AuthFailure::kWrongCredentials);
    return FromDetails(it->second);
  }
  auto local = LoadLocal(name);
  if (!local) return std::unexpected(local.error());
  std::string expected = Md5Hex(local->password + salt);
  sodium_memzero(local->password.data(), local->password.size());
  if (!SameText(given, expected)) return std::unexpected(AuthFailure::kWrongCredentials);
  return local->user;
}

std::expected<User, AuthFailure> Users::CheckApiKey(const std::string& key) {
  if (key.empty() || key.size() > 128) return std::unexpected(AuthFailure::kWrongCredentials);
  if (auto it = by_api_key_.find(key); it != by_api_key_.end()) {
    const ListenerDetails& d = household_.at(it->second);
    if (!SameText(d.api_key, key)) return std::unexpected(AuthFailure::kWrongCredentials);
    return FromDetails(d);
  }
  auto found = store::FindUserByApiKey(*db_, key);
  if (!found) return std::unexpected(AuthFailure::kStoreError);
  if (!*found || !SameText((*found)->api_key, key) || household_.contains((*found)->name))
    return std::unexpected(AuthFailure::kWrongCredentials);
  return User{(*found)->name, (*found)->admin, (*found)->api_key, false};
}

}  // namespace hearth::http

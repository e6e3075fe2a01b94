#include "node/http/listener_book.h"

#include <sodium.h>

#include "crypto/base32.h"
#include "crypto/password_hash.h"
#include "crypto/sealed_box.h"
#include "crypto/sodium.h"
#include "node/http/users.h"
#include "node/store/play_tables.h"

namespace hearth::http {
namespace {

std::unexpected<ListenerBookError> Fail(ListenerBookErrc code, std::string message) {
  return std::unexpected(ListenerBookError{code, std::move(message)});
}

std::expected<void, ListenerBookError> CheckPassword(const std::string& password) {
  if (password.empty() || password.size() > 256) return Fail(ListenerBookErrc::kBadPassword, "a password is 1-256 bytes");
  return {};
}

std::expected<std::string, ListenerBookError> Verifier(const std::string& password) {
  auto v = crypto::HashPassword(password);
  if (!v) return Fail(ListenerBookErrc::kHashFailed, "not enough memory to hash the password (Argon2id needs 64 MiB)");
  return *v;
}

}  // namespace

std::string NewAppPassword() {
  uint8_t raw[15];
  crypto::RandomBytes(raw, sizeof raw);
  return crypto::Base32Encode(ByteSpan(raw, sizeof raw));
}

std::string NewApiKey() {
  uint8_t raw[32];
  crypto::RandomBytes(raw, sizeof raw);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

std::expected<std::vector<ListenerDetails>, ListenerBookError> ListenerBook::List() const {
  const crypto::ContentSecret* secret = home_->content_secret();
  if (!secret)
    return Fail(ListenerBookErrc::kNoContentSecret,
                "this is a storage device: it holds no content secret, so it cannot read the household's listeners");
  const LedgerState& state = home_->ledger().ledger().state();
  std::vector<ListenerDetails> out;
  for (const auto& [id, rec] : state.listeners)
    if (auto d = OpenListenerDetails(*secret, state.household, id, rec.sealed)) out.push_back(std::move(*d));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::expected<std::optional<ListenerDetails>, ListenerBookError> ListenerBook::Find(const std::string& name) const {
  auto all = List();
  if (!all) return std::unexpected(all.error());
  for (auto& d : *all)
    if (d.name == name) return std::optional<ListenerDetails>(std::move(d));
  return std::optional<ListenerDetails>();
}

std::expected<void, ListenerBookError> ListenerBook::CanWrite() const {
  if (!home_->content_secret())
    return Fail(ListenerBookErrc::kNoContentSecret,
                "this is a storage device: it holds no content secret, so it cannot write the household's listeners");
  const auto& members = home_->ledger().ledger().state().members;
  auto me = members.find(home_->device_id());
  if (me == members.end() || !me->second.admin || me->second.revoked)
    return Fail(ListenerBookErrc::kNotAdmin,
                "only an admin device can change the household's listeners (`hearth admin list` names them)");
  return {};
}

std::expected<void, ListenerBookError> ListenerBook::Write(const ListenerDetails& d, int64_t now_us) {
  const crypto::ContentSecret& secret = *home_->content_secret();
  const ListenerId id = ListenerIdFor(secret, home_->household(), d.name);
  ListenerSet set{id, SealListenerDetails(secret, home_->household(), id, d)};
  auto e = home_->ledger().Author(home_->device_key(), std::move(set), now_us);
  if (!e) return Fail(ListenerBookErrc::kLedger, "cannot write the listener.set entry: " + e.error().Message());
  return {};
}

std::expected<ListenerDetails, ListenerBookError> ListenerBook::Add(const std::string& name,
                                                                    const std::string& password, bool admin,
                                                                    int64_t now_us) {
  if (auto w = CanWrite(); !w) return std::unexpected(w.error());
  if (!ValidListenerName(name))
    return Fail(ListenerBookErrc::kBadName,
                "a user name is 1-64 letters, digits, '.', '_', '-' or '@' (got \"" + name + "\")");
  if (auto p = CheckPassword(password); !p) return std::unexpected(p.error());
  auto existing = Find(name);
  if (!existing) return std::unexpected(existing.error());
  if (*existing)
    return Fail(ListenerBookErrc::kExists,
                "user " + name + " already exists (change the password with `hearth user passwd " + name + "`)");
  auto verifier = Verifier(password);
  if (!verifier) return std::unexpected(verifier.error());
  ListenerDetails d{name, admin, *verifier, NewAppPassword(), NewApiKey()};
  if (auto w = Write(d, now_us); !w) return std::unexpected(w.error());
  return d;
}

std::expected<ListenerDetails, ListenerBookError> ListenerBook::SetPassword(const std::string& name,
                                                                            const std::string& password,
                                                                            int64_t now_us) {
  if (auto w = CanWrite(); !w) return std::unexpected(w.error());
  if (auto p = CheckPassword(password); !p) return std::unexpected(p.error());
  auto existing = Find(name);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return Fail(ListenerBookErrc::kNotFound, "no user named " + name);
  auto verifier = Verifier(password);
  if (!verifier) return std::unexpected(verifier.error());
  ListenerDetails d{name, (*existing)->admin, *verifier, NewAppPassword(), NewApiKey()};
  if (auto w = Write(d, now_us); !w) return std::unexpected(w.error());
  return d;
}

std::expected<void, ListenerBookError> ListenerBook::Remove(const std::string& name, int64_t now_us) {
  if (auto w = CanWrite(); !w) return std::unexpected(w.error());
  auto existing = Find(name);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return Fail(ListenerBookErrc::kNotFound, "no user named " + name);
  const ListenerId id = ListenerIdFor(*home_->content_secret(), home_->household(), name);
  auto e = home_->ledger().Author(home_->device_key(), ListenerRemove{id}, now_us);
  if (!e) return Fail(ListenerBookErrc::kLedger, "cannot write the listener.remove entry: " + e.error().Message());
  return {};
}

std::expected<size_t, ListenerBookError> ListenerBook::RotateSecrets(int64_t now_us) {
  if (auto w = CanWrite(); !w) return std::unexpected(w.error());
  auto all = List();
  if (!all) return std::unexpected(all.error());
  for (ListenerDetails& d : *all) {
    d.app_password = NewAppPassword();
    d.api_key = NewApiKey();
    if (auto w = Write(d, now_us); !w) return std::unexpected(w.error());
  }
  return all->size();
}

std::expected<ListenerBook::Migrated, ListenerBookError> ListenerBook::MigrateDeviceListeners(int64_t now_us) {
  Migrated out;
  auto rows = store::ListUsers(home_->db());
  if (!rows) return Fail(ListenerBookErrc::kStore, rows.error().message);
  if (rows->empty()) return out;
  if (auto w = CanWrite(); !w) return std::unexpected(w.error());
  const crypto::Secret<32> key = DevicePasswordKey(home_->device_key());
  for (const store::UserRow& row : *rows) {
    auto existing = Find(row.name);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing && ValidListenerName(row.name)) {
      auto opened = crypto::OpenBox(key, AsBytes(row.name), row.password_sealed);
      if (!opened) continue;  // sealed under another device's key: leave it where it is
      std::string password(opened->begin(), opened->end());
      crypto::Wipe(opened->data(), opened->size());
      auto verifier = Verifier(password);
      if (!verifier) return std::unexpected(verifier.error());
      ListenerDetails d{row.name, row.admin, *verifier, password, row.api_key};
      crypto::Wipe(password.data(), password.size());
      if (auto w = Write(d, now_us); !w) return std::unexpected(w.error());
      out.moved.push_back(row.name);
    } else {
      out.dropped.push_back(row.name);
    }
    if (auto r = store::RemoveUser(home_->db(), row.name); !r) return Fail(ListenerBookErrc::kStore, r.error().message);
  }
  return out;
}

}  // namespace hearth::http

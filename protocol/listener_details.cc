#include "protocol/listener_details.h"

#include <cctype>

#include "crypto/sealed_box.h"
#include "crypto/sodium.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr size_t kMaxSecretText = 256;

Bytes Associated(const HouseholdId& household, const ListenerId& id) {
  ByteWriter w;
  w.Fixed(household.bytes);
  w.Fixed(id.bytes);
  return w.Take();
}

}  // namespace

std::string_view ListenerErrorText(ListenerErrc e) {
  switch (e) {
    case ListenerErrc::kBadName: return "a listener name is 1-64 letters, digits, '.', '_', '-' or '@'";
    case ListenerErrc::kMalformed: return "a listener record is malformed";
    case ListenerErrc::kCannotOpen: return "a listener record does not open with this household's content secret";
    case ListenerErrc::kWrongId: return "a listener record's name does not match its id";
  }
  return "unknown listener error";
}

bool ValidListenerName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  return true;
}

ListenerId ListenerIdFor(const crypto::ContentSecret& secret, const HouseholdId& household, std::string_view name) {
  ByteWriter w;
  w.Fixed(household.bytes);
  w.Fixed(AsBytes(name));
  auto key = secret.Derive(kListenerIdDomain, w.Take());
  ListenerId id;
  std::copy(key.data(), key.data() + 32, id.bytes.begin());
  return id;
}

Bytes EncodeListenerDetails(const ListenerDetails& d) {
  ByteWriter w;
  w.U8(1);
  w.Str(d.name);
  w.U8(d.admin ? 1 : 0);
  w.Str(d.verifier);
  w.Str(d.app_password);
  w.Str(d.api_key);
  return w.Take();
}

std::expected<ListenerDetails, ListenerErrc> DecodeListenerDetails(ByteSpan bytes) {
  ByteReader r(bytes);
  ListenerDetails d;
  if (r.U8() != 1) return std::unexpected(ListenerErrc::kMalformed);
  d.name = r.Str(64);
  const uint8_t admin = r.U8();
  d.verifier = r.Str(kMaxSecretText);
  d.app_password = r.Str(kMaxSecretText);
  d.api_key = r.Str(kMaxSecretText);
  if (!r.ok() || !r.AtEnd() || admin > 1) return std::unexpected(ListenerErrc::kMalformed);
  if (!ValidListenerName(d.name)) return std::unexpected(ListenerErrc::kBadName);
  if (d.app_password.empty() || d.api_key.empty()) return std::unexpected(ListenerErrc::kMalformed);
  d.admin = admin == 1;
  return d;
}

Bytes SealListenerDetails(const crypto::ContentSecret& secret, const HouseholdId& household, const ListenerId& id,
                          const ListenerDetails& details) {
  auto key = secret.Derive(kListenerKeyDomain, household.bytes);
  return crypto::SealBox(key, Associated(household, id), EncodeListenerDetails(details));
}

std::expected<ListenerDetails, ListenerErrc> OpenListenerDetails(const crypto::ContentSecret& secret,
                                                                 const HouseholdId& household,
                                                                 const ListenerId& id, ByteSpan sealed) {
  auto key = secret.Derive(kListenerKeyDomain, household.bytes);
  auto plain = crypto::OpenBox(key, Associated(household, id), sealed);
  if (!plain) return std::unexpected(ListenerErrc::kCannotOpen);
  auto d = DecodeListenerDetails(*plain);
  crypto::Wipe(plain->data(), plain->size());
  if (!d) return d;
  if (ListenerIdFor(secret, household, d->name) != id) return std::unexpected(ListenerErrc::kWrongId);
  return d;
}

}  // namespace hearth

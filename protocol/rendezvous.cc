#include "protocol/rendezvous.h"

#include <sodium.h>

#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/sealed_box.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

// Version 1 has no forwarded mask; version 2, written only when an
// address is forwarded, adds it (so a device without forwards stays
// readable by nodes that know version 1 only).
constexpr uint8_t kRecordVersion = 1;
constexpr uint8_t kRecordVersionForwarded = 2;

// BLAKE2b-256 keyed with `key` over `label` || `data`, wiped from the stack.
crypto::Secret<32> Derive(ByteSpan key, std::string_view label, ByteSpan data = {}) {
  ByteWriter w;
  w.Fixed(AsBytes(label));
  w.Fixed(data);
  crypto::Digest d = crypto::Blake2b256Keyed(key, w.bytes());
  crypto::Secret<32> out{std::span<const uint8_t, 32>(d)};
  sodium_memzero(d.data(), d.size());
  return out;
}

crypto::Secret<32> DayKey(const HouseholdId& household, uint32_t day) {
  ByteWriter w;
  w.U32(day);
  return Derive(household.bytes, "hearth/reach/v1/day", w.bytes());
}

// What the device signs: the domain, the day, the salt and the record up to
// its signature.
Bytes SignedPart(uint32_t day, const RendezvousSalt& salt, ByteSpan body) {
  ByteWriter w;
  w.Fixed(AsBytes("hearth/reach/v1/record"));
  w.U32(day);
  w.Fixed(salt);
  w.Fixed(body);
  return w.Take();
}

}  // namespace

const char* Describe(RendezvousError e) {
  switch (e) {
    case RendezvousError::kTooManyAddresses: return "too many addresses for one rendezvous record";
    case RendezvousError::kNotOpened: return "not a rendezvous record of this household for this day";
    case RendezvousError::kMalformed: return "a malformed rendezvous record";
    case RendezvousError::kWrongDevice: return "a rendezvous record of another device";
    case RendezvousError::kBadSignature: return "a rendezvous record not signed by its device";
  }
  return "a bad rendezvous record";
}

uint32_t RendezvousDay(int64_t unix_seconds) {
  return static_cast<uint32_t>((unix_seconds < 0 ? 0 : unix_seconds) / 86400);
}

RendezvousDayKeys::RendezvousDayKeys(const HouseholdId& household, uint32_t day)
    : day_(day),
      day_key_(DayKey(household, day)),
      seal_key_(Derive(day_key_.span(), "seal")),
      signer_(crypto::DeviceKey::FromSeed(Derive(day_key_.span(), "signer"))) {}

RendezvousSalt RendezvousDayKeys::SaltOf(const DeviceId& device) const {
  crypto::Secret<32> full = Derive(day_key_.span(), "salt", device.bytes);
  RendezvousSalt salt{};
  std::copy_n(full.data(), salt.size(), salt.begin());
  return salt;
}

std::expected<Bytes, RendezvousError> RendezvousDayKeys::Seal(const crypto::DeviceKey& device_key,
                                                              const RendezvousRecord& record) const {
  if (record.addresses.size() > kMaxRendezvousAddresses) return std::unexpected(RendezvousError::kTooManyAddresses);
  const RendezvousSalt salt = SaltOf(record.device);
  ByteWriter w;
  if (record.forwarded >> record.addresses.size()) return std::unexpected(RendezvousError::kTooManyAddresses);
  w.U8(record.forwarded ? kRecordVersionForwarded : kRecordVersion);
  w.Fixed(record.device.bytes);
  w.I64(record.time_us);
  w.U8(static_cast<uint8_t>(record.addresses.size()));
  for (const InviteAddress& a : record.addresses) WriteAddress(w, a);
  if (record.forwarded) w.U16(record.forwarded);
  const crypto::Signature sig = device_key.Sign(SignedPart(day_, salt, w.bytes()));
  w.Fixed(sig);
  return crypto::SealBox(seal_key_, salt, w.bytes());
}

std::expected<RendezvousRecord, RendezvousError> RendezvousDayKeys::Open(const DeviceId& device,
                                                                         ByteSpan sealed) const {
  const RendezvousSalt salt = SaltOf(device);
  auto plain = crypto::OpenBox(seal_key_, salt, sealed);
  if (!plain) return std::unexpected(RendezvousError::kNotOpened);
  ByteReader r(*plain);
  RendezvousRecord record;
  const uint8_t version = r.U8();
  r.Fixed(record.device.bytes);
  record.time_us = r.I64();
  const uint8_t count = r.U8();
  if (count > kMaxRendezvousAddresses) r.Fail();
  for (uint8_t i = 0; r.ok() && i < count; ++i) record.addresses.push_back(ReadAddress(r));
  if (version == kRecordVersionForwarded) {
    record.forwarded = r.U16();
    if (record.forwarded == 0 || (count < 16 && (record.forwarded >> count))) r.Fail();
  }
  const size_t body = r.position();
  crypto::Signature sig{};
  r.Fixed(sig);
  if (!r.ok() || !r.AtEnd() || (version != kRecordVersion && version != kRecordVersionForwarded))
    return std::unexpected(RendezvousError::kMalformed);
  if (record.device != device) return std::unexpected(RendezvousError::kWrongDevice);
  if (!crypto::VerifySignature(device.bytes, SignedPart(day_, salt, ByteSpan(*plain).first(body)), sig))
    return std::unexpected(RendezvousError::kBadSignature);
  return record;
}

crypto::Signature RendezvousDayKeys::SignItem(ByteSpan salt, int64_t seq, ByteSpan bencoded_value) const {
  return signer_.Sign(Bep44SignedBytes(salt, seq, bencoded_value));
}

Bytes Bep44SignedBytes(ByteSpan salt, int64_t seq, ByteSpan bencoded_value) {
  std::string head;
  if (!salt.empty()) head = "4:salt" + std::to_string(salt.size()) + ":";
  Bytes out(head.begin(), head.end());
  out.insert(out.end(), salt.begin(), salt.end());
  const std::string middle = "3:seqi" + std::to_string(seq) + "e1:v";
  out.insert(out.end(), middle.begin(), middle.end());
  out.insert(out.end(), bencoded_value.begin(), bencoded_value.end());
  return out;
}

}  // namespace hearth

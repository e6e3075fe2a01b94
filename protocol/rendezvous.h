// Rendezvous records: how a device tells the other members where it can be
// reached today through the BitTorrent mainline DHT (BEP 44 mutable items),
// so that an outsider watching the DHT learns no household id, no device id
// and nothing that stays the same from one day to the next. Pure: the DHT
// puts and gets are the node's (node/mesh/dht_rendezvous.h). Layout in
// mesh_format.md ("Rendezvous in the DHT").
//
// Every key comes from the household id, which only members know (the LAN
// beacon's tag rests on the same secret):
//   day       floor(unix seconds / 86400), UTC
//   day key   BLAKE2b-256 keyed with the household id over
//             "hearth/reach/v1/day" || day (u32)
//   signer    the Ed25519 key pair whose seed is BLAKE2b-256 keyed with the
//             day key over "signer": the item's public key, one per
//             household per day
//   salt      the first 20 bytes of BLAKE2b-256 keyed with the day key over
//             "salt" || device id: one item per device per day
//   seal key  BLAKE2b-256 keyed with the day key over "seal"
// The item's value is SealBox(seal key, associated = salt, record), with
//   record = version u8 (1) | device id (32) | time_us i64 | count u8 |
//            count x address (family u8, 4 or 16 bytes, port u16) |
//            signature (64)
// and the signature by the device's own key over
//   "hearth/reach/v1/record" || day (u32) || salt || record up to it,
// so a member can tell the record is the device's own, for that day, at
// that salt.
//
// Limits, known: a device removed from the household still knows the
// household id and so can read these items, and overwrite them (with a
// higher sequence number: a day without reach through the DHT, never a
// forged address), until the household has a new one; members can replay
// an older record of the same day (the time inside says how old it is);
// the item key is shared by the household's devices for a day, so a DHT
// node can group that day's items (without learning whose they are).
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/signing.h"
#include "protocol/ids.h"
#include "protocol/pairing.h"

namespace hearth {

inline constexpr size_t kRendezvousSaltSize = 20;
inline constexpr size_t kMaxRendezvousAddresses = 16;  // keeps the item far under BEP 44's 1000 bytes
using RendezvousSalt = std::array<uint8_t, kRendezvousSaltSize>;

struct RendezvousRecord {
  DeviceId device;
  int64_t time_us = 0;  // when the device wrote it
  std::vector<InviteAddress> addresses;
  // Bit i: addresses[i] is a port a router forwards to the device (UPnP or
  // NAT-PMP), so a session dialed there is "mapped". Written in version 2.
  uint16_t forwarded = 0;
  bool operator==(const RendezvousRecord&) const = default;
};

enum class RendezvousError {
  kTooManyAddresses,  // more than kMaxRendezvousAddresses (Seal)
  kNotOpened,         // not sealed under this household's key for this day and salt, or altered
  kMalformed,         // opened, but not a record of this version
  kWrongDevice,       // a well-formed record of another device than the salt's
  kBadSignature,      // not signed by the device it names
};
const char* Describe(RendezvousError e);

// The UTC day of `unix_seconds`.
uint32_t RendezvousDay(int64_t unix_seconds);

// One household's keys for one day. Holds secrets; wipes them when it dies.
class RendezvousDayKeys {
 public:
  RendezvousDayKeys(const HouseholdId& household, uint32_t day);

  uint32_t day() const { return day_; }
  // The BEP 44 item key, the same for every member of the household today.
  const crypto::PublicKey& item_key() const { return signer_.public_key(); }
  // Where `device`'s item is today.
  RendezvousSalt SaltOf(const DeviceId& device) const;

  // The item value for `record` (its device's salt; signed by `device_key`,
  // which must be record.device's).
  std::expected<Bytes, RendezvousError> Seal(const crypto::DeviceKey& device_key,
                                             const RendezvousRecord& record) const;
  // The record in `sealed`, found at `device`'s salt.
  std::expected<RendezvousRecord, RendezvousError> Open(const DeviceId& device, ByteSpan sealed) const;

  // BEP 44's signature of a mutable item under today's signer: over
  // Bep44SignedBytes(salt, seq, bencoded_value).
  crypto::Signature SignItem(ByteSpan salt, int64_t seq, ByteSpan bencoded_value) const;

 private:
  uint32_t day_;
  crypto::Secret<32> day_key_;
  crypto::Secret<32> seal_key_;
  crypto::DeviceKey signer_;
};

// What BEP 44 signs: "4:salt" <len> ":" salt (only when salt is not empty)
// "3:seqi" <seq> "e1:v" bencoded value.
Bytes Bep44SignedBytes(ByteSpan salt, int64_t seq, ByteSpan bencoded_value);

}  // namespace hearth

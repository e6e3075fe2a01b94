#include "protocol/beacon.h"

#include <sodium.h>

#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr std::array<uint8_t, 4> kBeaconMagic = {'H', 'R', 'T', 'B'};
constexpr uint8_t kBeaconVersion = 1;

crypto::Digest Tag(const HouseholdId& household, const Beacon& b) {
  ByteWriter w;
  constexpr std::string_view label = "hearth/beacon/v1";
  w.Fixed(ByteSpan(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
  w.Fixed(b.nonce);
  w.U16(b.control_port);
  return crypto::Blake2b256Keyed(household.bytes, w.bytes());
}

}  // namespace

Bytes EncodeBeacon(const HouseholdId& household, const Beacon& b) {
  ByteWriter w;
  w.Fixed(kBeaconMagic);
  w.U8(kBeaconVersion);
  w.Fixed(b.nonce);
  w.U16(b.control_port);
  w.Fixed(Tag(household, b));
  return w.Take();
}

std::optional<Beacon> DecodeBeacon(const HouseholdId& household, ByteSpan datagram) {
  if (datagram.size() != kBeaconSize) return std::nullopt;
  ByteReader r(datagram);
  std::array<uint8_t, 4> magic{};
  r.Fixed(magic);
  uint8_t version = r.U8();
  Beacon b;
  r.Fixed(b.nonce);
  b.control_port = r.U16();
  crypto::Digest tag{};
  r.Fixed(tag);
  if (!r.ok() || magic != kBeaconMagic || version != kBeaconVersion || b.control_port == 0) return std::nullopt;
  crypto::Digest expected = Tag(household, b);
  if (sodium_memcmp(expected.data(), tag.data(), tag.size()) != 0) return std::nullopt;
  return b;
}

}  // namespace hearth

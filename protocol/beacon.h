// The LAN beacon: a UDP multicast datagram by which household devices on one
// network find each other. It names the household only by a keyed tag, so an
// outsider learns nothing it can use (not which household, nor whether two
// beacons come from the same one). Pure; layout in mesh_format.md.
//
//   magic "HRTB" (4) | version (1) | nonce (16) | control port u16 |
//   tag = BLAKE2b-256 keyed with the household id over
//         "hearth/beacon/v1" || nonce || port                        (32)
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth {

inline constexpr size_t kBeaconSize = 4 + 1 + 16 + 2 + 32;

struct Beacon {
  std::array<uint8_t, 16> nonce{};  // fresh per node run; a node ignores its own
  uint16_t control_port = 0;
};

Bytes EncodeBeacon(const HouseholdId& household, const Beacon& b);
// The beacon, if `datagram` is one of `household`'s; nullopt for anything
// else (another household's, or noise).
std::optional<Beacon> DecodeBeacon(const HouseholdId& household, ByteSpan datagram);

}  // namespace hearth

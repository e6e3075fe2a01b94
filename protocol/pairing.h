// Pairing: the one-time invite code a new device joins with, and the proof
// it gives over the authenticated mesh channel. Pure; layout in
// mesh_format.md ("Pairing").
//
// The code carries what the new device needs to reach and recognise the
// inviter: the household id (for the handshake's household tag), the
// inviter's device key (the only responder the joiner accepts), a random
// 16-byte secret, and address hints. Role and expiry stay on the inviter,
// keyed by the invite id, so a code cannot be edited to ask for more.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "protocol/ids.h"

namespace hearth {

inline constexpr uint8_t kInviteVersion = 1;
inline constexpr size_t kMaxInviteAddresses = 8;
inline constexpr char kInvitePrefix[] = "hearth1-";

struct InviteAddress {
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes when !v6
  bool v6 = false;
  uint16_t port = 0;
  std::string ToString() const;   // "1.2.3.4:5" or "[::1]:5"
  bool operator==(const InviteAddress&) const = default;
};

class ByteWriter;
class ByteReader;
// Wire form shared by invite codes and PEERS: family u8 (4 or 6), the
// address (4 or 16 bytes), port u16 (not 0). ReadAddress fails the reader on
// anything else.
void WriteAddress(ByteWriter& w, const InviteAddress& a);
InviteAddress ReadAddress(ByteReader& r);

// Parses "HOST:PORT" with a numeric IPv4 or bracketed IPv6 host.
std::expected<InviteAddress, std::string> ParseInviteAddress(std::string_view text);

struct InviteCode {
  HouseholdId household;
  DeviceId inviter;
  std::array<uint8_t, 16> secret{};
  std::vector<InviteAddress> addresses;
  bool operator==(const InviteCode&) const = default;
};

// "hearth1-" followed by lowercase base32 of the binary code.
std::string EncodeInviteCode(const InviteCode& code);
std::expected<InviteCode, std::string> DecodeInviteCode(std::string_view text);

// What the inviter stores: H("hearth/invite-id/v1" || secret).
crypto::Digest InviteIdOf(const std::array<uint8_t, 16>& secret);

// The joiner's proof: BLAKE2b-256 keyed with the secret over
// "hearth/join/v1" || household || inviter key || joiner key. Bound to both
// devices, so a proof relayed to another inviter or for another key fails.
crypto::Digest JoinProof(const std::array<uint8_t, 16>& secret, const HouseholdId& household,
                         const DeviceId& inviter, const DeviceId& joiner);

}  // namespace hearth

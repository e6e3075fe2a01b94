// Relay and hole-punch messages: how a member that two devices both reach
// carries a mesh session between them, and how it helps them open a direct
// one. Pure encodings; layouts in mesh_format.md ("Relays and hole
// punching").
//
//   RELAY_OPEN    to a relay: "open a channel to `device`"; from a relay:
//                 "`device` opens a channel to you"
//   RELAY_ACCEPT  the target took the channel (passed back to the opener)
//   RELAY_DATA    bytes of the end-to-end session (already encrypted by it)
//   RELAY_ACK     the reader consumed this many bytes: the writer may send
//                 as many more (end-to-end credit, kRelayWindow at first)
//   RELAY_CLOSE   the channel ends, with a code and a reason
//   PUNCH         to a third member: "have `device` dial me now"; from it:
//                 "`device` dials you now from `address`: dial it back"
//
// A channel is named on each hop by a u32 the opener of that hop chose:
// odd when the opener is the initiator of the hop's mesh session, even when
// it is the responder, so both ends can open channels without colliding.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "protocol/ids.h"
#include "protocol/pairing.h"
#include "protocol/sync_messages.h"

namespace hearth {

// RELAY_OPEN .. PUNCH: the session layer's, never a MeshModel's.
bool IsRelayMessage(uint8_t type);

// What a writer may have in flight on a channel before the reader acks.
inline constexpr uint32_t kRelayWindow = 4u << 20;
// The most bytes in one RELAY_DATA.
inline constexpr size_t kMaxRelayChunk = 64 * 1024;
inline constexpr size_t kMaxRelayReason = 256;

enum class RelayCloseCode : uint16_t {
  kEnded = 1,         // an end closed its session
  kNotConnected = 2,  // the relay has no direct session with the target
  kRefused = 3,       // the relay does not relay this (reach off, limits, not a member)
  kHopLost = 4,       // the relay lost its session with the other end
  kBroken = 5,        // a frame broke the rules (credit overrun, unknown channel)
};

struct RelayOpen {
  uint32_t channel = 0;
  // To a relay: carry a channel to `device`. From a relay (false): `device`
  // opens a channel to you.
  bool to_relay = true;
  DeviceId device;
  bool operator==(const RelayOpen&) const = default;
};
Bytes EncodeRelayOpen(const RelayOpen& m);
std::expected<RelayOpen, std::string> DecodeRelayOpen(ByteSpan payload);

// RELAY_ACCEPT carries the channel alone.
Bytes EncodeRelayChannel(uint32_t channel);
std::expected<uint32_t, std::string> DecodeRelayChannel(ByteSpan payload);

// RELAY_DATA: the channel, then 1..kMaxRelayChunk bytes. Decoding returns
// the channel and where the bytes start in `payload`.
Bytes EncodeRelayData(uint32_t channel, ByteSpan bytes);
std::expected<std::pair<uint32_t, ByteSpan>, std::string> DecodeRelayData(ByteSpan payload);

struct RelayAck {
  uint32_t channel = 0;
  uint32_t bytes = 0;  // 1..kRelayWindow
  bool operator==(const RelayAck&) const = default;
};
Bytes EncodeRelayAck(const RelayAck& m);
std::expected<RelayAck, std::string> DecodeRelayAck(ByteSpan payload);

struct RelayClose {
  uint32_t channel = 0;
  RelayCloseCode code = RelayCloseCode::kEnded;
  std::string reason;  // for people; at most kMaxRelayReason bytes
  bool operator==(const RelayClose&) const = default;
};
Bytes EncodeRelayClose(const RelayClose& m);
// A code outside 1..5 is malformed.
std::expected<RelayClose, std::string> DecodeRelayClose(ByteSpan payload);

struct Punch {
  DeviceId device;
  std::optional<InviteAddress> address;  // absent in a request, present when passed on
  bool operator==(const Punch&) const = default;
};
Bytes EncodePunch(const Punch& m);
std::expected<Punch, std::string> DecodePunch(ByteSpan payload);

}  // namespace hearth

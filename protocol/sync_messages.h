// The first mesh messages: what two devices say right after the handshake
// to bring their ledgers level. Pure encodings; the byte layout is in
// mesh_format.md ("Messages").
//
//   HELLO    each side, first: protocol version, ports, ledger heads
//   ENTRIES  a batch of ledger entries the other lacks, in causal order
//   SYNCED   "I have sent you everything you lacked when we met"
//   PING/PONG, ERROR
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "protocol/ledger.h"

namespace hearth {

enum class MessageType : uint8_t {
  kHello = 1,
  kEntries = 2,
  kSynced = 3,
  kJoin = 20,         // mesh_messages.h
  kWelcome = 21,
  kHave = 30,
  kTorrentRequest = 31,
  kTorrent = 32,
  kSwarmToken = 33,
  kPeers = 34,
  kRead = 35,
  kData = 36,
  kListenerHeads = 37,
  kListenerEvents = 38,
  kState = 39,  // placement_messages.h
  kProve = 40,
  kProof = 41,
  kRelayOpen = 42,  // relay_messages.h
  kRelayAccept = 43,
  kRelayData = 44,
  kRelayAck = 45,
  kRelayClose = 46,
  kPunch = 47,
  kStreams = 48,  // mesh_messages.h
  kPing = 10,
  kPong = 11,
  kError = 15,
};

struct Hello {
  uint8_t version = 1;
  uint16_t control_port = 0;  // where this device accepts mesh connections (0: none)
  uint16_t torrent_port = 0;  // where its libtorrent session listens (0: none)
  std::vector<AuthorHead> heads;
  bool operator==(const Hello& o) const;
};

inline constexpr size_t kMaxHeads = 4096;
// An ENTRIES batch is cut to stay under the frame limit.
inline constexpr size_t kMaxEntriesBatchBytes = 900 * 1024;

Bytes EncodeHello(const Hello& h);
std::expected<Hello, std::string> DecodeHello(ByteSpan payload);

// Splits entry encodings into ENTRIES payloads of at most
// kMaxEntriesBatchBytes each (an entry is at most ~66 KiB).
std::vector<Bytes> EncodeEntryBatches(const std::vector<Bytes>& entries);
// The entries of one ENTRIES payload (still to be decoded and verified).
std::expected<std::vector<Bytes>, std::string> DecodeEntryBatch(ByteSpan payload);

Bytes EncodeError(uint16_t code, std::string_view message);
std::expected<std::pair<uint16_t, std::string>, std::string> DecodeError(ByteSpan payload);

}  // namespace hearth

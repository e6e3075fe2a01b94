// Mesh messages beyond ledger sync: pairing, have-sets, torrents and swarm
// tokens. Pure encodings; the byte layout is in mesh_format.md.
//
//   JOIN      joiner -> inviter, first frame of a pairing session
//   WELCOME   inviter -> joiner: the role granted, and the content secret
//             (absent for storage devices)
//   HAVE      the blobs the sender holds: a whole set, or additions
//   TORRENT_REQUEST / TORRENT   ask for and deliver a blob's .torrent
//   SWARM_TOKEN  the sender's swarm token, with which it proves itself on
//             BitTorrent connections (node/swarm/swarm_guard.h)
//   STREAMS   the streams the sender's players are playing (the stream limit)
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "protocol/entry_body.h"
#include "protocol/ids.h"
#include "protocol/pairing.h"

namespace hearth {

// With an invite for recovery (`hearth invite --for-recovery`), the joiner
// shows it holds the household's recovery key before the inviter hands over
// the content secret: the key's signature over RecoveryJoinProofBytes.
struct JoinRecovery {
  RecoveryKey key{};
  std::array<uint8_t, 64> proof{};
  bool operator==(const JoinRecovery&) const = default;
};
// "hearth/recovery-join/v1" || household id || joiner's device key || invite id
Bytes RecoveryJoinProofBytes(const HouseholdId& household, const DeviceId& joiner, const crypto::Digest& invite_id);

struct JoinRequest {
  crypto::Digest invite_id{};
  crypto::Digest proof{};
  std::string device_name;  // at most kMaxNameBytes
  std::optional<JoinRecovery> recovery;  // trailing, when present
  bool operator==(const JoinRequest&) const = default;
};
Bytes EncodeJoin(const JoinRequest& j);
std::expected<JoinRequest, std::string> DecodeJoin(ByteSpan payload);

struct Welcome {
  Role role = Role::kFull;
  std::optional<std::array<uint8_t, 32>> content_secret;
  bool operator==(const Welcome&) const = default;
};
Bytes EncodeWelcome(const Welcome& w);
std::expected<Welcome, std::string> DecodeWelcome(ByteSpan payload);

// At most this many ids per HAVE frame; larger sets span several frames
// (the first with replace = true).
inline constexpr size_t kMaxHaveIds = 30000;
struct Have {
  bool replace = false;  // true: this is the start of the sender's whole set
  std::vector<BlobId> blobs;
  bool operator==(const Have&) const = default;
};
std::vector<Bytes> EncodeHaveSet(const std::vector<BlobId>& blobs);  // replace, then additions
std::vector<Bytes> EncodeHaveAdditions(const std::vector<BlobId>& blobs);  // none when empty
Bytes EncodeHave(const Have& h);
std::expected<Have, std::string> DecodeHave(ByteSpan payload);

Bytes EncodeTorrentRequest(const BlobId& blob);
std::expected<BlobId, std::string> DecodeTorrentRequest(ByteSpan payload);

struct TorrentReply {
  BlobId blob;
  std::optional<Bytes> torrent;  // nullopt: the sender does not hold it
  bool operator==(const TorrentReply&) const = default;
};
Bytes EncodeTorrentReply(const TorrentReply& t);
std::expected<TorrentReply, std::string> DecodeTorrentReply(ByteSpan payload);

// PEERS: where the sender's online household devices can be reached.
inline constexpr size_t kMaxPeerAddresses = 1024;
struct PeerAddress {
  DeviceId device;
  InviteAddress address;
  bool operator==(const PeerAddress&) const = default;
};
Bytes EncodePeers(const std::vector<PeerAddress>& peers);
std::expected<std::vector<PeerAddress>, std::string> DecodePeers(ByteSpan payload);

// READ / DATA: a direct read of sealed chunks (= pieces) over the control
// session, so that the first audio of a fetch does not wait for a
// BitTorrent connection. The receiver hands the bytes to libtorrent, which
// checks them against the piece hash like any other piece.
inline constexpr uint16_t kMaxReadChunks = 8;
struct ReadRequest {
  BlobId blob;
  uint32_t first = 0;  // chunk index
  uint16_t count = 1;  // 1..kMaxReadChunks
  bool operator==(const ReadRequest&) const = default;
};
Bytes EncodeRead(const ReadRequest& r);
std::expected<ReadRequest, std::string> DecodeRead(ByteSpan payload);

struct ChunkData {
  BlobId blob;
  uint32_t index = 0;
  std::optional<Bytes> sealed;  // nullopt: the sender cannot read it
  bool operator==(const ChunkData&) const = default;
};
Bytes EncodeData(const ChunkData& d);
std::expected<ChunkData, std::string> DecodeData(ByteSpan payload);

// ERROR codes.
inline constexpr uint16_t kErrMalformed = 1;   // a message that does not decode
inline constexpr uint16_t kErrInvite = 2;      // unknown, used, expired or wrong invite
inline constexpr uint16_t kErrNotAllowed = 3;  // e.g. the inviter is not an admin
inline constexpr uint16_t kErrInternal = 4;    // the sender failed (disk, database)

// STREAMS: the streams playing from the sender's players now, its whole set
// (node/http/stream_slots.h): each a track and how long its slot still holds.
inline constexpr size_t kMaxStreamSlots = 1024;
struct StreamSlot {
  TrackId track;
  uint32_t left_ms = 0;  // 1.. ; relative, so that no clocks are compared
  bool operator==(const StreamSlot&) const = default;
};
Bytes EncodeStreams(const std::vector<StreamSlot>& slots);
std::expected<std::vector<StreamSlot>, std::string> DecodeStreams(ByteSpan payload);

Bytes EncodeSwarmToken(const std::array<uint8_t, 32>& token);
std::expected<std::array<uint8_t, 32>, std::string> DecodeSwarmToken(ByteSpan payload);

}  // namespace hearth

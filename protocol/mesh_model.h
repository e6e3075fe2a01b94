// MeshModel: what a member's messages ask of a node, decoded. The session
// layer (node/mesh/peer_sessions.h) reads frames; DispatchMemberMessage turns
// one frame into one call here; the node's parts (ledger sync, the have
// index, fetches, chunk reads, placement, surplus proofs, listener sync)
// answer them. Session-level messages -- PING/PONG, ERROR, relays and hole punching
// (relay_messages.h), and JOIN from a
// device that is not yet a member -- never reach a model.
//
// A model's methods run on the node's thread, one message at a time, in the
// order the peer sent them; `from` is an admitted member with an open
// session when the call starts. Values passed in are the model's to keep.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "protocol/byte_io.h"
#include "protocol/ids.h"
#include "protocol/listener_events.h"
#include "protocol/mesh_messages.h"
#include "protocol/placement_messages.h"
#include "protocol/sync_messages.h"

namespace hearth {

class MeshModel {
 public:
  virtual ~MeshModel() = default;

  // Ledger sync (sync_messages.h).
  virtual void OnHello(const DeviceId& from, const Hello& hello) = 0;
  virtual void OnEntries(const DeviceId& from, std::vector<Bytes> entries) = 0;  // encoded entries, unchecked
  virtual void OnSynced(const DeviceId& from) = 0;
  // Who else is in the household and where (mesh_messages.h).
  virtual void OnPeers(const DeviceId& from, std::vector<PeerAddress> peers) = 0;
  // What `from` presents in its BitTorrent extension handshakes.
  virtual void OnSwarmToken(const DeviceId& from, const std::array<uint8_t, 32>& token) = 0;
  // Blobs held, and moving them (mesh_messages.h).
  virtual void OnHave(const DeviceId& from, Have have) = 0;
  virtual void OnTorrentRequest(const DeviceId& from, const BlobId& blob) = 0;
  virtual void OnTorrent(const DeviceId& from, TorrentReply reply) = 0;
  virtual void OnRead(const DeviceId& from, const ReadRequest& read) = 0;
  virtual void OnData(const DeviceId& from, ChunkData data) = 0;
  // Placement (placement_messages.h). A STATE that cannot be read is passed
  // on as its decoding error: it is not a reason to end the session.
  virtual void OnState(const DeviceId& from, const std::expected<DeviceState, std::string>& state) = 0;
  virtual void OnProve(const DeviceId& from, const ProveRequest& prove) = 0;
  virtual void OnProof(const DeviceId& from, const ProofReply& proof) = 0;
  // Stars, plays and playlists (listener_events.h).
  virtual void OnListenerHeads(const DeviceId& from, const ListenerHeads& heads) = 0;
  virtual void OnListenerEvents(const DeviceId& from, std::vector<ListenerEvent> events) = 0;
  // The streams the member's players play now (the stream limit).
  virtual void OnStreams(const DeviceId& from, std::vector<StreamSlot> slots) = 0;
};

// Why a member's frame was not passed on. The session answers a malformed
// one with ERROR kErrMalformed and closes.
enum class DispatchErrc {
  kMalformed,           // the payload does not decode as its type says
  kUnsupportedVersion,  // a HELLO of another protocol version
};
struct DispatchError {
  DispatchErrc code;
  std::string detail;  // for the ERROR frame and the log
};

// What DispatchMemberMessage did with a frame.
enum class Dispatched {
  kDelivered,     // one call on the model
  kNotForModel,   // a session-level type (PING, PONG, ERROR, JOIN, WELCOME, RELAY_*, PUNCH): the caller's
  kUnknownType,   // ignored: a newer peer may send more
};

// Decodes one frame of `type` from member `from` and calls the one model
// method it names. Pure: no state but the model's.
std::expected<Dispatched, DispatchError> DispatchMemberMessage(MeshModel& model, const DeviceId& from,
                                                               uint8_t type, ByteSpan payload);

}  // namespace hearth

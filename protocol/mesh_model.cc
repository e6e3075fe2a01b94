// Decoding a member's frame into one MeshModel call.
#include "protocol/mesh_model.h"

#include "protocol/handshake.h"
#include "protocol/relay_messages.h"

namespace hearth {
namespace {

// Calls `deliver` with the decoded value, or says why it did not decode.
template <class T, class F>
std::expected<Dispatched, DispatchError> Deliver(std::expected<T, std::string> decoded, F deliver) {
  if (!decoded) return std::unexpected(DispatchError{DispatchErrc::kMalformed, std::move(decoded.error())});
  deliver(std::move(*decoded));
  return Dispatched::kDelivered;
}

}  // namespace

std::expected<Dispatched, DispatchError> DispatchMemberMessage(MeshModel& model, const DeviceId& from,
                                                               uint8_t type, ByteSpan payload) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kHello: {
      auto hello = DecodeHello(payload);
      if (hello && hello->version != kMeshProtocolVersion)
        return std::unexpected(DispatchError{DispatchErrc::kUnsupportedVersion,
                                             "unsupported protocol version " + std::to_string(hello->version)});
      return Deliver(std::move(hello), [&](Hello h) { model.OnHello(from, h); });
    }
    case MessageType::kEntries:
      return Deliver(DecodeEntryBatch(payload), [&](std::vector<Bytes> e) { model.OnEntries(from, std::move(e)); });
    case MessageType::kSynced:
      model.OnSynced(from);
      return Dispatched::kDelivered;
    case MessageType::kPeers:
      return Deliver(DecodePeers(payload), [&](std::vector<PeerAddress> p) { model.OnPeers(from, std::move(p)); });
    case MessageType::kSwarmToken:
      return Deliver(DecodeSwarmToken(payload), [&](const std::array<uint8_t, 32>& t) { model.OnSwarmToken(from, t); });
    case MessageType::kHave:
      return Deliver(DecodeHave(payload), [&](Have h) { model.OnHave(from, std::move(h)); });
    case MessageType::kTorrentRequest:
      return Deliver(DecodeTorrentRequest(payload), [&](const BlobId& b) { model.OnTorrentRequest(from, b); });
    case MessageType::kTorrent:
      return Deliver(DecodeTorrentReply(payload), [&](TorrentReply r) { model.OnTorrent(from, std::move(r)); });
    case MessageType::kRead:
      return Deliver(DecodeRead(payload), [&](const ReadRequest& r) { model.OnRead(from, r); });
    case MessageType::kData:
      return Deliver(DecodeData(payload), [&](ChunkData d) { model.OnData(from, std::move(d)); });
    case MessageType::kState:
      model.OnState(from, DecodeDeviceState(payload));
      return Dispatched::kDelivered;
    case MessageType::kProve:
      return Deliver(DecodeProve(payload), [&](const ProveRequest& p) { model.OnProve(from, p); });
    case MessageType::kProof:
      return Deliver(DecodeProof(payload), [&](const ProofReply& p) { model.OnProof(from, p); });
    case MessageType::kListenerHeads:
      return Deliver(DecodeListenerHeads(payload), [&](const ListenerHeads& h) { model.OnListenerHeads(from, h); });
    case MessageType::kListenerEvents:
      return Deliver(DecodeListenerEvents(payload),
                     [&](std::vector<ListenerEvent> e) { model.OnListenerEvents(from, std::move(e)); });
    case MessageType::kStreams:
      return Deliver(DecodeStreams(payload), [&](std::vector<StreamSlot> s) { model.OnStreams(from, std::move(s)); });
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kError:
    case MessageType::kJoin:
    case MessageType::kWelcome:
      return Dispatched::kNotForModel;
    default:
      if (IsRelayMessage(type)) return Dispatched::kNotForModel;
      break;
  }
  return Dispatched::kUnknownType;
}

}  // namespace hearth

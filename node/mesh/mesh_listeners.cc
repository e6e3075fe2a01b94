// MeshNode: listener state -- stars, plays and playlists -- follows each
// listener to every member device that holds the content secret. On
// connecting, each side sends LISTENER_HEADS (the highest seq it has of each
// origin) and gets back the events it lacks; afterwards, events written on
// this device (by its HTTP side, through the database) are sent to every
// such member as they appear. Receivers ignore events they already have.
#include "node/mesh/mesh_node.h"
#include "node/store/play_tables.h"
#include "protocol/frame_codec.h"

namespace hearth::mesh {
namespace {
constexpr size_t kMaxEventsPerPoll = 20000;
}  // namespace

bool MeshNode::SharesListenerState(const DeviceId& peer) const {
  if (!home_.content_secret()) return false;
  const auto& members = home_.ledger().ledger().state().members;
  auto m = members.find(peer);
  return m != members.end() && !m->second.revoked && m->second.role != Role::kStorage;
}

void MeshNode::SendListenerHeads(Connection& c) {
  auto heads = store::LoadListenerHeads(home_.db());
  if (!heads) return Log("cannot read listener events: " + heads.error().message);
  c.Send(MessageType::kListenerHeads, EncodeListenerHeads(*heads));
}

void MeshNode::SendListenerEvents(Connection& c, const std::vector<Bytes>& events) {
  std::vector<Bytes> batch;
  size_t bytes = 8;
  for (const Bytes& e : events) {
    if (!batch.empty() && (batch.size() >= kMaxListenerBatch || bytes + e.size() + 4 > kMaxFramePayload)) {
      c.Send(MessageType::kListenerEvents, EncodeListenerEvents(batch));
      batch.clear();
      bytes = 8;
    }
    batch.push_back(e);
    bytes += e.size() + 4;
  }
  if (!batch.empty()) c.Send(MessageType::kListenerEvents, EncodeListenerEvents(batch));
}

void MeshNode::OnListenerHeads(Session& s, ByteSpan payload) {
  if (!SharesListenerState(s.conn->peer())) return;
  auto heads = DecodeListenerHeads(payload);
  if (!heads) return s.conn->SendErrorAndClose(kErrMalformed, heads.error());
  auto missing = store::ListenerEventsMissing(home_.db(), *heads, kMaxEventsPerPoll);
  if (!missing) return Log("cannot read listener events: " + missing.error().message);
  SendListenerEvents(*s.conn, *missing);
}

void MeshNode::OnListenerEvents(Session& s, ByteSpan payload) {
  if (!SharesListenerState(s.conn->peer())) return;
  auto events = DecodeListenerEvents(payload);
  if (!events) return s.conn->SendErrorAndClose(kErrMalformed, events.error());
  size_t fresh = 0;
  for (const ListenerEvent& e : *events) {
    auto applied = store::ApplyListenerEvent(home_.db(), e);
    if (!applied) return Log("cannot store listener events: " + applied.error().message);
    fresh += *applied ? 1 : 0;
  }
  if (fresh > 0)
    Log("listener events from " + Name(s.conn->peer()) + ": " + std::to_string(fresh) + " new (stars, plays, playlists)");
}

void MeshNode::PollListenerEvents() {
  auto since = store::ListenerEventsSince(home_.db(), listener_arrival_, kMaxEventsPerPoll);
  if (!since) return Log("cannot read listener events: " + since.error().message);
  listener_arrival_ = since->second;
  if (since->first.empty()) return;
  for (auto& [device, raw] : members_)
    if (SharesListenerState(device)) SendListenerEvents(*raw, since->first);
}

}  // namespace hearth::mesh

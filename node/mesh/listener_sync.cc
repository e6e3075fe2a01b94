#include "node/mesh/listener_sync.h"

#include "node/store/play_tables.h"
#include "protocol/frame_codec.h"

namespace hearth::mesh {
namespace {
constexpr size_t kMaxEventsPerPoll = 20000;
}  // namespace

void ListenerSync::Start() {
  if (auto last = store::LastListenerArrival(ctx_.home.db())) arrival_ = *last;
}

bool ListenerSync::SharesListenerState(const DeviceId& peer) const {
  if (!ctx_.home.content_secret()) return false;
  const auto& members = ctx_.home.ledger().ledger().state().members;
  auto m = members.find(peer);
  return m != members.end() && !m->second.revoked && m->second.role != Role::kStorage;
}

void ListenerSync::MemberUp(const DeviceId& peer) {
  Connection* c = peers_.SessionOf(peer);
  if (!c || !SharesListenerState(peer)) return;
  auto heads = store::LoadListenerHeads(ctx_.home.db());
  if (!heads) return ctx_.Log("cannot read listener events: " + heads.error().message);
  c->Send(MessageType::kListenerHeads, EncodeListenerHeads(*heads));
}

void ListenerSync::SendEvents(Connection& c, const std::vector<Bytes>& events) {
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

void ListenerSync::OnHeads(const DeviceId& from, const ListenerHeads& heads) {
  Connection* c = peers_.SessionOf(from);
  if (!c || !SharesListenerState(from)) return;
  auto missing = store::ListenerEventsMissing(ctx_.home.db(), heads, kMaxEventsPerPoll);
  if (!missing) return ctx_.Log("cannot read listener events: " + missing.error().message);
  SendEvents(*c, *missing);
}

void ListenerSync::OnEvents(const DeviceId& from, const std::vector<ListenerEvent>& events) {
  if (!SharesListenerState(from)) return;
  size_t fresh = 0;
  for (const ListenerEvent& e : events) {
    auto applied = store::ApplyListenerEvent(ctx_.home.db(), e);
    if (!applied) return ctx_.Log("cannot store listener events: " + applied.error().message);
    fresh += *applied ? 1 : 0;
  }
  if (fresh > 0)
    ctx_.Log("listener events from " + ctx_.Name(from) + ": " + std::to_string(fresh) +
             " new (stars, plays, playlists)");
}

void ListenerSync::Poll() {
  auto since = store::ListenerEventsSince(ctx_.home.db(), arrival_, kMaxEventsPerPoll);
  if (!since) return ctx_.Log("cannot read listener events: " + since.error().message);
  arrival_ = since->second;
  if (since->first.empty()) return;
  for (auto& [device, raw] : peers_.members())
    if (SharesListenerState(device)) SendEvents(*raw, since->first);
}

}  // namespace hearth::mesh

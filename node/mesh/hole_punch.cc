#include "node/mesh/hole_punch.h"

#include <vector>

#include "node/mesh/endpoint.h"
#include "protocol/relay_messages.h"

namespace hearth::mesh {

void HolePunch::Tick(std::chrono::steady_clock::time_point now) {
  if (ctx_.stopping || !ctx_.home.ledger().ledger().state().policy.reach) {
    retries_.Clear();
    records_.clear();
    return;
  }
  std::erase_if(records_, [&](const auto& r) { return now > r.second.until || peers_.IsDirect(r.first); });
  for (const auto& [device, record] : records_)
    if (now >= record.from && !punching_.contains(device)) Dial(device, record.address);
  std::vector<DeviceId> helpers;
  for (const auto& [device, conn] : peers_.members())
    if (peers_.IsDirect(device)) helpers.push_back(device);
  for (const auto& [device, member] : ctx_.home.ledger().ledger().state().members) {
    if (device == ctx_.me() || member.revoked || peers_.IsDirect(device) || punching_.contains(device)) continue;
    if (const auto via = retries_.Due(device, now, helpers))
      peers_.SessionOf(*via)->Send(MessageType::kPunch, EncodePunch(Punch{device, std::nullopt}));
  }
}

void HolePunch::OnPunch(Connection& from, ByteSpan payload) {
  auto punch = DecodePunch(payload);
  if (!punch) return from.SendErrorAndClose(kErrMalformed, punch.error());
  if (!ctx_.home.ledger().ledger().state().policy.reach || ctx_.stopping) return;
  if (!punch->address) return Help(from, punch->device);
  Dial(punch->device, *punch->address);
}

void HolePunch::FromRecord(const DeviceId& device, const std::vector<InviteAddress>& addresses) {
  if (addresses.empty() || device == ctx_.me() || peers_.IsDirect(device)) return;
  const auto now = ctx_.SteadyNow();
  auto [it, fresh] = records_.try_emplace(device, FromRecord_{addresses.front(), now + kRecordPunchAfter, now});
  it->second.address = addresses.front();  // the latest record's; still punching if it was
  it->second.until = now + kRecordPunchFor;
}

void HolePunch::Help(Connection& from, const DeviceId& other) {
  const DeviceId asker = from.peer();
  if (other == asker || other == ctx_.me() || !ctx_.IsUnrevokedMember(other)) return;
  const auto asker_at = peers_.SeenAddressOf(asker);
  const auto other_at = peers_.SeenAddressOf(other);
  Connection* to_other = peers_.SessionOf(other);
  if (!asker_at || !other_at || !to_other) return;  // not both reached directly here
  auto a = ParseInviteAddress(FormatEndpoint(asker_at->first, asker_at->second));
  auto b = ParseInviteAddress(FormatEndpoint(other_at->first, other_at->second));
  if (!a || !b) return;
  // Both at once: the two dials must cross.
  to_other->Send(MessageType::kPunch, EncodePunch(Punch{asker, *a}));
  from.Send(MessageType::kPunch, EncodePunch(Punch{other, *b}));
  ctx_.Log("reach: helping " + ctx_.Name(asker) + " and " + ctx_.Name(other) + " punch a hole (" +
           a->ToString() + ", " + b->ToString() + ")");
}

void HolePunch::Dial(const DeviceId& peer, const InviteAddress& address) {
  if (peer == ctx_.me() || !ctx_.IsUnrevokedMember(peer) || peers_.IsDirect(peer) || !punching_.insert(peer).second)
    return;
  auto ep = ParseEndpoint(address.ToString(), false);
  if (!ep) {
    punching_.erase(peer);
    return;
  }
  transport_.Punch(ep->address().to_string(), ep->port(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(kPunchFor),
                   [this, alive = ctx_.alive, peer, where = address.ToString()](auto stream) {
                     if (!*alive) return;
                     punching_.erase(peer);
                     if (ctx_.stopping) return;
                     if (!stream) {
                       // Said once until a punch works: it is tried again and again.
                       if (failed_.insert(peer).second)
                         ctx_.Log("reach: no hole to " + ctx_.Name(peer) + " at " + where + ": " +
                                  stream.error().Message() + " (trying again now and then)");
                       return;
                     }
                     failed_.erase(peer);
                     peers_.AdoptStream(std::move(*stream), ctx_.me() < peer, PathKind::kPunched);
                   });
}

}  // namespace hearth::mesh

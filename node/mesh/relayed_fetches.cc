#include "node/mesh/relayed_fetches.h"

#include <algorithm>

#include "crypto/blob_cipher.h"

namespace hearth::mesh {

void RelayedFetches::Tick(std::chrono::steady_clock::time_point now) {
  swarm::BlobTransfer* transfer = fetcher_.transfer();
  if (!transfer) return;
  std::erase_if(pulls_, [&](const auto& p) {
    return !fetcher_.IsFetching(p.first) || !peers_.IsOnline(p.second.from) ||
           peers_.SwarmReachable(p.second.from);
  });
  for (const auto& [blob, fetch] : fetcher_.fetches()) {
    if (auto p = pulls_.find(blob); p != pulls_.end()) {
      if (now - p->second.heard > kStallAfter) {
        // Asked, and nothing came: ask again from where the fetch stands.
        p->second.next = 0;
        p->second.in_flight = 0;
        p->second.heard = now;
        Fill(blob, p->second);
      }
      continue;
    }
    if (!transfer->Has(blob)) continue;  // its torrent is not known yet
    std::optional<DeviceId> relayed;
    bool direct = false;
    for (const auto& [device, conn] : peers_.members()) {
      if (!have_.Lists(device, blob)) continue;
      if (peers_.SwarmReachable(device)) direct = true;
      else relayed = device;
    }
    if (direct || !relayed) continue;
    const auto status = transfer->Status(blob);
    if (!status || status->total == 0) continue;
    Pull& pull = pulls_[blob];
    pull.from = *relayed;
    pull.end = static_cast<uint32_t>((status->total + crypto::kSealedChunkSize - 1) / crypto::kSealedChunkSize);
    pull.heard = now;
    ctx_.Log("fetching blob " + blob.ShortHex() + " over the mesh session with " + ctx_.Name(*relayed) +
             (peers_.IsDirect(*relayed) ? " (a punched hole: its swarm cannot be reached)" : " (relayed)"));
    Fill(blob, pull);
  }
}

void RelayedFetches::Fill(const BlobId& blob, Pull& pull) {
  Connection* c = peers_.SessionOf(pull.from);
  swarm::BlobTransfer* transfer = fetcher_.transfer();
  if (!c || !transfer) return;
  while (pull.in_flight < kPullWindow && pull.next < pull.end) {
    // Skip what the fetch has (a second round after a stall).
    while (pull.next < pull.end && transfer->HavePiece(blob, pull.next)) ++pull.next;
    if (pull.next >= pull.end) break;
    uint32_t count = 1;
    while (count < kMaxReadChunks && pull.next + count < pull.end && pull.in_flight + count < kPullWindow &&
           !transfer->HavePiece(blob, pull.next + count))
      ++count;
    c->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, pull.next, static_cast<uint16_t>(count)}));
    pull.next += count;
    pull.in_flight += count;
  }
}

void RelayedFetches::OnData(const DeviceId& from, const ChunkData& data) {
  auto it = pulls_.find(data.blob);
  if (it == pulls_.end() || it->second.from != from) return;
  Pull& pull = it->second;
  if (!data.sealed) {
    // The holder cannot read it after all: the swarm's turn (or the next
    // holder's) when a tick starts over.
    pulls_.erase(it);
    return;
  }
  pull.heard = ctx_.SteadyNow();
  if (pull.in_flight > 0) --pull.in_flight;
  Fill(data.blob, pull);
}

}  // namespace hearth::mesh

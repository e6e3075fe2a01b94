#include "node/mesh/have_index.h"

#include "node/store/mesh_tables.h"

namespace hearth::mesh {
namespace {
constexpr auto kRescanEvery = std::chrono::seconds(60);  // besides after local ledger changes
}  // namespace

bool HaveIndex::Lists(const DeviceId& d, const BlobId& b) const {
  auto listed = store::PeerLists(ctx_.home.db(), d, b);
  if (!listed) ctx_.Log("cannot read what " + ctx_.Name(d) + " holds: " + listed.error().message);
  return listed.value_or(false);
}

bool HaveIndex::HasOnlineHolder(const BlobId& b) const {
  auto holders = store::PeerHoldersOf(ctx_.home.db(), b);
  if (!holders) {
    ctx_.Log("cannot read who holds a blob: " + holders.error().message);
    return false;
  }
  for (const DeviceId& d : *holders)
    if (peers_.members().contains(d)) return true;
  return false;
}

void HaveIndex::Unlist(const DeviceId& from, const BlobId& blob) {
  if (auto r = store::UnlistPeerBlob(ctx_.home.db(), from, blob); !r)
    ctx_.Log("cannot record what " + ctx_.Name(from) + " holds: " + r.error().message);
}

void HaveIndex::Tick(std::chrono::steady_clock::time_point now) {
  if (dirty_ || now - last_scan_ > kRescanEvery) {
    last_scan_ = now;
    dirty_ = false;
    Refresh();  // may ask for the whole set: sent below, not a tick later
  }
  if (set_pending_ && now - last_set_ >= kWholeSetEvery) {
    set_pending_ = false;
    last_set_ = now;
    for (auto& [device, raw] : peers_.members()) SendSet(*raw);
  }
}

void HaveIndex::Refresh() {
  auto listed = ctx_.home.blobs().List();
  if (!listed) return ctx_.Log("cannot list blobs: " + listed.error().message);
  std::set<BlobId> now(listed->begin(), listed->end());
  std::vector<BlobId> added;
  bool removed = false;
  for (const BlobId& b : now)
    if (!local_.contains(b)) added.push_back(b);
  for (const BlobId& b : local_)
    if (!now.contains(b)) removed = true;
  if (removed || !added.empty()) ++local_version_;
  local_ = std::move(now);
  if (removed) SendSetToAll();
  else Announce(added);
}

void HaveIndex::Announce(const std::vector<BlobId>& added) const {
  for (const Bytes& payload : EncodeHaveAdditions(added))
    for (auto& [device, raw] : peers_.members()) raw->Send(MessageType::kHave, payload);
}

void HaveIndex::SendSet(Connection& c) const {
  std::vector<BlobId> all(local_.begin(), local_.end());
  for (const Bytes& payload : EncodeHaveSet(all)) c.Send(MessageType::kHave, payload);
}

std::expected<void, std::string> HaveIndex::Drop(const BlobId& blob) {
  if (transfer_) transfer_->Remove(blob);
  if (auto r = ctx_.home.blobs().Remove(blob); !r) return std::unexpected(r.error().message);
  local_version_ += local_.erase(blob);
  return {};
}

void HaveIndex::OnHave(const DeviceId& from, const Have& have) {
  // Newly announced (say fetched again after a failed proof): ask anew.
  // What the member listed before is what its rows say until they change.
  std::vector<BlobId> newly;
  if (hooks_.newly_listed)
    for (const BlobId& b : have.blobs)
      if (!Lists(from, b)) newly.push_back(b);
  ++version_;
  if (auto r = store::SavePeerBlobs(ctx_.home.db(), from, have.blobs, have.replace); !r)
    ctx_.Log("cannot record what " + ctx_.Name(from) + " holds: " + r.error().message);
  for (const BlobId& b : newly) hooks_.newly_listed(b, from);
  if (hooks_.have_received) hooks_.have_received();
}

}  // namespace hearth::mesh

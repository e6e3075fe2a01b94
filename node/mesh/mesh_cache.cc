// MeshNode: a phone's cache. A phone keeps what it pins and what it streamed
// or fetched; when the policy gives it a storage budget and what it holds
// grows past it, the least recently played blobs go first -- never a pinned
// one, never the one played last, never one still being read, and never one
// that no other online member says it holds (so the household's last copy
// is never dropped). What is left over budget by pins alone stays.
#include <algorithm>
#include <functional>

#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"

namespace hearth::mesh {

void MeshNode::TrimCache() {
  const LedgerState& state = home_.ledger().ledger().state();
  const auto budget_it = std::find_if(state.policy.budgets.begin(), state.policy.budgets.end(),
                                      [&](const StorageBudget& b) { return b.device == home_.device_id(); });
  if (budget_it == state.policy.budgets.end()) return;  // no budget: keep everything
  const uint64_t budget = budget_it->bytes;
  // Only look again when something that decides it changed: what is held,
  // the budget, who is online, or a minute has passed (plays reorder it).
  const auto now = SteadyNow();
  auto key = [&] {
    return std::to_string(local_blobs_.size()) + "/" + std::to_string(budget) + "/" + std::to_string(members_.size());
  };
  if (key() == trim_key_ && now - last_trim_ < std::chrono::minutes(1)) return;
  last_trim_ = now;
  struct Remember {  // the inputs as they are when this pass ends
    std::function<void()> f;
    ~Remember() { f(); }
  } remember{[&] { trim_key_ = key(); }};

  uint64_t total = 0;
  std::map<BlobId, uint64_t> sizes;
  for (const BlobId& b : local_blobs_) {
    const uint64_t size = home_.blobs().SizeOf(b).value_or(0);
    sizes[b] = size;
    total += size;
  }
  if (total <= budget) return;

  std::set<BlobId> pinned;
  if (auto pins = store::ListPins(home_.db())) pinned.insert(pins->begin(), pins->end());
  std::map<BlobId, int64_t> access;
  if (auto times = store::BlobAccessTimes(home_.db())) access = std::move(*times);
  std::optional<BlobId> newest;
  for (const auto& [blob, us] : access)
    if (sizes.contains(blob) && (!newest || us > access[*newest])) newest = blob;
  auto held_elsewhere = [&](const BlobId& blob) {
    for (const auto& [device, raw] : members_) {
      auto have = peer_blobs_.find(device);
      if (have != peer_blobs_.end() && have->second.contains(blob)) return true;
    }
    return false;
  };
  std::vector<BlobId> candidates;
  for (const auto& [blob, size] : sizes) {
    if (pinned.contains(blob) || blob == newest || !held_elsewhere(blob) || IsBeingRead(blob)) continue;
    candidates.push_back(blob);
  }
  std::sort(candidates.begin(), candidates.end(), [&](const BlobId& x, const BlobId& y) {
    auto ax = access.find(x), ay = access.find(y);
    return (ax == access.end() ? 0 : ax->second) < (ay == access.end() ? 0 : ay->second);
  });
  size_t evicted = 0;
  for (const BlobId& blob : candidates) {
    if (total <= budget) break;
    if (auto r = DropLocalBlob(blob); !r) {
      Log("cannot drop cached blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    total -= sizes[blob];
    ++evicted;
    Log("dropped cached blob " + blob.ShortHex() + " (" + std::to_string(sizes[blob]) +
        " bytes, least recently played; another device holds it) to stay within this phone's budget");
  }
  if (evicted > 0)
    for (auto& [device, raw] : members_) SendHaveSet(*raw);  // the others' views of who holds what
}

std::expected<void, std::string> MeshNode::DropLocalBlob(const BlobId& blob) {
  if (swarm_) swarm_->Remove(blob);
  if (auto r = home_.blobs().Remove(blob); !r) return std::unexpected(r.error().message);
  local_blobs_.erase(blob);
  return {};
}

}  // namespace hearth::mesh

#include "node/mesh/phone_cache.h"

#include <algorithm>
#include <functional>

#include "node/store/mesh_tables.h"

namespace hearth::mesh {

void PhoneCache::Trim() {
  const LedgerState& state = ctx_.home.ledger().ledger().state();
  const auto budget_it = std::find_if(state.policy.budgets.begin(), state.policy.budgets.end(),
                                      [&](const StorageBudget& b) { return b.device == ctx_.me(); });
  if (budget_it == state.policy.budgets.end()) return;  // no budget: keep everything
  const uint64_t budget = budget_it->bytes;
  // Only look again when something that decides it changed: what is held,
  // the budget, who is online, or a minute has passed (plays reorder it).
  const auto now = ctx_.SteadyNow();
  auto key = [&] {
    return std::to_string(have_.local().size()) + "/" + std::to_string(budget) + "/" +
           std::to_string(peers_.members().size());
  };
  if (key() == key_ && now - last_ < std::chrono::minutes(1)) return;
  last_ = now;
  struct Remember {  // the inputs as they are when this pass ends
    std::function<void()> f;
    ~Remember() { f(); }
  } remember{[&] { key_ = key(); }};

  uint64_t total = 0;
  std::map<BlobId, uint64_t> sizes;
  for (const BlobId& b : have_.local()) {
    // An original kept in place is the user's file, not cache: it costs the
    // budget nothing and is never dropped.
    if (ctx_.home.blobs().IsInPlace(b)) continue;
    const uint64_t size = ctx_.home.blobs().SizeOf(b).value_or(0);
    sizes[b] = size;
    total += size;
  }
  if (total <= budget) return;

  std::set<BlobId> pinned;
  if (auto pins = store::ListPins(ctx_.home.db())) pinned.insert(pins->begin(), pins->end());
  std::map<BlobId, int64_t> access;
  if (auto times = store::BlobAccessTimes(ctx_.home.db())) access = std::move(*times);
  std::optional<BlobId> newest;
  for (const auto& [blob, us] : access)
    if (sizes.contains(blob) && (!newest || us > access[*newest])) newest = blob;
  std::vector<BlobId> candidates;
  for (const auto& [blob, size] : sizes) {
    if (pinned.contains(blob) || blob == newest || !have_.HasOnlineHolder(blob) || reads_.IsBeingRead(blob)) continue;
    candidates.push_back(blob);
  }
  std::sort(candidates.begin(), candidates.end(), [&](const BlobId& x, const BlobId& y) {
    auto ax = access.find(x), ay = access.find(y);
    return (ax == access.end() ? 0 : ax->second) < (ay == access.end() ? 0 : ay->second);
  });
  size_t evicted = 0;
  for (const BlobId& blob : candidates) {
    if (total <= budget) break;
    if (auto r = have_.Drop(blob); !r) {
      ctx_.Log("cannot drop cached blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    total -= sizes[blob];
    ++evicted;
    ctx_.Log("dropped cached blob " + blob.ShortHex() + " (" + std::to_string(sizes[blob]) +
             " bytes, least recently played; another device holds it) to stay within this phone's budget");
  }
  if (evicted > 0) have_.SendSetToAll();  // the others' views of who holds what
}

}  // namespace hearth::mesh

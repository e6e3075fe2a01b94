#include "node/http/connection_table.h"

#include <algorithm>
#include <tuple>

namespace hearth::http {
namespace {

constexpr size_t kMaxBuckets = 4096;

}  // namespace

bool ConnectionTable::TakeToken(const Address& address, Time now) {
  const double rate = static_cast<double>(limits_.per_address);  // a second
  const double burst = 2 * rate;
  auto [it, fresh] = buckets_.try_emplace(address, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double seconds = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(burst, b.tokens + std::max(0.0, seconds) * rate);
    b.refilled = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  if (buckets_.size() > kMaxBuckets) {
    // Forget the addresses whose buckets have refilled: they are as new.
    std::erase_if(buckets_, [&](const auto& kv) {
      const double seconds = std::chrono::duration<double>(now - kv.second.refilled).count();
      return kv.second.tokens + seconds * rate >= burst;
    });
  }
  return true;
}

ConnectionTable::Admission ConnectionTable::Admit(const Address& address, Time now) {
  std::optional<Id> victim;
  if (CountAt(address) >= limits_.per_address) {
    victim = Victim(address, now);
    if (!victim) return {std::nullopt, std::nullopt, Refusal::kAllBusy};
  } else if (entries_.size() >= limits_.total) {
    victim = Victim(std::nullopt, now);
    if (!victim) return {std::nullopt, std::nullopt, Refusal::kAllBusy};
  }
  if (victim) {
    // Pushing someone out costs the address a token; with room to spare,
    // nobody is counted.
    if (!TakeToken(address, now)) return {std::nullopt, std::nullopt, Refusal::kTooFast};
    Remove(*victim);
  }
  const Id id = next_id_++;
  entries_.emplace(id, Entry{address, State::kWaiting, now, now});
  ++per_address_[address];
  return {id, victim, Refusal::kNone};
}

std::optional<ConnectionTable::Id> ConnectionTable::AnyVictim(Time now) const { return Victim(std::nullopt, now); }

std::optional<ConnectionTable::Id> ConnectionTable::Victim(const std::optional<Address>& only, Time now) const {
  std::optional<Id> best;
  // Smaller is a better victim: (fresh?, reading?, fewer at its address,
  // newer in its state, id).
  using Key = std::tuple<bool, bool, ptrdiff_t, Time, Id>;
  Key best_key{};
  for (const auto& [id, e] : entries_) {
    if (e.state == State::kBusy) continue;
    if (only && e.address != *only) continue;
    Key key{now - e.added < limits_.grace, e.state == State::kReading,
            -static_cast<ptrdiff_t>(per_address_.at(e.address)), e.since, id};
    if (!best || key < best_key) {
      best = id;
      best_key = key;
    }
  }
  return best;
}

void ConnectionTable::Set(Id id, State state, Time now) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state == state) return;
  it->second.state = state;
  it->second.since = now;
}

void ConnectionTable::Remove(Id id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto count = per_address_.find(it->second.address);
  if (--count->second == 0) per_address_.erase(count);
  entries_.erase(it);
}

size_t ConnectionTable::CountAt(const Address& address) const {
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

size_t ConnectionTable::CountIn(State state) const {
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e.state == state ? 1 : 0;
  return n;
}

}  // namespace hearth::http

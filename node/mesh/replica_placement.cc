#include "node/mesh/replica_placement.h"

#include <algorithm>

#include "crypto/blob_cipher.h"
#include "node/store/mesh_tables.h"
#include "node/store/placement_tables.h"
#include "node/store/live_claims.h"

namespace hearth::mesh {
namespace {

constexpr auto kStateEvery = std::chrono::seconds(15);
constexpr auto kUptimeEvery = std::chrono::seconds(60);
constexpr auto kPolicyEvery = std::chrono::seconds(2);
// A gap longer than this between two records (a suspended machine, a
// stopped process clock) is not counted as time online.
constexpr int64_t kMaxUptimeStepS = 120;
// Placement may start once sessions stopped coming up for this long and
// every member connected said its STATE (see MeshOptions::policy_grace):
// sessions a node dials at start come up within milliseconds of each other.
constexpr auto kSessionsSettle = std::chrono::milliseconds(500);

}  // namespace

ReplicaPlacement::ReplicaPlacement(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher,
                                   Hooks hooks)
    : ctx_(ctx), peers_(peers), have_(have), fetcher_(fetcher), hooks_(std::move(hooks)), rows_(ctx.home.db(), ctx.me()) {}

void ReplicaPlacement::Start() {
  started_ = ctx_.SteadyNow();
  last_uptime_ = started_;
  store::Database& db = ctx_.home.db();
  if (auto own = store::LoadOwnReport(db); own && *own) reported_availability_ = (*own)->availability;
  if (auto reports = store::ListDeviceReports(db); reports) {
    for (const auto& [device, r] : *reports) reports_[device] = DeviceState{r.availability, r.disk_full, r.held_bytes, r.room};
  }
  (void)Current();  // the blob sizes this device's state counts
  StateTick(started_, true);
}

void ReplicaPlacement::Stop() { RecordUptime(ctx_.SteadyNow()); }

uint16_t ReplicaPlacement::AvailabilityOf(const DeviceId& device) const {
  if (device == ctx_.me()) return state_sent_ ? state_sent_->availability : 0;
  auto it = reports_.find(device);
  return it == reports_.end() ? 0 : it->second.availability;
}

const Placement& ReplicaPlacement::Current() {
  const Ledger& ledger = ctx_.home.ledger().ledger();
  std::map<DeviceId, int64_t> last_seen;
  if (auto peers = store::ListPeers(ctx_.home.db()); peers)
    for (const auto& p : *peers) last_seen[p.device] = p.last_seen_us;
  PlacementInputs in{
      .state = ledger.state(),
      .ledger_size = ledger.size(),
      .me = ctx_.me(),
      .online = [this](const DeviceId& d) { return peers_.IsOnline(d); },
      .last_seen_us = last_seen,
      .now_us = ctx_.Now(),
      .away_us = std::chrono::duration_cast<std::chrono::microseconds>(ctx_.options.away_after).count(),
      .report = [this](const DeviceId& d) -> const DeviceState* {
        if (d == ctx_.me()) return state_sent_ ? &*state_sent_ : nullptr;
        auto r = reports_.find(d);
        return r == reports_.end() ? nullptr : &r->second;
      },
  };
  auto [eligible, key] = EligibleDevices(in);
  if (key == placement_.key) return placement_;
  Placement p;
  p.eligible = std::move(eligible);
  p.copies = ledger.state().policy.copies;
  p.key = key;
  if (placement_.key.empty()) {  // first pass: the rows kept before a restart may still hold
    auto kept = rows_.Load();
    if (!kept) ctx_.Log("policy: cannot read the kept placement: " + kept.error().message + " (placing again)");
    if (kept && *kept && (*kept)->key == key) {
      p.totals = std::move((*kept)->totals);
      placement_ = std::move(p);
      return placement_;
    }
  }
  auto totals = rows_.Rebuild(p.eligible, p.copies, p.key);
  if (!totals) {
    ctx_.Log("policy: cannot place the household's blobs: " + totals.error().message);
    return placement_;  // the rows kept before stay; tried again at the next pass
  }
  p.totals = std::move(*totals);
  if (p.totals.short_of_room > 0 && p.totals.short_of_room != placement_.totals.short_of_room)
    ctx_.Log("policy: the household lacks room for copies=" + std::to_string(p.copies) + ": " +
             std::to_string(p.totals.short_of_room) + " blob(s) have fewer copies than asked (" +
             std::to_string(p.totals.short_bytes) + " bytes found no device with room)");
  placement_ = std::move(p);
  return placement_;
}

void ReplicaPlacement::Tick(std::chrono::steady_clock::time_point now) {
  StateTick(now, false);
  if (now - last_policy_ > kPolicyEvery && Ready(now)) {
    last_policy_ = now;
    ApplyPolicy();
  }
}

bool ReplicaPlacement::Ready(std::chrono::steady_clock::time_point now) const {
  // Placement waits for the grace period and the STATE of every connected
  // member (see MeshOptions::policy_grace).
  const auto& members = peers_.members();
  const bool heard_all =
      std::all_of(members.begin(), members.end(), [this](const auto& m) { return said_state_.contains(m.first); });
  const auto since_start = now - started_;
  // (Also waiting for dials and handshakes under way was tried: a node
  // keeps redialing addresses that lead to a member it already has, so it
  // fell back to the grace nearly always -- replication 8 s instead of 4.)
  const bool sessions_settled = !members.empty() && heard_all && now - peers_.last_member_at() >= kSessionsSettle;
  const auto grace = ctx_.options.policy_grace;
  return sessions_settled || (heard_all && since_start > grace) || since_start > 4 * grace;
}

void ReplicaPlacement::ApplyPolicy() {
  const LedgerState& state = ctx_.home.ledger().ledger().state();
  const auto me = state.members.find(ctx_.me());
  if (me == state.members.end() || me->second.revoked) return;
  if (me->second.role == Role::kPhone) {  // phones keep pins and a cache only
    if (hooks_.trim_cache) hooks_.trim_cache();
    return;
  }
  const Placement& placement = Current();
  if (hooks_.drop_surplus) hooks_.drop_surplus(placement);
  if (placement.key == policy_key_) return;
  policy_key_ = placement.key;
  size_t queued = 0, withdrawn = 0;
  store::Database& db = ctx_.home.db();
  // One transaction: one commit (fsync) for a whole library, not one per blob.
  auto added = db.Transaction([&]() -> std::expected<void, store::StoreError> {
    // Replicas no longer assigned here (a device came back, room ran out)
    // are not fetched after all; a fetch under way stops at the next drive.
    auto stale = store::ListWantedFor(db, store::WantedReason::kPolicy);
    if (!stale) return std::unexpected(stale.error());
    for (const BlobId& blob : *stale) {
      if (rows_.IsAssigned(blob, ctx_.me())) continue;
      if (auto r = store::RemoveWanted(db, blob); !r) return r;
      ++withdrawn;
    }
    std::expected<void, store::StoreError> added_all;
    rows_.ForEachAssignedTo(ctx_.me(), [&](const BlobId& blob, uint64_t) {
      if (!added_all || have_.HoldsLocally(blob)) return;
      added_all = store::AddWanted(db, blob, store::WantedReason::kPolicy, ctx_.Now());
      if (added_all) ++queued;
    });
    if (auto e = rows_.TakeError()) return std::unexpected(*e);
    return added_all;
  });
  if (!added) {
    policy_key_.clear();  // try again on the next pass (a full disk: once there is room)
    if (!std::exchange(policy_write_failed_, true))
      ctx_.Log("cannot record the blobs this device should hold: " + added.error().message + " (trying again)");
    return;
  }
  policy_write_failed_ = false;
  if (withdrawn > 0)
    ctx_.Log("policy: " + std::to_string(withdrawn) + " blob(s) this device was to fetch are placed elsewhere now");
  if (queued > 0) ctx_.Log("policy: this device should hold " + std::to_string(queued) + " more blob(s); fetching");
  if (queued + withdrawn > 0) fetcher_.Drive();
}

DeviceState ReplicaPlacement::LocalDeviceState() {
  const auto availability = store::Availability(ctx_.home.db(), ctx_.Now());
  if (!availability) ctx_.Log("cannot read this device's time online: " + availability.error().message);
  // Counted again only when what is held or the plan changed: a lookup per
  // held blob.
  const std::string held_key = placement_.key + "/" + std::to_string(have_.local_version());
  if (held_key != held_key_) {
    uint64_t held = 0;
    for (const BlobId& b : have_.local()) held += rows_.SizeOf(b).value_or(0);
    if (auto e = rows_.TakeError()) ctx_.Log("cannot read the placement: " + e->message);
    else held_key_ = held_key;
    held_bytes_ = held;
  }
  const uint64_t held = held_bytes_;
  std::optional<uint64_t> capacity;
  for (const DeviceCapacity& c : ctx_.home.ledger().ledger().state().policy.capacities)
    if (c.device == ctx_.me()) capacity = c.bytes;
  auto disk = ctx_.options.disk_space(ctx_.home.dir());
  if (!disk) {
    ctx_.Log(disk.error());
    disk = DiskSpace{};  // no room known: report none rather than plenty
  }
  // Partial files of fetches under way take disk space that is the
  // household's too: without them room would shrink as a replica arrives
  // and placement would take it away again.
  const uint64_t arriving = fetcher_.ArrivingBytes();
  const uint16_t reported = ReportedAvailability(reported_availability_, availability.value_or(0));
  return LocalState(reported, held, arriving, capacity, *disk, ctx_.options.keep_free);
}

void ReplicaPlacement::RecordUptime(std::chrono::steady_clock::time_point now) {
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now - last_uptime_).count();
  if (seconds <= 0) return;
  last_uptime_ = now;
  if (auto r = store::AddUptime(ctx_.home.db(), ctx_.Now(), std::min(seconds, kMaxUptimeStepS)); !r)
    ctx_.Log("cannot record time online: " + r.error().message);
}

void ReplicaPlacement::StateTick(std::chrono::steady_clock::time_point now, bool force) {
  if (now - last_uptime_ >= kUptimeEvery) RecordUptime(now);
  if (!force && now - last_state_ < kStateEvery) return;
  last_state_ = now;
  const DeviceState state = LocalDeviceState();
  if (!force && state_sent_ && *state_sent_ == state) return;
  const bool was_full = state_sent_ && state_sent_->disk_full;
  state_sent_ = state;
  reported_availability_ = state.availability;
  if (auto saved = store::SaveOwnReport(ctx_.home.db(), {state.availability, state.held_bytes, state.room,
                                                         state.disk_full, ctx_.Now()});
      !saved)
    ctx_.Log("cannot record this device's state: " + saved.error().message);
  if (state.disk_full && !was_full)
    ctx_.Log("the disk is at its free-space floor: this device takes no more replicas (it told the others)");
  for (auto& [device, raw] : peers_.members()) SendState(*raw);
}

void ReplicaPlacement::SendState(Connection& c) {
  if (!state_sent_) state_sent_ = LocalDeviceState();
  c.Send(MessageType::kState, EncodeDeviceState(*state_sent_));
}

void ReplicaPlacement::OnState(const DeviceId& from, const std::expected<DeviceState, std::string>& state) {
  said_state_.insert(from);  // even a STATE it cannot read: placement does not wait for a better one
  if (!state) {
    // Bounded: placement keeps what it knew (or counts the device as never
    // online, so it ranks last); the session goes on.
    ctx_.Log("ignored a state report from " + ctx_.Name(from) + ": " + state.error());
    return;
  }
  reports_[from] = *state;
  store::DeviceReport r{state->availability, state->held_bytes, state->room, state->disk_full, ctx_.Now()};
  if (auto saved = store::SaveDeviceReport(ctx_.home.db(), from, r); !saved)
    ctx_.Log("cannot record the state of " + ctx_.Name(from) + ": " + saved.error().message);
}

uint64_t ReplicaPlacement::RoomLeft() {
  auto disk = ctx_.options.disk_space(ctx_.home.dir());
  if (!disk) return UINT64_MAX;  // unknown: not short on our guess
  const uint64_t floor = ctx_.options.keep_free.On(*disk);
  return (disk->free > floor ? disk->free - floor : 0) + fetcher_.ArrivingBytes();
}

bool ReplicaPlacement::DiskAtFloor() {
  auto disk = ctx_.options.disk_space(ctx_.home.dir());
  return disk && disk->free <= ctx_.options.keep_free.On(*disk);
}

bool ReplicaPlacement::RoomFor(const BlobId& blob) {
  const std::optional<uint64_t> size = rows_.SizeOf(blob);
  auto disk = ctx_.options.disk_space(ctx_.home.dir());
  if (!size || !disk) return true;  // unknown: the transfer will say
  // Fetches under way grow their partial files: count them as if whole.
  uint64_t pending = 0;
  for (const auto& [b, f] : fetcher_.fetches()) pending += rows_.SizeOf(b).value_or(0);
  if (Fits(*size + pending, *disk, ctx_.options.keep_free)) {
    room_warned_.erase(blob);
    return true;
  }
  if (room_warned_.insert(blob).second) {
    ctx_.Log("not fetching blob " + blob.ShortHex() + " (" + std::to_string(*size) +
             " bytes): it would fill the disk past its free-space floor (" + std::to_string(disk->free) +
             " bytes free, " + std::to_string(ctx_.options.keep_free.On(*disk)) + " kept free)");
    last_state_ = {};  // say so to the others at the next tick
  }
  return false;
}

}  // namespace hearth::mesh

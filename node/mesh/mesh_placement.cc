// MeshNode: where replicas go -- this device's availability and room
// (STATE), the placement plan over every member's, and the fetches it asks
// of this device. Dropping what it does not assign is in mesh_surplus.cc.
#include <sys/stat.h>

#include <algorithm>

#include "crypto/blob_cipher.h"
#include "node/mesh/mesh_node.h"
#include "node/mesh/replica_rules.h"
#include "node/store/mesh_tables.h"
#include "node/store/placement_tables.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

constexpr auto kStateEvery = std::chrono::seconds(15);
constexpr auto kUptimeEvery = std::chrono::seconds(60);
// A gap longer than this between two records (a suspended machine, a
// stopped process clock) is not counted as time online.
constexpr int64_t kMaxUptimeStepS = 120;

}  // namespace

uint16_t MeshNode::AvailabilityOf(const DeviceId& device) const {
  if (device == home_.device_id()) return state_sent_ ? state_sent_->availability : 0;
  auto it = reports_.find(device);
  return it == reports_.end() ? 0 : it->second.availability;
}

const Placement& MeshNode::CurrentPlacement() {
  const Ledger& ledger = home_.ledger().ledger();
  std::map<DeviceId, int64_t> last_seen;
  if (auto peers = store::ListPeers(home_.db()); peers)
    for (const auto& p : *peers) last_seen[p.device] = p.last_seen_us;
  PlacementInputs in{
      .state = ledger.state(),
      .ledger_size = ledger.size(),
      .me = home_.device_id(),
      .online = [this](const DeviceId& d) { return members_.contains(d); },
      .last_seen_us = last_seen,
      .now_us = Now(),
      .away_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.away_after).count(),
      .report = [this](const DeviceId& d) -> const DeviceState* {
        if (d == home_.device_id()) return state_sent_ ? &*state_sent_ : nullptr;
        auto r = reports_.find(d);
        return r == reports_.end() ? nullptr : &r->second;
      },
  };
  auto [eligible, key] = EligibleDevices(in);
  if (key == placement_.key) return placement_;
  Placement p = BuildPlacement(ledger.state(), std::move(eligible), std::move(key));
  if (p.plan.short_of_room > 0 && p.plan.short_of_room != placement_.plan.short_of_room)
    Log("policy: the household lacks room for copies=" + std::to_string(p.copies) + ": " +
        std::to_string(p.plan.short_of_room) + " blob(s) have fewer copies than asked (" +
        std::to_string(p.plan.short_bytes) + " bytes found no device with room)");
  placement_ = std::move(p);
  return placement_;
}

void MeshNode::ApplyPolicy() {
  const LedgerState& state = home_.ledger().ledger().state();
  const auto me = state.members.find(home_.device_id());
  if (me == state.members.end() || me->second.revoked) return;
  if (me->second.role == Role::kPhone) return TrimCache();  // phones keep pins and a cache only
  const Placement& placement = CurrentPlacement();
  DropSurplus(placement);
  if (placement.key == policy_key_) return;
  policy_key_ = placement.key;
  size_t queued = 0, withdrawn = 0;
  // One transaction: one commit (fsync) for a whole library, not one per blob.
  auto added = home_.db().Transaction([&]() -> std::expected<void, store::StoreError> {
    // Replicas no longer assigned here (a device came back, room ran out)
    // are not fetched after all; a fetch under way stops at the next drive.
    auto stale = store::ListWantedFor(home_.db(), store::WantedReason::kPolicy);
    if (!stale) return std::unexpected(stale.error());
    for (const BlobId& blob : *stale) {
      if (placement.plan.IsAssigned(blob, home_.device_id())) continue;
      if (auto r = store::RemoveWanted(home_.db(), blob); !r) return r;
      ++withdrawn;
    }
    for (const auto& [blob, assigned] : placement.plan.assigned) {
      if (local_blobs_.contains(blob)) continue;
      if (std::find(assigned.begin(), assigned.end(), home_.device_id()) == assigned.end()) continue;
      if (auto r = store::AddWanted(home_.db(), blob, store::WantedReason::kPolicy, Now()); !r) return r;
      ++queued;
    }
    return {};
  });
  if (!added) {
    policy_key_.clear();  // try again on the next pass (a full disk: once there is room)
    if (!std::exchange(policy_write_failed_, true))
      Log("cannot record the blobs this device should hold: " + added.error().message + " (trying again)");
    return;
  }
  policy_write_failed_ = false;
  if (withdrawn > 0)
    Log("policy: " + std::to_string(withdrawn) + " blob(s) this device was to fetch are placed elsewhere now");
  if (queued > 0) Log("policy: this device should hold " + std::to_string(queued) + " more blob(s); fetching");
  if (queued + withdrawn > 0) DriveFetches();
}

DeviceState MeshNode::LocalDeviceState() {
  const auto availability = store::Availability(home_.db(), Now());
  if (!availability) Log("cannot read this device's time online: " + availability.error().message);
  uint64_t held = 0;
  for (const BlobId& b : local_blobs_)
    if (auto s = placement_.sizes.find(b); s != placement_.sizes.end()) held += s->second;
  std::optional<uint64_t> capacity;
  for (const DeviceCapacity& c : home_.ledger().ledger().state().policy.capacities)
    if (c.device == home_.device_id()) capacity = c.bytes;
  auto disk = options_.disk_space(home_.dir());
  if (!disk) {
    Log(disk.error());
    disk = DiskSpace{};  // no room known: report none rather than plenty
  }
  // Partial files of fetches under way take disk space that is the
  // household's too: without them room would shrink as a replica arrives
  // and placement would take it away again.
  const uint64_t arriving = ArrivingBytes();
  const uint16_t reported = ReportedAvailability(reported_availability_, availability.value_or(0));
  return LocalState(reported, held, arriving, capacity, *disk, options_.keep_free);
}

void MeshNode::RecordUptime(std::chrono::steady_clock::time_point now) {
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now - last_uptime_).count();
  if (seconds <= 0) return;
  last_uptime_ = now;
  if (auto r = store::AddUptime(home_.db(), Now(), std::min(seconds, kMaxUptimeStepS)); !r)
    Log("cannot record time online: " + r.error().message);
}

void MeshNode::StateTick(std::chrono::steady_clock::time_point now, bool force) {
  if (now - last_uptime_ >= kUptimeEvery) RecordUptime(now);
  if (!force && now - last_state_ < kStateEvery) return;
  last_state_ = now;
  const DeviceState state = LocalDeviceState();
  if (!force && state_sent_ && *state_sent_ == state) return;
  const bool was_full = state_sent_ && state_sent_->disk_full;
  state_sent_ = state;
  reported_availability_ = state.availability;
  if (auto saved = store::SaveOwnReport(home_.db(), {state.availability, state.held_bytes, state.room,
                                                     state.disk_full, Now()});
      !saved)
    Log("cannot record this device's state: " + saved.error().message);
  if (state.disk_full && !was_full)
    Log("the disk is at its free-space floor: this device takes no more replicas (it told the others)");
  for (auto& [device, raw] : members_) SendState(*raw);
}

void MeshNode::SendState(Connection& c) {
  if (!state_sent_) state_sent_ = LocalDeviceState();
  c.Send(MessageType::kState, EncodeDeviceState(*state_sent_));
}

void MeshNode::OnState(Session& s, ByteSpan payload) {
  const DeviceId peer = s.conn->peer();
  auto state = DecodeDeviceState(payload);
  s.said_state = true;  // even a STATE it cannot read: placement does not wait for a better one
  if (!state) {
    // Bounded: placement keeps what it knew (or counts the device as never
    // online, so it ranks last); the session goes on.
    Log("ignored a state report from " + Name(peer) + ": " + state.error());
    return;
  }
  reports_[peer] = *state;
  store::DeviceReport r{state->availability, state->held_bytes, state->room, state->disk_full, Now()};
  if (auto saved = store::SaveDeviceReport(home_.db(), peer, r); !saved)
    Log("cannot record the state of " + Name(peer) + ": " + saved.error().message);
}

uint64_t MeshNode::ArrivingBytes() const {
  uint64_t arriving = 0;
  for (const auto& [blob, fetch] : fetches_) {
    if (!swarm_) break;
    struct stat st {};
    if (::stat(swarm_->PartialPath(blob).c_str(), &st) == 0) arriving += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return arriving;
}

uint64_t MeshNode::RoomLeft() {
  auto disk = options_.disk_space(home_.dir());
  if (!disk) return UINT64_MAX;  // unknown: not short on our guess
  const uint64_t floor = options_.keep_free.On(*disk);
  return (disk->free > floor ? disk->free - floor : 0) + ArrivingBytes();
}

bool MeshNode::DiskAtFloor() {
  auto disk = options_.disk_space(home_.dir());
  return disk && disk->free <= options_.keep_free.On(*disk);
}

bool MeshNode::RoomFor(const BlobId& blob) {
  auto size = placement_.sizes.find(blob);
  auto disk = options_.disk_space(home_.dir());
  if (size == placement_.sizes.end() || !disk) return true;  // unknown: libtorrent will say
  // Fetches under way grow their partial files: count them as if whole.
  uint64_t pending = 0;
  for (const auto& [b, f] : fetches_)
    if (auto s = placement_.sizes.find(b); s != placement_.sizes.end()) pending += s->second;
  if (Fits(size->second + pending, *disk, options_.keep_free)) {
    room_warned_.erase(blob);
    return true;
  }
  if (room_warned_.insert(blob).second) {
    Log("not fetching blob " + blob.ShortHex() + " (" + std::to_string(size->second) +
        " bytes): it would fill the disk past its free-space floor (" + std::to_string(disk->free) +
        " bytes free, " + std::to_string(options_.keep_free.On(*disk)) + " kept free)");
    last_state_ = {};  // say so to the others at the next tick
  }
  return false;
}

void MeshNode::OnProve(Session& s, ByteSpan payload) {
  auto request = DecodeProve(payload);
  if (!request) return s.conn->SendErrorAndClose(kErrMalformed, request.error());
  ProofReply reply{request->blob, request->chunk, request->nonce, Possession::kLacks, {}};
  if (local_blobs_.contains(request->blob)) {
    auto chunk = home_.blobs().Read(request->blob, uint64_t{request->chunk} * crypto::kSealedChunkSize,
                                    crypto::kSealedChunkSize);
    if (chunk && !chunk->empty()) {
      reply.digest = ProofDigest(*request, *chunk);
      // Kept: assigned here. The promise holds whatever this device comes
      // to believe about placement before it runs out.
      const bool keep = placement_.plan.IsAssigned(request->blob, home_.device_id());
      reply.possession = keep ? Possession::kHoldsAndKeeps : Possession::kHolds;
      if (keep) proofs_.Promise(request->blob, SteadyNow());
    }
  }
  s.conn->Send(MessageType::kProof, EncodeProof(reply));
}

void MeshNode::OnProof(Session& s, ByteSpan payload) {
  auto reply = DecodeProof(payload);
  if (!reply) return s.conn->SendErrorAndClose(kErrMalformed, reply.error());
  const DeviceId peer = s.conn->peer();
  auto ours = [this](const BlobId& blob, uint32_t chunk) -> std::optional<Bytes> {
    auto bytes = home_.blobs().Read(blob, uint64_t{chunk} * crypto::kSealedChunkSize, crypto::kSealedChunkSize);
    if (!bytes || bytes->empty()) return std::nullopt;
    return std::move(*bytes);
  };
  auto status = proofs_.OnAnswer(peer, *reply, ours, SteadyNow());
  if (!status) return;  // not awaited: stray, late or replayed
  if (*status == PossessionProofs::Status::kFailed) {
    Log(Name(peer) + " says it holds blob " + reply->blob.ShortHex() + " but " +
        (reply->possession == Possession::kLacks ? "could not read chunk " : "sent a wrong proof of chunk ") +
        std::to_string(reply->chunk) + "; not dropping this device's copy on its word");
  }
  surplus_pass_key_.clear();  // look again at the next policy tick
}

}  // namespace hearth::mesh

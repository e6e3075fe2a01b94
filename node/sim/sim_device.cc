#include "node/sim/sim_device.h"

#include <algorithm>

#include "crypto/blob_cipher.h"
#include "node/sim/sim_claims.h"
#include "node/sim/stand_in_bytes.h"
#include "node/store/placement_tables.h"
#include "protocol/placement_messages.h"

namespace hearth::sim {
namespace {

constexpr int64_t kUptimeEveryUs = 60 * kSecondUs;
constexpr int64_t kStateEveryUs = 15 * kSecondUs;
constexpr int64_t kRetryUs = 5 * kSecondUs;
constexpr int64_t kDiskFullRetryUs = 20 * kSecondUs;
constexpr int64_t kBadSourceUs = 600 * kSecondUs;
constexpr int64_t kGraceUs = 3 * kSecondUs;
constexpr int64_t kSessionsSettleUs = kSecondUs / 2;

}  // namespace

SimDevice::SimDevice(int index, crypto::DeviceKey key, const HouseholdId& household, SimDeviceConfig config,
                     SimNetwork& net, SimRandom random)
    : index_(index),
      key_(std::move(key)),
      id_(DeviceId{key_.public_key()}),
      config_(std::move(config)),
      net_(net),
      random_(random),
      ledger_(household),
      uptime_(config_.prior_uptime),
      proofs_([this](void* out, size_t size) { random_.Fill(out, size); }) {}

int64_t SimDevice::WallNow() const {
  return kStartWallUs + net_.now() + net_.now() / 1'000'000 * config_.drift_ppm + config_.clock_offset_us;
}

mesh::PossessionProofs::Time SimDevice::Steady() const {
  return mesh::PossessionProofs::Time(std::chrono::microseconds(net_.now()));
}

bool SimDevice::IsUnrevokedMember(const DeviceId& d) const {
  const auto& members = ledger_.state().members;
  auto it = members.find(d);
  return it != members.end() && !it->second.revoked;
}

uint64_t SimDevice::SizeOf(const BlobId& blob) const {
  auto it = plan_.sizes.find(blob);
  return it != plan_.sizes.end() ? it->second : SealedSizeOf(ledger_.claims(), blob);
}

uint64_t SimDevice::HeldBytes() const {
  uint64_t n = 0;
  for (const BlobId& b : held_) n += SizeOf(b);
  return n;
}

uint64_t SimDevice::PendingBytes() const {
  uint64_t n = 0;
  for (const auto& [blob, source] : fetches_) n += SizeOf(blob);
  return n;
}

uint64_t SimDevice::FreeBytes() const {
  const uint64_t used = config_.other_used + HeldBytes() + PendingBytes();
  return used >= config_.disk_total ? 0 : config_.disk_total - used;
}

// --- the store ----------------------------------------------------------

bool SimDevice::Keep(const SignedEntry& e) {
  if (ledger_.Contains(e.id)) return false;
  auto r = ledger_.Accept(e);
  if (!r && !r.error().kept) return false;
  log_index_[e.id] = log_.size();
  log_.push_back(e);
  return true;
}

void SimDevice::Install(const std::vector<SignedEntry>& log) {
  // Pairing hands over entries the founder verified: taken as its store
  // re-reads them (signatures checked once, as a node does).
  for (const SignedEntry& e : log) {
    if (ledger_.Contains(e.id)) continue;
    auto r = ledger_.AcceptTrusted(e);
    if (!r && !r.error().kept) continue;
    log_index_[e.id] = log_.size();
    log_.push_back(e);
  }
}

void SimDevice::Write(Body body) {
  SignedEntry e = SignEntry(ledger_.NextEntry(id_, std::move(body), WallNow()), key_);
  if (!Keep(e)) return;
  CloseRevoked();  // as the node: a device this revokes hears nothing more
  Broadcast(Message{.kind = MessageKind::kEntries, .entries = {e}});
}

bool SimDevice::Import(const BlobId& blob, uint64_t plaintext_length) {
  const uint64_t sealed = crypto::SealedLength(plaintext_length);
  if (FreeBytes() < sealed) return false;
  TrackClaim c;
  c.blob = blob;
  c.plaintext_length = plaintext_length;
  c.sealed_details = Bytes(48, 0x5a);
  held_.insert(blob);
  Write(std::move(c));
  Broadcast(HaveMessage());
  return true;
}

// --- life -----------------------------------------------------------------

void SimDevice::Boot() {
  if (up_) return;
  up_ = true;
  const uint64_t epoch = ++epoch_;
  last_uptime_ = net_.now();
  booted_at_ = net_.now();
  last_state_ = INT64_MIN / 2;
  if (!config_.first_online_us) config_.first_online_us = WallNow();
  // Ticks start at a random phase so devices do not run in lockstep.
  net_.After(random_.Between(1, kTickUs), [this, epoch] {
    if (epoch == epoch_) Tick();
  });
}

void SimDevice::Crash() {
  if (!up_) return;
  RecordUptime();
  up_ = false;
  ++epoch_;
  sessions_.clear();
  state_heard_.clear();
  index_of_.clear();
  peer_have_.clear();
  proofs_ = mesh::PossessionProofs([this](void* out, size_t size) { random_.Fill(out, size); });
  placement_ = {};
  plan_ = {};
  wanted_.clear();
  wanted_key_.clear();
  surplus_ = {};
  surplus_key_.clear();
  state_sent_.reset();
  fetches_.clear();
  retry_after_.clear();
  bad_source_until_.clear();
}

void SimDevice::Tick() {
  if (!up_) return;
  const uint64_t epoch = epoch_;
  if (net_.now() - last_uptime_ >= kUptimeEveryUs) RecordUptime();
  for (const auto& [peer, id] : sessions_) last_seen_[id] = WallNow();
  StateTick(false);
  // As the node (MeshOptions::policy_grace): placement waits for the STATE
  // of every session, once none came up for half a second (or 3 s after
  // boot with no session), at most 12 s.
  const int64_t since_boot = net_.now() - booted_at_;
  const bool heard_all = std::all_of(sessions_.begin(), sessions_.end(),
                                     [this](const auto& s) { return state_heard_.contains(s.first); });
  const bool settled = !sessions_.empty() && heard_all && net_.now() - last_session_at_ >= kSessionsSettleUs;
  const bool ready = settled || (heard_all && since_boot > kGraceUs) || since_boot > 4 * kGraceUs;
  const auto me = ledger_.state().members.find(id_);
  if (ready && me != ledger_.state().members.end() && !me->second.revoked) {
    CurrentPlacement();
    DriveFetches();
    DropSurplus();
  }
  net_.After(kTickUs, [this, epoch] {
    if (epoch == epoch_) Tick();
  });
}

void SimDevice::RecordUptime() {
  const int64_t seconds = (net_.now() - last_uptime_) / kSecondUs;
  if (seconds <= 0) return;
  last_uptime_ += seconds * kSecondUs;
  const int64_t day = WallNow() / store::kDayUs;
  uptime_[day] += seconds;
}

// --- STATE ----------------------------------------------------------------

DeviceState SimDevice::LocalState() const {
  const uint16_t availability = mesh::ReportedAvailability(
      reported_availability_, store::ComputeAvailability(uptime_, config_.first_online_us, WallNow()));
  std::optional<uint64_t> capacity;
  for (const DeviceCapacity& c : ledger_.state().policy.capacities)
    if (c.device == id_) capacity = c.bytes;
  const mesh::DiskSpace disk{FreeBytes(), config_.disk_total};
  return mesh::LocalState(availability, HeldBytes(), PendingBytes(), capacity, disk, config_.floor);
}

Message SimDevice::StateMessage() {
  if (!state_sent_) state_sent_ = LocalState();
  Message m{.kind = MessageKind::kState, .payload = EncodeDeviceState(*state_sent_)};
  if (config_.liar && random_.Chance(0.3)) {
    m.payload[1] = 0x13;  // availability 5000 of 1000: impossible
    m.payload[2] = 0x88;
  }
  return m;
}

void SimDevice::StateTick(bool force) {
  if (!force && net_.now() - last_state_ < kStateEveryUs) return;
  last_state_ = net_.now();
  const DeviceState state = LocalState();
  if (!force && state_sent_ && *state_sent_ == state) return;
  state_sent_ = state;
  reported_availability_ = state.availability;
  Trace("state: availability " + std::to_string(state.availability) + ", holds " + std::to_string(state.held_bytes) +
        ", room " + (state.room ? std::to_string(*state.room) : "-") + (state.disk_full ? ", disk full" : ""));
  for (const auto& [peer, id] : sessions_) SendTo(peer, StateMessage());
}

// --- placement, fetches, surplus -----------------------------------------

const mesh::Placement& SimDevice::CurrentPlacement() {
  mesh::PlacementInputs in{
      .state = ledger_.state(),
      .ledger_size = ledger_.size(),
      .me = id_,
      .online = [this](const DeviceId& d) { return index_of_.contains(d); },
      .last_seen_us = last_seen_,
      .now_us = WallNow(),
      .away_us = kAwayUs,
      .report = [this](const DeviceId& d) -> const DeviceState* {
        if (d == id_) return state_sent_ ? &*state_sent_ : nullptr;
        auto r = reports_.find(d);
        return r == reports_.end() ? nullptr : &r->second;
      },
  };
  auto [eligible, key] = mesh::EligibleDevices(in);
  if (key != placement_.key) {
    placement_ =
        mesh::BuildPlacement(ledger_.state(), SealedSizesOf(ledger_.claims()), std::move(eligible), std::move(key), plan_);
    auto mine = placement_.totals.assigned_bytes.find(id_);
    Trace("placement: " + std::to_string(mine == placement_.totals.assigned_bytes.end() ? 0 : mine->second) +
          " bytes here");
  }
  return placement_;
}

void SimDevice::DriveFetches() {
  const int64_t now = net_.now();
  const std::string key = placement_.key + "/" + std::to_string(held_.size());
  if (key != wanted_key_) {
    wanted_key_ = key;
    wanted_.clear();
    for (const auto& [blob, assigned] : plan_.plan.assigned)
      if (!held_.contains(blob) && std::find(assigned.begin(), assigned.end(), id_) != assigned.end())
        wanted_.push_back(blob);
  }
  bool told = false;
  for (const BlobId& blob : wanted_) {
    if (held_.contains(blob) || fetches_.contains(blob)) continue;
    const uint64_t size = plan_.sizes.at(blob);
    if (!mesh::Fits(size, mesh::DiskSpace{FreeBytes(), config_.disk_total}, config_.floor)) {
      if (!std::exchange(told, true)) last_state_ = INT64_MIN / 2;  // tell the others at the next tick
      continue;
    }
    if (fetches_.size() >= kMaxFetches) continue;
    if (auto r = retry_after_.find(blob); r != retry_after_.end() && r->second > now) continue;
    std::vector<int> sources;
    for (const auto& [peer, id] : sessions_) {
      auto have = peer_have_.find(id);
      if (have == peer_have_.end() || !have->second.contains(blob)) continue;
      if (auto bad = bad_source_until_.find({blob, id}); bad != bad_source_until_.end() && bad->second > now)
        continue;
      sources.push_back(peer);
    }
    if (sources.empty()) continue;
    const int source = sources[random_.Below(sources.size())];
    if (!net_.StartFetch(index_, source, blob)) continue;
    fetches_[blob] = source;
    Trace("fetching " + blob.ShortHex() + " from " + sessions_.at(source).ShortHex());
  }
}

void SimDevice::DropSurplus() {
  if (sessions_.empty() || placement_.copies == 0) return;
  const auto now = Steady();
  proofs_.Expire(now);
  auto availability = [this](const DeviceId& d) -> uint16_t {
    if (d == id_) return state_sent_ ? state_sent_->availability : 0;
    auto r = reports_.find(d);
    return r == reports_.end() ? 0 : r->second.availability;
  };
  // As the node (surplus_keeper.cc): what it lacks for its assignments, what
  // is surplus (looked at again when the placement, what is held or the
  // shortfall changes, or every 30 s), then one pass of the shared rules.
  const mesh::DiskSpace disk{FreeBytes(), config_.disk_total};
  const uint64_t floor = config_.floor.On(disk);
  const uint64_t room_left = (disk.free > floor ? disk.free - floor : 0) + PendingBytes();
  const uint64_t shortfall = mesh::Shortfall(plan_, id_, held_, room_left);
  const std::string key = placement_.key + "/" + std::to_string(held_.size()) + (shortfall > 0 ? "/short" : "");
  if (key != surplus_key_ || net_.now() - surplus_at_ >= 30 * kSecondUs) {
    surplus_key_ = key;
    surplus_at_ = net_.now();
    const std::set<BlobId> imported = BlobsClaimedBy(ledger_.claims(), id_);
    surplus_ = mesh::SurplusBlobs([&](const BlobId& b) { return imported.contains(b); }, plan_, id_, held_,
                                  availability, shortfall > 0);
  }
  if (surplus_.blobs.empty()) return;
  const mesh::SurplusPass pass = mesh::PlanSurplus(mesh::SurplusInputs{
      .surplus = surplus_,
      .shortfall = shortfall,
      .rows = plan_,
      .keep = [&](const BlobId& blob) {
        return !held_.contains(blob) || fetches_.contains(blob) || proofs_.Promised(blob, now);
      },
      .online = [this](const DeviceId& d) { return index_of_.contains(d); },
      .lists =
          [this](const DeviceId& d, const BlobId& b) {
            auto have = peer_have_.find(d);
            return have != peer_have_.end() && have->second.contains(b);
          },
      .proofs = proofs_,
      .now = now,
  });
  for (const auto& [blob, d] : pass.ask) {
    if (proofs_.in_flight() >= kMaxProofsInFlight) break;
    const ProveRequest request = proofs_.Ask(blob, d, mesh::SealedChunks(plan_.sizes.at(blob)), now);
    SendTo(index_of_.at(d), Message{.kind = MessageKind::kProve, .payload = EncodeProve(request)});
  }
  size_t dropped = 0;
  for (const BlobId& blob : pass.drop) {
    net_.WillDrop(index_, blob, shortfall > 0);
    ++drops_of_[blob];
    held_.erase(blob);
    proofs_.ForgetBlob(blob);
    ++dropped;
    Trace("dropped surplus " + blob.ShortHex() + (shortfall > 0 ? " (short of room)" : ""));
  }
  if (dropped > 0) Broadcast(HaveMessage());
}

// --- sessions -------------------------------------------------------------

bool SimDevice::Admits(int, const DeviceId& id) const { return up_ && IsUnrevokedMember(id); }

void SimDevice::OnSessionUp(int peer, const DeviceId& id) {
  sessions_[peer] = id;
  index_of_[id] = peer;
  last_session_at_ = net_.now();
  last_seen_[id] = WallNow();
  SendTo(peer, Message{.kind = MessageKind::kHello, .heads = ledger_.Heads()});
  SendTo(peer, HaveMessage());
  SendTo(peer, StateMessage());
}

void SimDevice::OnSessionDown(int peer) {
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  const DeviceId id = it->second;
  sessions_.erase(it);
  state_heard_.erase(peer);
  index_of_.erase(id);
  peer_have_.erase(id);
  proofs_.ForgetDevice(id);
  last_seen_[id] = WallNow();
  for (auto f = fetches_.begin(); f != fetches_.end();) {
    if (f->second == peer) {
      retry_after_[f->first] = net_.now() + kRetryUs;
      f = fetches_.erase(f);
    } else {
      ++f;
    }
  }
}

void SimDevice::SendTo(int peer, Message m) {
  net_.WillSendTo(index_, peer);
  net_.Send(index_, peer, std::move(m));
}

void SimDevice::Broadcast(const Message& m) {
  for (const auto& [peer, id] : sessions_) SendTo(peer, m);
}

Message SimDevice::HaveMessage() const {
  Message m{.kind = MessageKind::kHave, .have = held_};
  if (config_.liar)
    for (const auto& [entry, claim] : ledger_.claims()) m.have.insert(claim.claim().blob);
  return m;
}

void SimDevice::CloseRevoked() {
  std::vector<int> revoked;
  for (const auto& [peer, id] : sessions_)
    if (!IsUnrevokedMember(id)) revoked.push_back(peer);
  for (int peer : revoked) net_.Close(index_, peer);
}

void SimDevice::AcceptEntries(int from, const std::vector<SignedEntry>& entries) {
  std::vector<SignedEntry> fresh;
  for (const SignedEntry& e : entries)
    if (Keep(e)) fresh.push_back(e);
  if (fresh.empty()) return;
  CloseRevoked();
  Message m{.kind = MessageKind::kEntries, .entries = std::move(fresh)};
  for (const auto& [peer, id] : sessions_)
    if (peer != from) SendTo(peer, m);
}

void SimDevice::OnMessage(int peer, const Message& m) {
  auto session = sessions_.find(peer);
  if (!up_ || session == sessions_.end()) return;
  const DeviceId id = session->second;
  switch (m.kind) {
    case MessageKind::kHello: {
      Message reply{.kind = MessageKind::kEntries};
      for (const EntryId& e : ledger_.MissingFor(m.heads)) reply.entries.push_back(log_[log_index_.at(e)]);
      if (!reply.entries.empty()) SendTo(peer, std::move(reply));
      return;
    }
    case MessageKind::kEntries: return AcceptEntries(peer, m.entries);
    case MessageKind::kHave: peer_have_[id] = m.have; return;
    case MessageKind::kState: {
      auto state = DecodeDeviceState(m.payload);
      if (!state) return Trace("ignored a state report from " + id.ShortHex() + ": " + state.error());
      reports_[id] = *state;
      state_heard_.insert(peer);
      return;
    }
    case MessageKind::kProve: return OnProve(peer, m.payload);
    case MessageKind::kProof: return OnProof(peer, m.payload);
  }
}

void SimDevice::OnProve(int peer, ByteSpan payload) {
  auto request = DecodeProve(payload);
  if (!request) return net_.Close(index_, peer);
  ProofReply reply{request->blob, request->chunk, request->nonce, Possession::kLacks, {}};
  if (held_.contains(request->blob)) {
    reply.digest = ProofDigest(*request, StandInChunk(request->blob, request->chunk));
    const bool keep = plan_.plan.IsAssigned(request->blob, id_);
    reply.possession = keep ? Possession::kHoldsAndKeeps : Possession::kHolds;
    if (keep) proofs_.Promise(request->blob, Steady());
  } else if (config_.liar) {
    Bytes garbage(32);
    random_.Fill(garbage.data(), garbage.size());
    reply.digest = ProofDigest(*request, garbage);
    reply.possession = Possession::kHoldsAndKeeps;
  }
  SendTo(peer, Message{.kind = MessageKind::kProof, .payload = EncodeProof(reply)});
}

void SimDevice::OnProof(int peer, ByteSpan payload) {
  auto reply = DecodeProof(payload);
  if (!reply) return net_.Close(index_, peer);
  auto ours = [this](const BlobId& blob, uint32_t chunk) -> std::optional<Bytes> {
    if (!held_.contains(blob)) return std::nullopt;
    return StandInChunk(blob, chunk);
  };
  auto status = proofs_.OnAnswer(sessions_.at(peer), *reply, ours, Steady());
  if (status && *status == mesh::PossessionProofs::Status::kFailed)
    Trace("a wrong proof of " + reply->blob.ShortHex() + " from " + sessions_.at(peer).ShortHex() + ": keeping ours");
}

// --- transfers ------------------------------------------------------------

SimDevice::Serve SimDevice::ServeBlob(const DeviceId& to, const BlobId& blob) const {
  if (!up_ || !IsUnrevokedMember(to)) return Serve::kRefused;
  if (held_.contains(blob)) return Serve::kGood;
  return config_.liar ? Serve::kGarbage : Serve::kRefused;
}

void SimDevice::OnBlob(const BlobId& blob, bool verified) {
  auto f = fetches_.find(blob);
  if (f == fetches_.end()) return;
  const int source = f->second;
  fetches_.erase(f);
  const int64_t now = net_.now();
  if (!verified) {
    ++rejected_;
    if (auto s = sessions_.find(source); s != sessions_.end()) bad_source_until_[{blob, s->second}] = now + kBadSourceUs;
    retry_after_[blob] = now + kRetryUs;
    return Trace("blob " + blob.ShortHex() + " failed verification: not kept");
  }
  const uint64_t size = SizeOf(blob);
  if (FreeBytes() < size) {  // the disk filled meanwhile
    retry_after_[blob] = now + kDiskFullRetryUs;
    return Trace("blob " + blob.ShortHex() + ": the disk is full");
  }
  held_.insert(blob);
  bytes_fetched_ += size;
  Broadcast(HaveMessage());
}

void SimDevice::OnFetchFailed(const BlobId& blob) {
  if (fetches_.erase(blob) > 0) retry_after_[blob] = net_.now() + kRetryUs;
}

}  // namespace hearth::sim

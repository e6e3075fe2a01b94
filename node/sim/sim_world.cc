#include "node/sim/sim_world.h"

#include <algorithm>
#include <cstdio>

#include "crypto/blob_cipher.h"
#include "node/sim/sim_faults.h"

namespace hearth::sim {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kHealUs = 25 * kMinuteUs;
constexpr int64_t kSettleLimitUs = 40 * kMinuteUs;

std::string Clock(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9.3fs", static_cast<double>(us) / kSecondUs);
  return buf;
}

}  // namespace

SimWorld::SimWorld(const SimOptions& options)
    : options_(options), random_(options.seed ^ 0x68656172746873ULL), net_random_(random_.Fork()) {
  report_.seed = options.seed;
}

// --- the household at the start ------------------------------------------

void SimWorld::Setup() {
  const int n = options_.nodes > 0 ? std::clamp(options_.nodes, 3, 12) : static_cast<int>(random_.Between(3, 12));
  int joiners = 0;
  if (options_.scenario == Scenario::kJoin) joiners = 1;
  else if (options_.scenario == Scenario::kChurn && n >= 5) joiners = static_cast<int>(random_.Below(2));
  const int initial = n - joiners;
  report_.nodes = n;

  const int tracks = static_cast<int>(random_.Between(20, 100));
  std::vector<std::pair<BlobId, uint64_t>> library;
  uint64_t library_bytes = 0;
  for (int t = 0; t < tracks; ++t) {
    BlobId blob;
    random_.Fill(blob.bytes.data(), blob.bytes.size());
    const uint64_t plain = static_cast<uint64_t>(random_.Between(2 * kMiB, 12 * kMiB));
    library.emplace_back(blob, plain);
    library_bytes += crypto::SealedLength(plain);
  }
  report_.tracks = tracks;

  const int liar = options_.scenario == Scenario::kChurn && initial >= 4 && random_.Chance(0.25)
                       ? static_cast<int>(random_.Between(2, initial - 1))
                       : -1;
  static constexpr double kProfiles[] = {0.97, 0.7, 0.4, 0.15};
  const int64_t start_day = SimDevice::kStartWallUs / (86'400 * kSecondUs);
  std::vector<crypto::DeviceKey> keys;
  for (int i = 0; i < n; ++i) {
    crypto::Seed seed;
    random_.Fill(seed.data(), seed.size());
    keys.push_back(crypto::DeviceKey::FromSeed(seed));
  }
  Genesis genesis;
  random_.Fill(genesis.nonce.data(), genesis.nonce.size());
  genesis.household_name = "Sim";
  genesis.founder_name = "pc";
  const HouseholdId household = DeriveHouseholdId(DeviceId{keys[0].public_key()}, genesis);

  for (int i = 0; i < n; ++i) {
    SimDeviceConfig c;
    c.name = i == 0 ? "pc" : (i >= initial ? "new-" : "dev-") + std::to_string(i);
    const double lo = i == 0 ? 2.0 : 0.3, hi = i == 0 ? 3.0 : 2.5;
    c.disk_total = static_cast<uint64_t>(static_cast<double>(library_bytes) *
                                         (lo + (hi - lo) * static_cast<double>(random_.Below(1000)) / 1000.0)) +
                   64 * kMiB;
    c.other_used = i == 0 ? 0 : random_.Below(c.disk_total / 4);
    if (random_.Chance(0.2)) c.floor.bytes = random_.Below(static_cast<uint64_t>(c.disk_total / 10));
    c.clock_offset_us = random_.Between(-300 * kSecondUs, 300 * kSecondUs);
    c.drift_ppm = random_.Between(-200, 200);
    c.liar = i == liar;
    if (i < initial || options_.scenario == Scenario::kJoin) {  // a joiner here: how much moves, not a newcomer's rank
      const double profile = i == 0 ? kProfiles[0] : kProfiles[random_.Below(4)];
      for (int d = 1; d <= 7; ++d) c.prior_uptime[start_day - d] = static_cast<int64_t>(profile * 86'400);
      c.first_online_us = SimDevice::kStartWallUs - 30 * 86'400 * kSecondUs;
    }
    devices_.push_back(std::make_unique<SimDevice>(i, std::move(keys[i]), household, std::move(c), *this,
                                                   random_.Fork()));
  }
  booted_.assign(n, false);
  side_.assign(n, 0);

  SimDevice& pc = *devices_[0];
  pc.Write(genesis);
  for (int i = 1; i < initial; ++i)
    pc.Write(DeviceAdd{devices_[i]->id(), random_.Chance(0.3) ? Role::kStorage : Role::kFull, false,
                       devices_[i]->name()});
  // One draw per statement: the order of a call's arguments is unspecified.
  const auto copies = static_cast<uint8_t>(random_.Between(options_.scenario == Scenario::kLeave ? 2 : 1, 3));
  const bool capacity = options_.scenario == Scenario::kChurn && random_.Chance(0.3);
  SetPolicy(copies, capacity);
  // Most of the library is imported on the PC, the rest on another device.
  const size_t on_pc = library.size() * 7 / 10;
  for (size_t t = 0; t < on_pc; ++t) {
    sealed_sizes_[library[t].first] = crypto::SealedLength(library[t].second);
    pc.Import(library[t].first, library[t].second);
  }
  devices_[1]->Install(pc.log());
  for (size_t t = on_pc; t < library.size(); ++t) {
    sealed_sizes_[library[t].first] = crypto::SealedLength(library[t].second);
    if (!devices_[1]->Import(library[t].first, library[t].second)) pc.Import(library[t].first, library[t].second);
  }
  for (int i = 0; i < initial; ++i) {
    if (i > 1) devices_[i]->Install(pc.log());
    booted_[i] = true;
    queue_.At(random_.Between(0, 2 * kSecondUs), [this, i] { Up(i); });
  }
  Note(std::to_string(n) + " devices (" + std::to_string(joiners) + " to join), " + std::to_string(tracks) +
       " tracks, " + std::to_string(library_bytes / kMiB) + " MiB" + (liar >= 0 ? ", a liar" : ""));
}

void SimWorld::SetPolicy(uint8_t copies, bool capacity) {
  SimDevice& pc = *devices_[0];
  if (booted_[0] && !pc.up()) return;  // the admin's device is away
  PolicySet p;
  p.copies = copies;
  if (capacity && size() > 1) {
    const int i = static_cast<int>(random_.Between(1, size() - 1));
    const uint64_t share = static_cast<uint64_t>(random_.Between(10, 80));
    uint64_t library_bytes = 0;
    for (const auto& [blob, size] : sealed_sizes_) library_bytes += size;
    p.capacities.push_back({devices_[i]->id(), std::max<uint64_t>(library_bytes * share / 100, kMiB)});
  }
  pc.Write(p);
  Note("policy: copies=" + std::to_string(copies) + (p.capacities.empty() ? "" : " with a capacity"));
}

void SimWorld::ImportTracks(int i, int count) {
  SimDevice& d = *devices_[i];
  if (!d.up() || !InHousehold(i)) return;
  for (int t = 0; t < count; ++t) {
    BlobId blob;
    random_.Fill(blob.bytes.data(), blob.bytes.size());
    const uint64_t plain = static_cast<uint64_t>(random_.Between(2 * kMiB, 12 * kMiB));
    if (!d.Import(blob, plain)) break;
    sealed_sizes_[blob] = crypto::SealedLength(plain);
    ++report_.tracks;
  }
  Note(d.name() + " imported " + std::to_string(count) + " track(s)");
}

// --- devices and the network --------------------------------------------

bool SimWorld::InHousehold(int i) const { return booted_[i] && !gone_.contains(i) && !revoked_.contains(i); }

SimWorld::Link& SimWorld::LinkOf(int a, int b) {
  Link& l = links_[{std::min(a, b), std::max(a, b)}];
  if (l.bytes_per_s == 0) l.bytes_per_s = net_random_.Between(30, 120) * kMiB;
  return l;
}

bool SimWorld::CanReach(int a, int b) const { return side_[a] == side_[b]; }

void SimWorld::Down(int i) {
  if (!devices_[i]->up()) return;
  for (int j = 0; j < size(); ++j)
    if (j != i && LinkOf(i, j).up) Close(i, j);
  devices_[i]->Crash();
  Note(devices_[i]->name() + " is down");
}

void SimWorld::Up(int i) {
  if (gone_.contains(i) || devices_[i]->up()) return;
  devices_[i]->Boot();
  Note(devices_[i]->name() + " is up");
}

void SimWorld::Close(int a, int b) {
  Link& l = LinkOf(a, b);
  if (!l.up) return;
  l.up = false;
  ++l.epoch;
  devices_[a]->OnSessionDown(b);
  devices_[b]->OnSessionDown(a);
}

void SimWorld::Partition(const std::set<int>& side) {
  for (int i = 0; i < size(); ++i) side_[i] = side.contains(i) ? 1 : 0;
  for (int a = 0; a < size(); ++a)
    for (int b = a + 1; b < size(); ++b)
      if (!CanReach(a, b)) Close(a, b);
  Note("the network splits " + std::to_string(side.size()) + " device(s) off");
}

void SimWorld::HealNetwork() {
  std::fill(side_.begin(), side_.end(), 0);
  Note("the network is whole");
}

void SimWorld::DialLoop() {
  for (int a = 0; a < size(); ++a) {
    for (int b = a + 1; b < size(); ++b) {
      SimDevice& x = *devices_[a];
      SimDevice& y = *devices_[b];
      if (!x.up() || !y.up() || !CanReach(a, b)) continue;
      Link& l = LinkOf(a, b);
      if (l.up || !x.Admits(b, y.id()) || !y.Admits(a, x.id())) continue;
      l.up = true;
      const uint64_t epoch = ++l.epoch;
      l.last_delivery[0] = l.last_delivery[1] = 0;
      queue_.After(5'000, [this, a, b, epoch] {
        Link& link = LinkOf(a, b);
        if (link.epoch != epoch || !link.up) return;
        devices_[a]->OnSessionUp(b, devices_[b]->id());
        devices_[b]->OnSessionUp(a, devices_[a]->id());
      });
    }
  }
  queue_.After(kSecondUs, [this] { DialLoop(); });
}

void SimWorld::Send(int from, int to, Message m) {
  Link& l = LinkOf(from, to);
  if (!l.up) return;
  ++report_.messages;
  int64_t& last = l.last_delivery[from < to ? 0 : 1];
  const int64_t at = std::max(now() + net_random_.Between(200, 20'000), last);
  last = at;
  queue_.At(at, [this, from, to, epoch = l.epoch, m = std::move(m)] {
    const Link& link = LinkOf(from, to);
    if (link.up && link.epoch == epoch) devices_[to]->OnMessage(from, m);
  });
}

bool SimWorld::StartFetch(int to, int source, const BlobId& blob) {
  Link& l = LinkOf(to, source);
  if (!l.up) return false;
  ++report_.fetches;
  const uint64_t size = sealed_sizes_.contains(blob) ? sealed_sizes_.at(blob) : 0;
  const int64_t took = 2'000 + static_cast<int64_t>(static_cast<double>(size) * kSecondUs / l.bytes_per_s);
  queue_.After(took, [this, to, source, blob, size, epoch = l.epoch] {
    SimDevice& receiver = *devices_[to];
    const Link& link = LinkOf(to, source);
    if (!link.up || link.epoch != epoch) return receiver.OnFetchFailed(blob);
    const auto serve = devices_[source]->ServeBlob(receiver.id(), blob);
    if (serve == SimDevice::Serve::kRefused) return receiver.OnFetchFailed(blob);
    WillSendTo(source, to);
    const bool good = serve == SimDevice::Serve::kGood;
    const bool had = receiver.Holds(blob);
    receiver.OnBlob(blob, good);
    if (!good) {
      ++report_.rejected;
      if (!had && receiver.Holds(blob)) Fail("check 5: " + receiver.name() + " kept a blob that failed verification");
      return;
    }
    if (had || !receiver.Holds(blob)) return;
    report_.bytes_moved += size;
    const SimDeviceConfig& c = receiver.config();
    const uint64_t floor = c.floor.On(mesh::DiskSpace{receiver.FreeBytes(), c.disk_total});
    if (receiver.FreeBytes() < floor)
      Fail("check 3: a replica took " + receiver.name() + " under its free-space floor (" +
           std::to_string(receiver.FreeBytes()) + " free, floor " + std::to_string(floor) + ")");
  });
  return true;
}

// --- checks ---------------------------------------------------------------

void SimWorld::Trace(int device, const std::string& line) {
  if (frozen_trace_) return;
  trace_.push_back(Clock(now()) + " " + (device < 0 ? std::string("world") : devices_[device]->name()) + ": " + line);
  while (trace_.size() > options_.trace_lines) trace_.pop_front();
}

void SimWorld::Fail(const std::string& what) {
  if (report_.failures.empty()) {
    Trace(-1, "FAILED " + what);
    report_.trace.assign(trace_.begin(), trace_.end());
    frozen_trace_ = true;
  }
  if (report_.failures.size() < 20) report_.failures.push_back(Clock(now()) + " " + what);
}

void SimWorld::WillDrop(int device, const BlobId& blob, bool short_of_room) {
  ++report_.drops;
  const SimDevice& d = *devices_[device];
  bool elsewhere = false;
  for (int j = 0; j < size() && !elsewhere; ++j)
    elsewhere = j != device && InHousehold(j) && devices_[j]->Holds(blob);
  if (!elsewhere) return Fail("check 2: " + d.name() + " dropped the last copy of " + blob.ShortHex());
  // It drops on the word of the devices its plan assigns the blob: they must
  // hold it now -- all of them, or one at least when it is short of room.
  size_t holding = 0, assigned = 0;
  for (const DeviceId& holder : d.plan().plan.Assigned(blob)) {
    ++assigned;
    for (const auto& other : devices_)
      if (other->id() == holder && other->Holds(blob)) ++holding;
  }
  if (short_of_room ? holding == 0 : holding < assigned)
    Fail("check 2: " + d.name() + " dropped " + blob.ShortHex() + " while only " + std::to_string(holding) + " of the " +
         std::to_string(assigned) + " device(s) it is assigned to hold it");
}

void SimWorld::WillSendTo(int device, int to) {
  const auto& members = devices_[device]->ledger().state().members;
  auto it = members.find(devices_[to]->id());
  if (it != members.end() && it->second.revoked)
    Fail("check 4: " + devices_[device]->name() + " sent to " + devices_[to]->name() + ", which it knows is revoked");
}

bool SimWorld::SafeToLose(int i) const {
  for (const BlobId& blob : devices_[i]->held()) {
    bool elsewhere = false;
    for (int j = 0; j < size() && !elsewhere; ++j) elsewhere = j != i && InHousehold(j) && devices_[j]->Holds(blob);
    if (!elsewhere) return false;
  }
  return true;
}

void SimWorld::LeaveForGood(int i) {
  Down(i);
  gone_.insert(i);
  Note(devices_[i]->name() + " left for good");
}

void SimWorld::Revoke(int i) {
  if (!devices_[0]->up()) return;
  devices_[0]->Write(DeviceRevoke{devices_[i]->id(), "simulated"});
  revoked_.insert(i);
  Note(devices_[i]->name() + " is revoked");
}

void SimWorld::Join(int i) {
  if (booted_[i] || !devices_[0]->up()) return;
  devices_[0]->Write(DeviceAdd{devices_[i]->id(), Role::kFull, false, devices_[i]->name()});
  devices_[i]->Install(devices_[0]->log());
  booted_[i] = true;
  Up(i);
  Note(devices_[i]->name() + " joins");
}

void SimWorld::FillDisk(int i) {
  SimDeviceConfig& c = devices_[i]->mutable_config();
  const uint64_t floor = c.floor.On(mesh::DiskSpace{devices_[i]->FreeBytes(), c.disk_total});
  const uint64_t keep = floor + random_.Below(64 * kMiB);
  const uint64_t free = devices_[i]->FreeBytes();
  if (free > keep) c.other_used += free - keep;
  Note(devices_[i]->name() + "'s disk fills up");
}

void SimWorld::FreeDisk(int i) {
  SimDeviceConfig& c = devices_[i]->mutable_config();
  c.other_used = std::min(c.other_used, c.disk_total / 4);
}

bool SimWorld::Settled() const {
  const SimDevice& pc = *devices_[0];
  for (int i = 0; i < size(); ++i) {
    if (!InHousehold(i)) continue;
    const SimDevice& d = *devices_[i];
    if (!d.up() || d.fetching() > 0) return false;
    if (!(d.ledger().state() == pc.ledger().state())) return false;
    if (d.plan().plan.assigned.size() != d.ledger().claims().size()) return false;
    if (d.plan().plan.assigned != pc.plan().plan.assigned) return false;
  }
  for (const auto& [blob, assigned] : pc.plan().plan.assigned)
    for (const DeviceId& holder : assigned) {
      auto it = std::find_if(devices_.begin(), devices_.end(), [&](const auto& d) { return d->id() == holder; });
      if (it == devices_.end() || !InHousehold((*it)->index()) || !(*it)->Holds(blob)) return false;
    }
  return true;
}

void SimWorld::CheckHealed() {
  const SimDevice& pc = *devices_[0];
  for (int i = 1; i < size(); ++i) {
    if (!InHousehold(i)) continue;
    if (!(devices_[i]->ledger().state() == pc.ledger().state()))
      Fail("check 1: " + devices_[i]->name() + "'s ledger differs from the founder's after healing");
  }
  for (const auto& [entry, claim] : pc.ledger().claims()) {
    bool held = false;
    for (int i = 0; i < size() && !held; ++i)
      held = InHousehold(i) && devices_[i]->Holds(claim.claim().blob);
    if (!held) Fail("check 2: no device of the household holds " + claim.claim().blob.ShortHex() + " after healing");
  }
  if (pc.plan().plan.assigned.size() != pc.ledger().claims().size())
    Fail("check 2: the founder's placement does not cover every claim");
  // A liar's reports reach each device differently (one that only ever got
  // an impossible STATE from it does not know its room), so with a liar in
  // the household every device must hold what its own plan assigns it and
  // every blob must keep a verified copy, but plans may differ.
  bool liar = false;
  for (int i = 0; i < size(); ++i) liar = liar || (InHousehold(i) && devices_[i]->liar());
  if (liar) {
    for (int i = 0; i < size(); ++i) {
      if (!InHousehold(i)) continue;
      const SimDevice& d = *devices_[i];
      if (d.fetching() > 0) Fail("check 2: " + d.name() + " still fetching after healing");
      for (const auto& [blob, assigned] : d.plan().plan.assigned)
        if (std::find(assigned.begin(), assigned.end(), d.id()) != assigned.end() && !d.Holds(blob))
          Fail("check 2: " + d.name() + " is assigned " + blob.ShortHex() + " but does not hold it after healing");
    }
  } else if (!Settled()) {
    for (int i = 0; i < size(); ++i) {
      if (!InHousehold(i)) continue;
      const SimDevice& d = *devices_[i];
      if (d.plan().plan.assigned != pc.plan().plan.assigned)
        Fail("check 2: " + d.name() + " places replicas differently from the founder after healing");
    }
    for (const auto& [blob, assigned] : pc.plan().plan.assigned)
      for (const DeviceId& holder : assigned)
        for (const auto& d : devices_)
          if (d->id() == holder && !(InHousehold(d->index()) && d->Holds(blob)))
            Fail("check 2: " + d->name() + " is assigned " + blob.ShortHex() + " but does not hold it after healing");
    if (report_.failures.empty()) Fail("check 2: fetches still under way after healing");
  }
  for (const DeviceCapacity& c : pc.ledger().state().policy.capacities) {
    auto it = pc.plan().plan.assigned_bytes.find(c.device);
    if (it != pc.plan().plan.assigned_bytes.end() && it->second > c.bytes)
      Fail("check 3: placement gives a device more than its capacity");
  }
}

// --- runs -----------------------------------------------------------------

SimReport SimWorld::Run() {
  Setup();
  DialLoop();
  const auto run_until = [&](int64_t t) { report_.events += queue_.RunUntil(t); };
  const auto settle = [&](int64_t limit) {
    while (now() < limit && !Settled()) run_until(now() + 5 * kSecondUs);
    return Settled();
  };
  switch (options_.scenario) {
    case Scenario::kChurn: {
      const int64_t end = static_cast<int64_t>(options_.hours * 3600.0 * kSecondUs);
      FaultPlan faults(*this, random_.Fork());
      faults.Schedule(5 * kMinuteUs, end);
      run_until(end);
      faults.Stop();
      // Healing mends the network and brings every member back; a disk
      // that filled up stays full (the household must settle around it).
      HealNetwork();
      for (int i = 0; i < size(); ++i)
        if (InHousehold(i)) Up(i);
      run_until(end + kHealUs);
      break;
    }
    case Scenario::kLeave: {
      settle(kSettleLimitUs);
      int leaver = -1;
      for (int i = 1; i < size() && leaver < 0; ++i)
        if (!devices_[i]->held().empty() && SafeToLose(i)) leaver = i;
      if (leaver < 0) break;
      const int64_t left = now();
      LeaveForGood(leaver);
      const int64_t away = left + SimDevice::kAwayUs;
      if (settle(left + kSettleLimitUs)) report_.restored_after_s = static_cast<double>(std::max<int64_t>(now() - away, 0)) / kSecondUs;
      break;
    }
    case Scenario::kJoin: {
      settle(kSettleLimitUs);
      const int joiner = size() - 1;
      const uint64_t before = report_.bytes_moved;
      const uint64_t short_before = devices_[0]->plan().plan.short_bytes;
      Join(joiner);
      if (settle(now() + kSettleLimitUs)) {
        // Its share: what placement gives it, and the copies that lacked
        // room before and found it thanks to the new device.
        const PlacementPlan& plan = devices_[0]->plan().plan;
        auto mine = plan.assigned_bytes.find(devices_[joiner]->id());
        const uint64_t share = (mine == plan.assigned_bytes.end() ? 0 : mine->second) +
                               (short_before > plan.short_bytes ? short_before - plan.short_bytes : 0);
        if (share > 0)
          report_.join_moved_share = static_cast<double>(report_.bytes_moved - before) / static_cast<double>(share);
      }
      break;
    }
  }
  CheckHealed();
  for (const auto& d : devices_)
    for (const auto& [blob, n] : d->drops_of()) report_.most_drops = std::max(report_.most_drops, n);
  report_.simulated_hours = static_cast<double>(now()) / (3600.0 * kSecondUs);
  if (report_.failures.empty()) report_.trace.assign(trace_.begin(), trace_.end());
  return report_;
}

}  // namespace hearth::sim

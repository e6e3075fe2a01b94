// Random household ledgers for the tests that check the ledger's rules do
// not depend on delivery order: five devices write and gossip at random,
// with revocations, releases, policies and an equivocation, then converge.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "tests/support/test_household.h"

namespace hearth::testing {

// Every entry in `entries` in a random order that respects prev/parents.
inline std::vector<const SignedEntry*> RandomCausalOrder(const std::vector<SignedEntry>& entries,
                                                  std::mt19937& rng) {
  std::unordered_map<EntryId, size_t, Id32Hash> index;
  for (size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].id, i);
  std::vector<std::vector<size_t>> children(entries.size());
  std::vector<size_t> pending(entries.size(), 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    std::vector<EntryId> deps = entries[i].entry.parents;
    if (entries[i].entry.seq > 1) deps.push_back(entries[i].entry.prev);
    for (const auto& d : deps) {
      auto it = index.find(d);
      if (it == index.end()) continue;
      children[it->second].push_back(i);
      ++pending[i];
    }
  }
  std::vector<size_t> ready;
  for (size_t i = 0; i < entries.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  std::vector<const SignedEntry*> order;
  while (!ready.empty()) {
    size_t k = std::uniform_int_distribution<size_t>(0, ready.size() - 1)(rng);
    size_t i = ready[k];
    ready[k] = ready.back();
    ready.pop_back();
    order.push_back(&entries[i]);
    for (size_t c : children[i])
      if (--pending[c] == 0) ready.push_back(c);
  }
  return order;
}

struct Simulation {
  std::vector<crypto::DeviceKey> keys;
  std::vector<Replica> replicas;
  bool revoked = false;
  bool equivocated = false;
};

inline Simulation Simulate(uint32_t seed) {
  std::mt19937 rng(seed);
  Simulation sim;
  for (uint8_t i = 1; i <= 5; ++i) sim.keys.push_back(KeyFor(i));
  HouseholdId h = HouseholdOf(sim.keys[0]);
  for (int i = 0; i < 5; ++i) sim.replicas.emplace_back(h);
  auto& founder = sim.replicas[0];
  founder.Write(sim.keys[0], MakeGenesisBody());
  founder.Write(sim.keys[0], MakeAdd(sim.keys[1], Role::kFull, true, "laptop"));
  founder.Write(sim.keys[0], MakeAdd(sim.keys[2], Role::kPhone, false, "phone"));
  founder.Write(sim.keys[0], MakeAdd(sim.keys[3], Role::kFull, false, "den"));
  for (int i = 1; i < 4; ++i) sim.replicas[i].SyncFrom(founder);

  bool& revoked = sim.revoked;
  bool& equivocated = sim.equivocated;
  uint8_t track = 0;
  for (int step = 0; step < 300; ++step) {
    int who = std::uniform_int_distribution<int>(0, 3)(rng);
    Replica& r = sim.replicas[who];
    const auto& key = sim.keys[who];
    int action = std::uniform_int_distribution<int>(0, 99)(rng);
    int64_t t = step;
    if (action < 45) {
      r.Write(key, MakeClaim(++track), t);
    } else if (action < 55 && !r.ledger.claims().empty()) {
      auto it = r.ledger.claims().begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, r.ledger.claims().size() - 1)(rng));
      r.Write(key, TrackRelease{it->first}, t);
    } else if (action < 60) {
      r.Write(key, PolicySet{static_cast<uint8_t>(1 + step % 3), 0, {}}, t);
    } else if ((action < 62 || step == 250) && !revoked && step > 150) {
      // The founder revokes device 3, from its own view.
      sim.replicas[0].Write(sim.keys[0], DeviceRevoke{IdOf(sim.keys[3]), "test"}, t);
      revoked = true;
    } else if ((action < 64 || step == 200) && !equivocated && step > 100) {
      // Device 2 signs two different entries with one sequence number, sent
      // to two replicas, and goes on writing after `one`.
      Replica& r2 = sim.replicas[2];
      const auto& k2 = sim.keys[2];
      Entry fork = r2.ledger.NextEntry(IdOf(k2), MakeClaim(200), t);
      SignedEntry one = SignEntry(fork, k2);
      fork.body = MakeClaim(201);
      SignedEntry two = SignEntry(fork, k2);
      sim.replicas[4].SyncFrom(r2);
      EXPECT_TRUE(r2.Deliver(one));
      EXPECT_TRUE(sim.replicas[4].Deliver(two));
      equivocated = true;
    } else if (action < 67) {
      // An admin (in its own view) grants or takes away another device's
      // admin rights: a device.add of it as it is, the flag flipped. Never
      // the founder's, whose revocation of device 3 must stand.
      const auto& members = r.ledger.state().members;
      auto me = members.find(IdOf(key));
      const int target = std::uniform_int_distribution<int>(1, 3)(rng);
      auto it = members.find(IdOf(sim.keys[target]));
      if (me != members.end() && me->second.admin && it != members.end() && !it->second.revoked)
        r.Write(key, MakeAdd(sim.keys[target], it->second.role, !it->second.admin, it->second.name), t);
    } else if (action < 70) {
      // Set or remove one of three listeners (sealed bytes the ledger does
      // not open); a non-admin's is kept without effect.
      ListenerId id;
      id.bytes[0] = static_cast<uint8_t>(1 + step % 3);
      if (action < 69) r.Write(key, ListenerSet{id, Bytes{static_cast<uint8_t>(step), 1, 2}}, t);
      else r.Write(key, ListenerRemove{id}, t);
    } else {
      int other = std::uniform_int_distribution<int>(0, 4)(rng);
      r.SyncFrom(sim.replicas[other]);
    }
  }
  // Converge: everyone syncs with everyone until nothing changes.
  for (int round = 0; round < 3; ++round)
    for (auto& a : sim.replicas)
      for (auto& b : sim.replicas) a.SyncFrom(b);
  return sim;
}

}  // namespace hearth::testing

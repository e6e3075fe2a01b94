// A realistic ledger for benchmarks: four devices writing claims, gossiping
// in a ring so entries cite each other's heads.
#pragma once

#include <vector>

#include "tests/support/test_household.h"

namespace hearth::bench {

using namespace hearth::testing;

// A household of four devices writing claims (and a release now and then),
// syncing every few entries so entries cite parents.
inline std::vector<SignedEntry> MakeLedger(size_t n) {
  std::vector<crypto::DeviceKey> keys;
  for (uint8_t i = 1; i <= 4; ++i) keys.push_back(KeyFor(i));
  std::vector<Replica> replicas;
  for (int i = 0; i < 4; ++i) replicas.emplace_back(HouseholdOf(keys[0]));
  replicas[0].Write(keys[0], MakeGenesisBody(), 0);
  for (int i = 1; i < 4; ++i) replicas[0].Write(keys[0], MakeAdd(keys[i], Role::kFull, false, "d"), 0);
  for (int i = 1; i < 4; ++i) replicas[i].SyncFrom(replicas[0]);
  std::vector<SignedEntry> all = replicas[0].log;
  size_t track = 0;
  while (all.size() < n) {
    for (int d = 0; d < 4 && all.size() < n; ++d) {
      TrackClaim c = MakeClaim(static_cast<uint8_t>(track), 4000000 + track);
      c.sealed_details = Bytes(220, static_cast<uint8_t>(track++));  // typical sealed size
      all.push_back(replicas[d].Write(keys[d], c, static_cast<int64_t>(track)));
    }
    // Gossip in a ring so each device soon cites the others' heads.
    for (int d = 0; d < 4; ++d) {
      Replica& to = replicas[(d + 1) % 4];
      for (size_t i = all.size() - 4; i < all.size(); ++i)
        if (!to.ledger.Contains(all[i].id)) to.ledger.Accept(all[i]);
    }
  }
  return all;
}

}  // namespace hearth::bench

// Test helpers: deterministic device keys and a household replica that
// writes entries from its own view of the ledger, the way a node does.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/signing.h"
#include "protocol/ledger.h"

namespace hearth::testing {

// The same key for the same `n`, in every run.
inline crypto::DeviceKey KeyFor(uint8_t n) {
  std::array<uint8_t, 32> seed;
  seed.fill(n);
  return crypto::DeviceKey::FromSeed(crypto::Seed(std::span<const uint8_t, 32>(seed)));
}

inline DeviceId IdOf(const crypto::DeviceKey& key) { return DeviceId{key.public_key()}; }

inline Genesis MakeGenesisBody(std::string name = "Home") {
  Genesis g;
  g.nonce.fill(7);
  g.household_name = std::move(name);
  g.founder_name = "pc";
  return g;
}

inline HouseholdId HouseholdOf(const crypto::DeviceKey& founder, const Genesis& g = MakeGenesisBody()) {
  return DeriveHouseholdId(IdOf(founder), g);
}

// One device's view of the household.
class Replica {
 public:
  explicit Replica(const HouseholdId& h) : ledger(h) {}

  // Writes an entry as `key` from this replica's view, accepts it here and
  // returns it (to deliver to other replicas).
  SignedEntry Write(const crypto::DeviceKey& key, Body body, int64_t time_us = 0) {
    SignedEntry e = SignEntry(ledger.NextEntry(IdOf(key), std::move(body), time_us), key);
    Deliver(e);
    return e;
  }

  // Offers `e` to this replica, logging it if kept. Returns the outcome.
  std::expected<void, Rejection> Deliver(const SignedEntry& e) {
    last = ledger.Accept(e);
    if (last || last.error().kept) log.push_back(e);
    return last;
  }

  // Delivers everything `other` kept that this replica lacks, in `other`'s
  // arrival order (a causal order), as ledger sync does.
  void SyncFrom(const Replica& other) {
    for (const SignedEntry& e : other.log)
      if (!ledger.Contains(e.id)) Deliver(e);
  }

  Ledger ledger;
  std::vector<SignedEntry> log;
  std::expected<void, Rejection> last;
};

inline TrackClaim MakeClaim(uint8_t n, uint64_t length = 1000) {
  TrackClaim c;
  c.blob.bytes.fill(n);
  c.plaintext_length = length;
  c.sealed_details = Bytes(48, n);
  return c;
}

inline DeviceAdd MakeAdd(const crypto::DeviceKey& key, Role role = Role::kFull,
                         bool admin = false, std::string name = "laptop") {
  return DeviceAdd{IdOf(key), role, admin, std::move(name)};
}

}  // namespace hearth::testing

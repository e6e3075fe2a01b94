// Ledger figures, each with a same-run baseline:
//  - verification rate of entries arriving from a peer (decode, Ed25519,
//    rules) against bare Ed25519 verification of the same messages;
//    target >= 15,000 entries/s on one core;
//  - folding a 100,000-entry ledger into its derived state (what a node does
//    at start-up, and a full canonical re-evaluation) against merely decoding
//    the same entries; target < 10 s.
#include <sodium.h>

#include <cstdio>

#include "protocol/ledger.h"
#include "tests/support/test_household.h"
#include "tools/bench/bench_timer.h"
#include "tools/bench/ledger_data.h"

namespace {

using namespace hearth;
using namespace hearth::testing;
using hearth::bench::MakeLedger;

}  // namespace

int main() {
  const HouseholdId household = HouseholdOf(KeyFor(1));

  std::printf("generating ledgers...\n");
  std::vector<SignedEntry> small = MakeLedger(20000);
  std::vector<Bytes> wire;
  for (const auto& e : small) wire.push_back(e.bytes);

  // Baseline: bare Ed25519 verification of the same signed messages.
  std::vector<Bytes> messages;
  for (const auto& e : small) {
    Bytes m(kEntrySignatureDomain.begin(), kEntrySignatureDomain.end());
    m.insert(m.end(), e.bytes.begin(), e.bytes.end() - 64);
    messages.push_back(std::move(m));
  }
  auto bare = [&] {
    for (size_t i = 0; i < small.size(); ++i) {
      if (crypto_sign_verify_detached(small[i].signature.data(), messages[i].data(),
                                      messages[i].size(), small[i].entry.author.bytes.data()) != 0)
        std::abort();
    }
  };
  auto hearth = [&] {
    Ledger ledger(household);
    for (const Bytes& b : wire) {
      auto e = DecodeEntry(b);
      if (!e || !ledger.Accept(*e)) std::abort();
    }
  };
  // Interleaved, so that noise from other tenants hits both alike.
  double raw = 1e30, full = 1e30;
  for (int round = 0; round < 4; ++round) {
    raw = std::min(raw, bench::BestOf(1, bare));
    full = std::min(full, bench::BestOf(1, hearth));
  }
  std::printf("ledger verification (%zu entries from the wire, one core, best of 4 interleaved)\n", small.size());
  std::printf("  baseline  bare Ed25519 verify:          %8.0f entries/s\n", small.size() / raw);
  std::printf("  hearth    decode + verify + rules:      %8.0f entries/s   ratio %.2f  (target >= 15,000/s)\n",
              small.size() / full, raw / full);

  std::vector<SignedEntry> big = MakeLedger(100000);
  std::vector<Bytes> stored;
  for (const auto& e : big) stored.push_back(e.bytes);
  double decode = bench::BestOf(3, [&] {
    for (const Bytes& b : stored)
      if (!DecodeEntry(b)) std::abort();
  });
  Ledger loaded(household);
  double load = bench::BestOf(1, [&] {
    for (const Bytes& b : stored) (void)loaded.AcceptTrusted(*DecodeEntry(b));
  });
  // A membership change forces a full canonical re-evaluation of all entries.
  SignedEntry add = SignEntry(loaded.NextEntry(IdOf(KeyFor(1)), MakeAdd(KeyFor(9)), 1), KeyFor(1));
  double refold = bench::BestOf(1, [&] {
    if (!loaded.Accept(add)) std::abort();
  });
  std::printf("ledger fold (%zu entries, %zu live claims)\n", big.size(), loaded.state().claims.size());
  std::printf("  baseline  decode only:                  %8.2f s\n", decode);
  std::printf("  hearth    load + fold (start-up):       %8.2f s   ratio %.2f  (target < 10 s)\n", load,
              load / decode);
  std::printf("  hearth    full canonical re-evaluation: %8.2f s\n", refold);
  return 0;
}

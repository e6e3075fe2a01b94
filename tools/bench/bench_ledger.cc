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
  std::vector<double> raw_rate, full_rate, ratio;
  for (int round = 0; round < 4; ++round) {
    const double raw = bench::Seconds(bare), full = bench::Seconds(hearth);
    raw_rate.push_back(static_cast<double>(small.size()) / raw);
    full_rate.push_back(static_cast<double>(small.size()) / full);
    ratio.push_back(raw / full);
  }
  std::printf("ledger verification (%zu entries from the wire, one core, 4 interleaved runs, entries/s)\n",
              small.size());
  std::printf("  baseline  bare Ed25519 verify:          %s\n", bench::List(raw_rate, "%.0f").c_str());
  std::printf("  hearth    decode + verify + rules:      %s  (target >= 15,000/s)\n",
              bench::List(full_rate, "%.0f").c_str());
  std::printf("            ratio per run:                %s\n", bench::List(ratio).c_str());

  std::vector<SignedEntry> big = MakeLedger(100000);
  std::vector<Bytes> stored;
  for (const auto& e : big) stored.push_back(e.bytes);
  std::vector<double> decode = bench::Runs(3, [&] {
    for (const Bytes& b : stored)
      if (!DecodeEntry(b)) std::abort();
  });
  Ledger loaded(household);
  double load = bench::Seconds([&] {
    for (const Bytes& b : stored) (void)loaded.AcceptTrusted(*DecodeEntry(b));
  });
  // A membership change forces a full canonical re-evaluation of all entries.
  SignedEntry add = SignEntry(loaded.NextEntry(IdOf(KeyFor(1)), MakeAdd(KeyFor(9)), 1), KeyFor(1));
  double refold = bench::Seconds([&] {
    if (!loaded.Accept(add)) std::abort();
  });
  std::printf("ledger fold (%zu entries, %zu live claims)\n", big.size(), loaded.claims().size());
  std::printf("  baseline  decode only (3 runs):          %s s\n", bench::List(decode).c_str());
  std::printf("  hearth    load + fold (start-up):       %8.2f s   ratio to the first decode %.2f  (target < 10 s)\n",
              load, load / decode.front());
  std::printf("  hearth    full canonical re-evaluation: %8.2f s\n", refold);
  return 0;
}

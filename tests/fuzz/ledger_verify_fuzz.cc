// Fuzzes the ledger verifier with sequences of entries (fuzz_input.h) for a
// household founded by test key 1. Signatures are skipped (AcceptTrusted) so
// the fuzzer can reach the rules; signature checking is ledger_entry_fuzz's.
// Invariants: no crash, every refusal explained, and replaying exactly the
// kept entries into a fresh ledger gives the same entries and state.
#include <cstdlib>

#include "protocol/ledger.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/test_household.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  static const HouseholdId household = testing::HouseholdOf(testing::KeyFor(1));
  Ledger ledger(household);
  std::vector<SignedEntry> kept;
  for (ByteSpan record : fuzz::SplitRecords(data, size)) {
    auto e = DecodeEntry(record);
    if (!e) continue;
    auto r = ledger.AcceptTrusted(*e);
    if (!r && r.error().error.Message().empty()) std::abort();
    if (r || r.error().kept) kept.push_back(std::move(*e));
  }
  Ledger replay(household);
  for (const SignedEntry& e : kept) {
    auto r = replay.AcceptTrusted(e);
    if (!r && !r.error().kept) std::abort();
  }
  if (replay.size() != ledger.size() || !(replay.state() == ledger.state())) std::abort();
  for (const SignedEntry& e : kept)
    if (replay.IsEffective(e.id) != ledger.IsEffective(e.id)) std::abort();
  return 0;
}

// Fuzzes the entry decoder: it must never crash, must explain every refusal,
// and must be canonical (whatever it accepts re-encodes to the same bytes).
#include <cstdlib>

#include "protocol/ledger_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  ByteSpan input(data, size);
  auto e = DecodeEntry(input);
  if (!e) {
    if (e.error().Message().empty()) std::abort();
    return 0;
  }
  Bytes again = EncodeSignedEntry(e->entry, e->signature);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) std::abort();
  (void)VerifyEntrySignature(*e);
  return 0;
}

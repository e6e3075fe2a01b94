// LedgerIndex: where a Ledger's kept entries live, and what it asks of them.
//
// The Ledger (ledger.h) keeps in memory only what deciding the next entry
// needs: each author's chain head, the membership entries (genesis,
// device.add, device.revoke, policy.set) and, per author, the window of
// sequence numbers whose claims and releases have effect. Everything that
// grows with the catalog — every entry's causal clock, every claim and
// release and whether it is live — belongs to the index. The node's index is
// SQLite (node/store/sql_ledger_index.h); tests and the simulator use
// MemoryLedgerIndex (memory_ledger_index.h).
//
// An index is called by one Ledger, from that Ledger's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "crypto/bytes.h"
#include "protocol/ledger_entry.h"

namespace hearth {

// A causal clock: for each author index, the highest sequence number of that
// author in an entry's causal past (its own seq included). Indices are
// assigned by the Ledger in the order it first meets devices; they are local
// to one ledger and never leave it.
using VectorClock = std::vector<uint64_t>;

// A clock's bytes, as an index stores them: one unsigned LEB128 varint per
// author index from 0, trailing zeros dropped (so a clock grows only when a
// new author is met). Decoding refuses anything else (nullopt).
Bytes EncodeClock(const VectorClock& clock);
std::optional<VectorClock> DecodeClock(ByteSpan bytes);

// What the rules need to know about a kept entry.
struct KeptEntry {
  uint32_t author = 0;  // author index
  uint64_t seq = 0;
  EntryType type = EntryType::kGenesis;
  bool chained = true;  // false: equivocation evidence, never effective
  VectorClock clock;
};

// The sequence numbers of one author whose chained claims and releases have
// effect: lo <= seq <= hi. lo is where the author's chain first has an
// effective device.add in its causal past (1 for the founder), hi the last
// seq inside every effective revocation's past and before any equivocation.
// kNoSeq as lo means none has effect.
inline constexpr uint64_t kNoSeq = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
struct AuthorWindow {
  uint64_t lo = kNoSeq;
  uint64_t hi = kNoSeq;
  bool Contains(uint64_t seq) const { return lo <= seq && seq <= hi; }
  bool operator==(const AuthorWindow&) const = default;
};

class LedgerIndex {
 public:
  virtual ~LedgerIndex() = default;

  // The kept entry `id`, if there is one.
  virtual std::optional<KeptEntry> Find(const EntryId& id) = 0;
  // The clock of `author`'s chained entry `seq`, which the Ledger knows is kept.
  virtual VectorClock ChainClock(uint32_t author, uint64_t seq) = 0;
  // The id of `author`'s chained entry `seq`, if kept.
  virtual std::optional<EntryId> ChainId(uint32_t author, uint64_t seq) = 0;

  // The Ledger met a new device and gave it `index` (0, 1, 2, ... in order).
  virtual void NewAuthor(uint32_t index, const DeviceId& device) = 0;
  // `entry` is kept. For a claim or release, `effective` says whether it has
  // effect now; membership entries' effect is the Ledger's business.
  virtual void Keep(const SignedEntry& entry, const KeptEntry& kept, bool effective) = 0;
  // `author`'s window changed: re-decide its claims and releases, and what is
  // live (an effective claim no effective release names).
  virtual void WindowChanged(uint32_t author, const AuthorWindow& window) = 0;

  // Kept entries in arrival order (a causal order): every unchained one, and
  // each chained one whose seq >= from[author] (authors past the end of
  // `from` from seq 1).
  virtual std::vector<EntryId> KeptFrom(const std::vector<uint64_t>& from) = 0;
  // How many kept claims and releases have effect.
  virtual uint64_t EffectiveClaimsAndReleases() = 0;
};

}  // namespace hearth

// Why a ledger entry was refused. Every refusal is a value with a code that
// programs match on and a detail that people read.
#pragma once

#include <string>
#include <string_view>

namespace hearth {

enum class LedgerErrc {
  kMalformed,       // bytes are not a canonical entry (truncated, extra, bad field)
  kFutureVersion,   // format version newer than this build understands
  kBadSignature,    // Ed25519 signature does not verify
  kWrongHousehold,  // entry names another household
  kReplayed,        // this exact entry is already in the ledger
  kChainGap,        // author's sequence number skips ahead of its chain
  kChainBroken,     // `prev` does not name the author's previous entry
  kMissingParent,   // a causal parent is not in the ledger yet
  kEquivocation,    // another entry has the same author and sequence number
  kUnknownAuthor,   // author was never added in the entry's causal past
  kRevokedAuthor,   // author was revoked and the entry is outside the revocation's past
  kNotAdmin,        // admin-only type from a non-admin device
  kBadGenesis,      // genesis in the wrong place or not matching the household
  kBadReference,    // body names something that does not exist (e.g. unknown claim)
  kBadRecovery,     // recovery.use: not the household's recovery key at the entry, or a bad proof
};

// Stable lowercase name of a code ("bad-signature"), for --json output.
std::string_view CodeName(LedgerErrc code);

struct LedgerError {
  LedgerErrc code;
  std::string detail;

  // "bad signature: <detail>" — one line for people.
  std::string Message() const;
};

}  // namespace hearth

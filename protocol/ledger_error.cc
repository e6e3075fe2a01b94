#include "protocol/ledger_error.h"

namespace hearth {

std::string_view CodeName(LedgerErrc code) {
  switch (code) {
    case LedgerErrc::kMalformed: return "malformed";
    case LedgerErrc::kFutureVersion: return "future-version";
    case LedgerErrc::kBadSignature: return "bad-signature";
    case LedgerErrc::kWrongHousehold: return "wrong-household";
    case LedgerErrc::kReplayed: return "replayed";
    case LedgerErrc::kChainGap: return "chain-gap";
    case LedgerErrc::kChainBroken: return "chain-broken";
    case LedgerErrc::kMissingParent: return "missing-parent";
    case LedgerErrc::kEquivocation: return "equivocation";
    case LedgerErrc::kUnknownAuthor: return "unknown-author";
    case LedgerErrc::kRevokedAuthor: return "revoked-author";
    case LedgerErrc::kNotAdmin: return "not-admin";
    case LedgerErrc::kBadGenesis: return "bad-genesis";
    case LedgerErrc::kBadReference: return "bad-reference";
    case LedgerErrc::kBadRecovery: return "bad-recovery";
  }
  return "unknown";
}

std::string LedgerError::Message() const {
  std::string name(CodeName(code));
  for (char& c : name)
    if (c == '-') c = ' ';
  return detail.empty() ? name : name + ": " + detail;
}

}  // namespace hearth

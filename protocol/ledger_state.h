// The state derived from a ledger's membership entries: household, members
// and policy. A pure value; two ledgers holding the same set of entries
// derive equal states whatever order the entries arrived in. The catalog
// (live claims) is kept by the ledger's index (ledger_index.h).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "protocol/entry_body.h"
#include "protocol/ids.h"

namespace hearth {

struct Member {
  DeviceId device;
  std::string name;
  Role role = Role::kFull;
  bool admin = false;
  bool founder = false;
  EntryId added_by;                  // genesis for the founder
  bool revoked = false;
  std::optional<EntryId> revoked_by;
  std::string revoke_reason;
  bool equivocated = false;          // flagged: signed two entries with one seq
  bool operator==(const Member&) const = default;
};

// A household listener as the ledger holds it: sealed, the latest effective
// listener.set in canonical order (listener_details.h opens it).
struct ListenerRecord {
  EntryId entry;  // the listener.set
  Bytes sealed;
  bool operator==(const ListenerRecord&) const = default;
};

struct LedgerState {
  HouseholdId household;
  std::string household_name;
  std::optional<EntryId> genesis;
  DeviceId founder;
  std::map<DeviceId, Member> members;     // every device ever added (revoked ones too)
  PolicySet policy;                        // copies = 1 until a policy.set says otherwise
  std::optional<EntryId> policy_entry;
  std::optional<RecoveryKey> recovery_key;  // the genesis's, or the latest effective recovery.set's
  std::map<ListenerId, ListenerRecord> listeners;  // removed ones are not here

  bool operator==(const LedgerState&) const = default;
};

}  // namespace hearth

// The state derived from a ledger: household, members, catalog and policy.
// A pure value; two ledgers holding the same set of entries derive equal
// states whatever order the entries arrived in.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
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

struct Claim {
  EntryId entry;
  DeviceId author;
  int64_t time_us = 0;
  std::shared_ptr<const Body> body;  // holds a TrackClaim
  const TrackClaim& claim() const { return std::get<TrackClaim>(*body); }
  bool operator==(const Claim& o) const {
    return entry == o.entry && author == o.author && time_us == o.time_us &&
           claim() == o.claim();
  }
};

struct LedgerState {
  HouseholdId household;
  std::string household_name;
  std::optional<EntryId> genesis;
  DeviceId founder;
  std::map<DeviceId, Member> members;     // every device ever added (revoked ones too)
  std::map<EntryId, Claim> claims;        // live claims: effective and not released
  std::set<EntryId> released;              // claims named by an effective track.release
  PolicySet policy;                        // copies = 1 until a policy.set says otherwise
  std::optional<EntryId> policy_entry;

  bool operator==(const LedgerState&) const = default;
};

}  // namespace hearth

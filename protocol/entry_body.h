// The typed bodies of ledger entries and their canonical encodings. The byte
// layout of each body is in ledger_entry_format.md.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/bytes.h"
#include "protocol/ids.h"
#include "protocol/ledger_error.h"

namespace hearth {

enum class EntryType : uint8_t {
  kGenesis = 1,
  kDeviceAdd = 2,
  kDeviceRevoke = 3,
  kTrackClaim = 4,
  kTrackRelease = 5,
  kPolicySet = 6,
  kRecoverySet = 7,
  kRecoveryUse = 8,
  kListenerSet = 9,
  kListenerRemove = 10,
};
std::string_view TypeName(EntryType t);  // "genesis", "device.add", ...
// Types only an admin device may write.
bool IsAdminOnly(EntryType t);

enum class Role : uint8_t { kFull = 1, kPhone = 2, kStorage = 3 };
std::string_view RoleName(Role r);  // "full", "phone", "storage"

inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxSealedDetailsBytes = 60 * 1024;
inline constexpr size_t kMaxSealedListenerBytes = 4096;
inline constexpr size_t kMaxBudgets = 256;
inline constexpr uint8_t kPolicyReach = 0x01;        // policy.set flags bit: reach=on
inline constexpr uint8_t kPolicyRelayLimits = 0x02;  // policy.set flags bit: relay limits follow
inline constexpr uint8_t kMaxCopies = 16;

// The public half of a household's recovery key (an Ed25519 key whose
// secret half only the people hold, written down at `hearth init`).
using RecoveryKey = std::array<uint8_t, 32>;

struct Genesis {
  std::array<uint8_t, 16> nonce{};
  std::string household_name;
  std::string founder_name;  // the founding device's name
  std::optional<RecoveryKey> recovery_key;  // absent in households founded before recovery keys
  bool operator==(const Genesis&) const = default;
};

struct DeviceAdd {
  DeviceId device;
  Role role = Role::kFull;
  bool admin = false;
  std::string name;
  bool operator==(const DeviceAdd&) const = default;
};

struct DeviceRevoke {
  DeviceId device;
  std::string reason;
  bool operator==(const DeviceRevoke&) const = default;
};

// What a storage device can see of a claim: the blob and its size. Everything
// else is in `sealed_details` (see claim_details.h).
struct TrackClaim {
  BlobId blob;
  uint64_t plaintext_length = 0;
  Bytes sealed_details;
  bool operator==(const TrackClaim&) const = default;
};

struct TrackRelease {
  EntryId claim;  // the track.claim entry being released
  bool operator==(const TrackRelease&) const = default;
};

struct StorageBudget {
  DeviceId device;
  uint64_t bytes = 0;
  bool operator==(const StorageBudget&) const = default;
};

// The most a full or storage device holds of the household's blobs
// (hearth policy set capacity=DEVICE:SIZE); placement never assigns more.
struct DeviceCapacity {
  DeviceId device;
  uint64_t bytes = 0;
  bool operator==(const DeviceCapacity&) const = default;
};

// The most bytes per second a device passes on for others it relays
// (hearth policy set relay_limit=DEVICE:RATE).
struct RelayLimit {
  DeviceId device;
  uint64_t bytes_per_second = 0;
  bool operator==(const RelayLimit&) const = default;
};

struct PolicySet {
  uint8_t copies = 1;              // 1..16 full replicas of every blob
  uint16_t stream_limit = 0;       // concurrent streams per owned copy; 0 = no limit
  std::vector<StorageBudget> budgets;  // sorted by device, unique
  std::vector<DeviceCapacity> capacities;  // sorted by device, unique
  // The household's devices may use the outside world to reach each other
  // (the mainline DHT, the home router's port mapping): off by default.
  bool reach = false;
  std::vector<RelayLimit> relay_limits;  // sorted by device, unique
  bool operator==(const PolicySet&) const = default;
};

// recovery.set (admins): the household's recovery key from now on
// (`hearth recovery rotate`); the key it replaces no longer works.
struct RecoverySet {
  RecoveryKey key{};
  bool operator==(const RecoverySet&) const = default;
};

// What a recovery.use adds when its author is a new device joining on the
// strength of the recovery key (`hearth join --recovery-key-file`).
struct RecoveryJoin {
  Role role = Role::kFull;  // full or phone: a storage device cannot be an admin
  std::string name;
  bool operator==(const RecoveryJoin&) const = default;
};

// recovery.use: the author becomes an admin on the strength of the recovery
// key -- `proof` is the key's signature over RecoveryProofBytes of this
// household, the author and the entry's seq -- even when no admin is left to
// add it (`hearth recover`). With `join`, the author need not be a member
// yet: the entry adds it, with that role and name (a new device that joined
// through a member that is not an admin).
struct RecoveryUse {
  RecoveryKey key{};
  std::array<uint8_t, 64> proof{};
  std::optional<RecoveryJoin> join;
  bool operator==(const RecoveryUse&) const = default;
};

// What a recovery proof signs: "hearth/recovery/v1" || household id ||
// author || seq (u64), so that it works for one entry of one device only.
Bytes RecoveryProofBytes(const HouseholdId& household, const DeviceId& author, uint64_t seq);

// listener.set (admins): a household listener -- new, or changed -- as
// sealed ListenerDetails (listener_details.h) that only devices holding the
// content secret can open. The listener is known on every member device.
struct ListenerSet {
  ListenerId listener;
  Bytes sealed;
  bool operator==(const ListenerSet&) const = default;
};

// listener.remove (admins): the listener can no longer log in anywhere.
struct ListenerRemove {
  ListenerId listener;
  bool operator==(const ListenerRemove&) const = default;
};

using Body = std::variant<Genesis, DeviceAdd, DeviceRevoke, TrackClaim, TrackRelease, PolicySet, RecoverySet,
                          RecoveryUse, ListenerSet, ListenerRemove>;

EntryType TypeOf(const Body& body);
Bytes EncodeBody(const Body& body);
// Decodes a body of type `type`. Fails with kMalformed unless `bytes` is the
// one canonical encoding of a valid body.
std::expected<Body, LedgerError> DecodeBody(EntryType type, ByteSpan bytes);

// household id = BLAKE2b-256("hearth/household/v1" || founder key ||
//                            nonce || str(household_name))
HouseholdId DeriveHouseholdId(const DeviceId& founder, const Genesis& genesis);

}  // namespace hearth

// The mesh's tables (schema/0003_mesh.sql): invites, peers and their
// have-sets, pins and wanted blobs. Functions borrow the Database for the
// call; one thread.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "node/store/database.h"
#include "protocol/entry_body.h"
#include "protocol/ids.h"

namespace hearth::store {

struct Invite {
  crypto::Digest id{};
  std::array<uint8_t, 16> secret{};
  Role role = Role::kFull;
  int64_t created_us = 0;
  int64_t expires_us = 0;
  std::optional<DeviceId> used_by;
  // For a device that joins with the recovery key and adds itself.
  bool recovery = false;
};

std::expected<void, StoreError> SaveInvite(Database& db, const Invite& invite);
std::expected<std::optional<Invite>, StoreError> FindInvite(Database& db, const crypto::Digest& id);
// Marks the invite used; fails (kExists) if it already was. Call inside the
// transaction that adds the device, so both happen or neither.
std::expected<void, StoreError> MarkInviteUsed(Database& db, const crypto::Digest& id,
                                               const DeviceId& by, int64_t now_us);
// True when some invite (used or not) expires after `since_us`.
std::expected<bool, StoreError> HasInviteExpiringAfter(Database& db, int64_t since_us);

struct PeerRecord {
  DeviceId device;
  std::string host;
  uint16_t control_port = 0;
  uint16_t torrent_port = 0;
  int64_t last_seen_us = 0;
  bool online = false;
  std::string path;               // lan, direct, mapped, punched or relayed (schema 0012); "" before it is known
  std::optional<DeviceId> via;    // the relaying member when path is "relayed" (schema 0013)
  std::optional<int64_t> rtt_us;  // last PING round trip of the session up (ListPeers only)
};
// Saves everything but rtt_us, which is cleared when the peer goes offline.
std::expected<void, StoreError> SavePeer(Database& db, const PeerRecord& peer);
// The round trip of the PING just answered on `device`'s session.
std::expected<void, StoreError> SavePeerRtt(Database& db, const DeviceId& device, int64_t rtt_us);
std::expected<std::vector<PeerRecord>, StoreError> ListPeers(Database& db);
// Marks every peer offline (a node starting up, or stopping).
std::expected<void, StoreError> MarkAllOffline(Database& db);

// Replaces (replace = true) or extends a device's have-set.
std::expected<void, StoreError> SavePeerBlobs(Database& db, const DeviceId& device,
                                              const std::vector<BlobId>& blobs, bool replace);
std::expected<std::vector<DeviceId>, StoreError> HoldersOf(Database& db, const BlobId& blob);
// A player read `blob` now (the cache's LRU order).
std::expected<void, StoreError> TouchBlob(Database& db, const BlobId& blob, int64_t now_us);
std::expected<std::map<BlobId, int64_t>, StoreError> BlobAccessTimes(Database& db);
// Every other device's have-set, by blob.
std::expected<std::map<BlobId, std::vector<DeviceId>>, StoreError> AllPeerBlobs(Database& db);
// The other devices whose have-set holds `blob`.
std::expected<std::vector<DeviceId>, StoreError> PeerHoldersOf(Database& db, const BlobId& blob);
// Whether `device`'s have-set holds `blob` (one primary-key lookup).
std::expected<bool, StoreError> PeerLists(Database& db, const DeviceId& device, const BlobId& blob);
// Takes `blob` out of `device`'s have-set (it said it cannot give it).
std::expected<void, StoreError> UnlistPeerBlob(Database& db, const DeviceId& device, const BlobId& blob);
// How many blobs each other device's have-set holds.
std::expected<std::map<DeviceId, size_t>, StoreError> PeerBlobCounts(Database& db);
// Blob count and bytes (from the ledger's claims) per device.
std::expected<std::vector<BlobId>, StoreError> BlobsOfPeer(Database& db, const DeviceId& device);

std::expected<void, StoreError> SetPinned(Database& db, const BlobId& blob, bool pinned, int64_t now_us);
std::expected<std::vector<BlobId>, StoreError> ListPins(Database& db);

// Why a blob is wanted; stored as the text in the wanted table's `reason`.
enum class WantedReason {
  kFetch,   // 'fetch': someone asked for it (hearth fetch)
  kPin,     // 'pin': pinned here
  kPolicy,  // 'policy': placement assigns a replica here
  kStream,  // 'stream': a player is reading it
  kRepair,  // 'repair': the copy here failed verification (node/mesh/blob_repair.h)
};
std::string_view WantedReasonText(WantedReason reason);

std::expected<void, StoreError> AddWanted(Database& db, const BlobId& blob, WantedReason reason, int64_t now_us);
std::expected<void, StoreError> RemoveWanted(Database& db, const BlobId& blob);
std::expected<std::vector<BlobId>, StoreError> ListWanted(Database& db);
// The wanted blobs some device in `holders` lists in its have-set, oldest
// request first: what a fetch can start on now (one query, however many are
// wanted). Empty when `holders` is.
std::expected<std::vector<BlobId>, StoreError> ListWantedHeldBy(Database& db, const std::vector<DeviceId>& holders);
std::expected<bool, StoreError> IsWanted(Database& db, const BlobId& blob);
// The blobs wanted for `reason`, by blob id.
std::expected<std::vector<BlobId>, StoreError> ListWantedFor(Database& db, WantedReason reason);
// Why `blob` is wanted, or nothing if it is not (or the row's reason is not
// one this build knows).
std::expected<std::optional<WantedReason>, StoreError> WantedReasonOf(Database& db, const BlobId& blob);

}  // namespace hearth::store

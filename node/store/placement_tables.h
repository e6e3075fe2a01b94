// What replica placement knows of devices besides the ledger
// (schema/0005_placement.sql): this device's time online, from which its
// availability is worked out, and what the other devices last reported of
// their own availability and room. Functions borrow the Database for the
// call; one thread.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>

#include "node/store/database.h"
#include "protocol/ids.h"

namespace hearth::store {

inline constexpr int64_t kDayUs = 86'400'000'000;
inline constexpr int64_t kAvailabilityWindowDays = 7;

// Adds `seconds` online ending at `now_us` to today's row (split across
// midnight when it straddles it), notes the first time online, and forgets
// rows older than the window needs.
std::expected<void, StoreError> AddUptime(Database& db, int64_t now_us, int64_t seconds);

// The share of the last 7 days this device was online, in thousandths: the
// online seconds in (now - 7 days, now] (the oldest day's row counted in
// proportion to its part inside the window) over the shorter of 7 days and
// the time since it first ran, but at least one day -- so a device a few
// minutes old is not taken for an always-on one.
std::expected<uint16_t, StoreError> Availability(Database& db, int64_t now_us);
// The same, from rows (day -> online seconds) and the first time online.
uint16_t ComputeAvailability(const std::map<int64_t, int64_t>& online_s_by_day, std::optional<int64_t> first_online_us,
                             int64_t now_us);

// What a device says of itself (STATE in protocol/mesh_format.md).
struct DeviceReport {
  uint16_t availability = 0;     // thousandths
  uint64_t held_bytes = 0;       // of the household's blobs
  std::optional<uint64_t> room;  // the most it may hold in all; nullopt: no limit it knows
  bool disk_full = false;        // its disk reached its free-space floor
  int64_t reported_us = 0;
  bool operator==(const DeviceReport&) const = default;
};
// Records `device`'s report on its peers row (which must exist: SavePeer).
std::expected<void, StoreError> SaveDeviceReport(Database& db, const DeviceId& device, const DeviceReport& report);
// Every peer's last report (devices that never reported are absent).
std::expected<std::map<DeviceId, DeviceReport>, StoreError> ListDeviceReports(Database& db);
// What this device last said of itself (meta 'own_report'), for `status`.
std::expected<void, StoreError> SaveOwnReport(Database& db, const DeviceReport& report);
std::expected<std::optional<DeviceReport>, StoreError> LoadOwnReport(Database& db);

}  // namespace hearth::store

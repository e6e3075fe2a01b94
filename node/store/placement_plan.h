// SqlPlan: replica placement's plan kept in SQLite
// (schema/0010_placement_plan.sql) rather than in memory. Rebuild streams
// every blob a live claim names, in blob-id order, through the placer
// (protocol/placement.h) and writes one row per blob in one transaction;
// lookups read a row at a time. Memory stays O(devices) at any library size.
//
// Rows are derived data: meta 'placement_key' names the inputs they were
// placed from, so a restart with the same inputs reuses them (Load), and
// 'placement_short' keeps how many blobs and bytes found no room.
//
// Borrows the Database, which must outlive it; one thread. The PlanRows
// methods answer "nothing" on a SQLite failure and keep the first error
// for TakeError.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "node/store/database.h"
#include "node/store/statement_cache.h"
#include "protocol/placement.h"

namespace hearth::store {

class SqlPlan final : public PlanRows {
 public:
  // `me`: the device whose assignments ForEachAssignedTo finds by index.
  SqlPlan(Database& db, const DeviceId& me) : db_(&db), me_(me), sql_(db) {}

  struct Kept {
    std::string key;  // the inputs the rows were placed from
    PlacementTotals totals;
  };
  // The plan kept from before, if any.
  std::expected<std::optional<Kept>, StoreError> Load();
  // Places every blob a live claim names (sealed sizes) over `devices` with
  // `copies` each and replaces the kept rows, all in one transaction; on
  // failure the rows kept before stay.
  std::expected<PlacementTotals, StoreError> Rebuild(std::span<const PlacementDevice> devices, size_t copies,
                                                     const std::string& key);

  std::optional<uint64_t> SizeOf(const BlobId& blob) override;
  std::vector<DeviceId> Assigned(const BlobId& blob) override;
  void ForEachAssignedTo(const DeviceId& device,
                         const std::function<void(const BlobId&, uint64_t size)>& fn) override;

  // The first SQLite failure of a PlanRows method since the last call.
  std::optional<StoreError> TakeError() { return sql_.TakeError(); }

 private:
  std::expected<void, StoreError> LoadDevices();

  Database* db_;
  DeviceId me_;
  StatementCache sql_;
  std::vector<DeviceId> devices_;  // placement_devices, by index
};

}  // namespace hearth::store

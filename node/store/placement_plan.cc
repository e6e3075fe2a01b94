#include "node/store/placement_plan.h"

#include <algorithm>
#include <cstdio>

#include "crypto/blob_cipher.h"

namespace hearth::store {
namespace {

constexpr const char* kSizeOf = "SELECT size FROM placement_plan WHERE blob = ?";
constexpr const char* kAssigned = "SELECT devices FROM placement_plan WHERE blob = ?";
constexpr const char* kMine = "SELECT blob, size FROM placement_plan WHERE mine = 1 ORDER BY blob";
constexpr const char* kAll = "SELECT blob, size, devices FROM placement_plan ORDER BY blob";

BlobId BlobFrom(const Bytes& b) {
  BlobId id;
  if (b.size() == id.bytes.size()) std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

// meta 'placement_short': "<blobs> <bytes>" short of room.
std::string ShortText(const PlacementTotals& t) {
  return std::to_string(t.short_of_room) + " " + std::to_string(t.short_bytes);
}

}  // namespace

std::expected<void, StoreError> SqlPlan::LoadDevices() {
  auto st = db_->Prepare("SELECT idx, device FROM placement_devices ORDER BY idx");
  if (!st) return std::unexpected(st.error());
  std::vector<DeviceId> devices;
  auto r = st->ForEach([&](const Statement& row) -> std::expected<void, StoreError> {
    if (row.Int(0) != static_cast<int64_t>(devices.size()))
      return std::unexpected(StoreError{StoreErrc::kInvalid, "placement_devices has a gap in its indices"});
    const Bytes b = row.Blob(1);
    DeviceId d;
    if (b.size() != d.bytes.size()) return std::unexpected(StoreError{StoreErrc::kInvalid, "a placement device is damaged"});
    std::copy(b.begin(), b.end(), d.bytes.begin());
    devices.push_back(d);
    return {};
  });
  if (!r) return r;
  devices_ = std::move(devices);
  return {};
}

std::expected<std::optional<SqlPlan::Kept>, StoreError> SqlPlan::Load() {
  auto st = db_->Prepare("SELECT (SELECT value FROM meta WHERE key = 'placement_key'), "
                         "(SELECT value FROM meta WHERE key = 'placement_short')");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  const auto key = st->Text(0);
  const auto short_text = st->Text(1);
  if (!key || !short_text) return std::optional<Kept>{};
  Kept kept{*key, {}};
  if (std::sscanf(short_text->c_str(), "%zu %lu", &kept.totals.short_of_room, &kept.totals.short_bytes) != 2)
    return std::optional<Kept>{};  // unreadable: place again
  if (auto r = LoadDevices(); !r) return std::unexpected(r.error());
  auto bytes = db_->Prepare("SELECT device, assigned_bytes FROM placement_devices WHERE assigned_bytes > 0");
  if (!bytes) return std::unexpected(bytes.error());
  auto r = bytes->ForEach([&](const Statement& b) {
    const Bytes d = b.Blob(0);
    DeviceId id;
    if (d.size() == id.bytes.size()) std::copy(d.begin(), d.end(), id.bytes.begin());
    kept.totals.assigned_bytes[id] = static_cast<uint64_t>(b.Int(1));
  });
  if (!r) return std::unexpected(r.error());
  return std::optional<Kept>{std::move(kept)};
}

std::expected<PlacementTotals, StoreError> SqlPlan::Rebuild(std::span<const PlacementDevice> devices, size_t copies,
                                                            const std::string& key) {
  ReplicaPlacer placer(devices, copies);
  const auto mine_at = std::find(placer.devices().begin(), placer.devices().end(), me_);
  const int64_t mine = mine_at == placer.devices().end() ? -1 : mine_at - placer.devices().begin();
  auto placed = db_->Transaction([&]() -> std::expected<PlacementTotals, StoreError> {
    if (auto r = db_->Exec("DELETE FROM placement_plan; DELETE FROM placement_devices"); !r)
      return std::unexpected(r.error());
    auto insert = db_->Prepare("INSERT INTO placement_plan (blob, size, devices, mine) VALUES (?, ?, ?, ?)");
    if (!insert) return std::unexpected(insert.error());
    // The live claims' blobs in blob-id order (the partial index), each once.
    auto blobs = db_->Prepare(
        "SELECT blob, max(plaintext_length) FROM ledger_claims WHERE effective = 1 AND released = 0 "
        "GROUP BY blob ORDER BY blob");
    if (!blobs) return std::unexpected(blobs.error());
    auto r = blobs->ForEach([&](const Statement& row) -> std::expected<void, StoreError> {
      const Bytes blob_bytes = row.Blob(0);
      const uint64_t size = crypto::SealedLength(static_cast<uint64_t>(row.Int(1)));
      const std::span<const uint8_t> assigned = placer.Place(BlobFrom(blob_bytes), size);
      const bool is_mine = mine >= 0 && std::find(assigned.begin(), assigned.end(), mine) != assigned.end();
      insert->Bind(1, ByteSpan(blob_bytes.data(), blob_bytes.size()))
          .Bind(2, static_cast<int64_t>(size))
          .Bind(3, ByteSpan(assigned.data(), assigned.size()))
          .Bind(4, int64_t{is_mine});
      auto done = insert->Run();
      insert->Reset();
      return done;
    });
    if (!r) return std::unexpected(r.error());
    PlacementTotals totals = placer.Totals();
    auto device = db_->Prepare("INSERT INTO placement_devices (idx, device, assigned_bytes) VALUES (?, ?, ?)");
    if (!device) return std::unexpected(device.error());
    for (size_t i = 0; i < placer.devices().size(); ++i) {
      const DeviceId& d = placer.devices()[i];
      auto bytes = totals.assigned_bytes.find(d);
      device->Bind(1, static_cast<int64_t>(i))
          .Bind(2, d.span())
          .Bind(3, static_cast<int64_t>(bytes == totals.assigned_bytes.end() ? 0 : bytes->second));
      auto done = device->Run();
      device->Reset();
      if (!done) return std::unexpected(done.error());
    }
    auto meta = db_->Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('placement_key', ?), "
                             "('placement_short', ?)");
    if (!meta) return std::unexpected(meta.error());
    meta->Bind(1, key).Bind(2, ShortText(totals));
    if (auto done = meta->Run(); !done) return std::unexpected(done.error());
    return totals;
  });
  if (!placed) return placed;
  devices_ = placer.devices();
  return placed;
}

std::optional<uint64_t> SqlPlan::SizeOf(const BlobId& blob) {
  auto st = sql_.Prepared(kSizeOf);
  if (!st) return std::nullopt;
  st->Bind(1, blob.span());
  auto row = st->Step();
  if (!row) {
    sql_.Fail(row.error());
    return std::nullopt;
  }
  if (!*row) return std::nullopt;
  return static_cast<uint64_t>(st->Int(0));
}

std::vector<DeviceId> SqlPlan::Assigned(const BlobId& blob) {
  auto st = sql_.Prepared(kAssigned);
  if (!st) return {};
  st->Bind(1, blob.span());
  auto row = st->Step();
  if (!row) {
    sql_.Fail(row.error());
    return {};
  }
  if (!*row) return {};
  std::vector<DeviceId> out;
  for (uint8_t i : st->Blob(0)) {
    if (i >= devices_.size()) {
      sql_.Fail(StoreError{StoreErrc::kInvalid, "the placement row of blob " + blob.ShortHex() + " is damaged"});
      return {};
    }
    out.push_back(devices_[i]);
  }
  return out;
}

void SqlPlan::ForEachAssignedTo(const DeviceId& device,
                                const std::function<void(const BlobId&, uint64_t size)>& fn) {
  const auto at = std::find(devices_.begin(), devices_.end(), device);
  if (at == devices_.end()) return;  // not placed on
  const auto idx = static_cast<uint8_t>(at - devices_.begin());
  if (device == me_) {  // the partial index
    auto st = sql_.Prepared(kMine);
    if (!st) return;
    if (auto r = st->ForEach([&](const Statement& row) { fn(BlobFrom(row.Blob(0)), static_cast<uint64_t>(row.Int(1))); });
        !r)
      sql_.Fail(r.error());
    return;
  }
  auto st = sql_.Prepared(kAll);
  if (!st) return;
  auto r = st->ForEach([&](const Statement& row) {
    const Bytes assigned = row.Blob(2);
    if (std::find(assigned.begin(), assigned.end(), idx) != assigned.end())
      fn(BlobFrom(row.Blob(0)), static_cast<uint64_t>(row.Int(1)));
  });
  if (!r) sql_.Fail(r.error());
}

}  // namespace hearth::store

#include "node/store/placement_tables.h"

#include <algorithm>

namespace hearth::store {
namespace {

constexpr int64_t kSecondUs = 1'000'000;

std::expected<void, StoreError> AddToDay(Database& db, int64_t day, int64_t seconds) {
  if (seconds <= 0) return {};
  auto st = db.Prepare(
      "INSERT INTO uptime (day, online_s) VALUES (?, ?) "
      "ON CONFLICT (day) DO UPDATE SET online_s = MIN(86400, online_s + excluded.online_s)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, day).Bind(2, std::min<int64_t>(seconds, 86400));
  return st->Run();
}

}  // namespace

std::expected<void, StoreError> AddUptime(Database& db, int64_t now_us, int64_t seconds) {
  if (seconds <= 0) return {};
  return db.Transaction([&]() -> std::expected<void, StoreError> {
    const int64_t start_us = now_us - seconds * kSecondUs;
    const int64_t today = now_us / kDayUs;
    const int64_t start_day = start_us / kDayUs;
    if (start_day == today) {
      if (auto r = AddToDay(db, today, seconds); !r) return r;
    } else {
      // Straddles midnight (a long gap is capped by the caller).
      const int64_t before = (today * kDayUs - start_us) / kSecondUs;
      if (auto r = AddToDay(db, today - 1, before); !r) return r;
      if (auto r = AddToDay(db, today, seconds - before); !r) return r;
    }
    auto first = db.Prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('first_online_us', ?)");
    if (!first) return std::unexpected(first.error());
    first->Bind(1, start_us);
    if (auto r = first->Run(); !r) return r;
    auto old = db.Prepare("DELETE FROM uptime WHERE day < ?");
    if (!old) return std::unexpected(old.error());
    old->Bind(1, today - kAvailabilityWindowDays - 1);
    return old->Run();
  });
}

uint16_t ComputeAvailability(const std::map<int64_t, int64_t>& online_s_by_day, std::optional<int64_t> first_online_us,
                             int64_t now_us) {
  const int64_t window_start_us = now_us - kAvailabilityWindowDays * kDayUs;
  double online_us = 0;
  for (const auto& [day, seconds] : online_s_by_day) {
    const int64_t day_start = day * kDayUs, day_end = day_start + kDayUs;
    const int64_t from = std::max(day_start, window_start_us), to = std::min(day_end, now_us);
    if (to <= from) continue;
    // The part of the day inside the window, counted in proportion (a day
    // still under way has all its seconds inside).
    const double share = day_end <= now_us ? static_cast<double>(to - from) / kDayUs : 1.0;
    online_us += static_cast<double>(std::clamp<int64_t>(seconds, 0, 86400)) * kSecondUs * share;
  }
  int64_t span_us = kAvailabilityWindowDays * kDayUs;
  if (first_online_us) span_us = std::clamp(now_us - *first_online_us, kDayUs, span_us);
  const double a = online_us / static_cast<double>(span_us) * 1000.0;
  return static_cast<uint16_t>(std::clamp(a, 0.0, 1000.0));
}

std::expected<uint16_t, StoreError> Availability(Database& db, int64_t now_us) {
  std::map<int64_t, int64_t> days;
  auto st = db.Prepare("SELECT day, online_s FROM uptime");
  if (!st) return std::unexpected(st.error());
  if (auto r = st->ForEach([&](Statement& s) { days[s.Int(0)] = s.Int(1); }); !r) return std::unexpected(r.error());
  auto first = db.Prepare("SELECT value FROM meta WHERE key = 'first_online_us'");
  if (!first) return std::unexpected(first.error());
  auto row = first->Step();
  if (!row) return std::unexpected(row.error());
  std::optional<int64_t> first_us;
  if (*row) first_us = first->Int(0);
  return ComputeAvailability(days, first_us, now_us);
}

std::expected<void, StoreError> SaveDeviceReport(Database& db, const DeviceId& device, const DeviceReport& r) {
  auto st = db.Prepare(
      "UPDATE peers SET availability = ?, held_bytes = ?, room_bytes = ?, disk_full = ?, reported_us = ? "
      "WHERE device = ?");
  if (!st) return std::unexpected(st.error());
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  st->Bind(1, int64_t{r.availability}).Bind(2, static_cast<int64_t>(std::min(r.held_bytes, kMax)));
  if (r.room) st->Bind(3, static_cast<int64_t>(std::min(*r.room, kMax)));
  else st->BindNull(3);
  st->Bind(4, r.disk_full ? 1 : 0).Bind(5, r.reported_us).Bind(6, device.bytes);
  return st->Run();
}

std::expected<std::map<DeviceId, DeviceReport>, StoreError> ListDeviceReports(Database& db) {
  auto st = db.Prepare(
      "SELECT device, availability, held_bytes, room_bytes, disk_full, reported_us FROM peers WHERE reported_us > 0");
  if (!st) return std::unexpected(st.error());
  std::map<DeviceId, DeviceReport> out;
  auto r = st->ForEach([&](Statement& s) {
    const Bytes key = s.Blob(0);
    if (key.size() != 32) return;
    DeviceId d;
    std::copy(key.begin(), key.end(), d.bytes.begin());
    DeviceReport rep;
    rep.availability = static_cast<uint16_t>(std::clamp<int64_t>(s.Int(1), 0, 1000));
    rep.held_bytes = static_cast<uint64_t>(std::max<int64_t>(s.Int(2), 0));
    if (!s.IsNull(3)) rep.room = static_cast<uint64_t>(std::max<int64_t>(s.Int(3), 0));
    rep.disk_full = s.Int(4) != 0;
    rep.reported_us = s.Int(5);
    out[d] = rep;
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<void, StoreError> SaveOwnReport(Database& db, const DeviceReport& r) {
  // meta 'own_report': availability u16, held u64, has-room u8, room u64,
  // full u8, reported_us i64 -- big-endian, 28 bytes.
  Bytes b;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(r.availability, 2);
  put(r.held_bytes, 8);
  put(r.room ? 1 : 0, 1);
  put(r.room.value_or(0), 8);
  put(r.disk_full ? 1 : 0, 1);
  put(static_cast<uint64_t>(r.reported_us), 8);
  auto st = db.Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('own_report', ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, b);
  return st->Run();
}

std::expected<std::optional<DeviceReport>, StoreError> LoadOwnReport(Database& db) {
  auto st = db.Prepare("SELECT value FROM meta WHERE key = 'own_report'");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<DeviceReport>{};
  const Bytes b = st->Blob(0);
  if (b.size() != 28) return std::optional<DeviceReport>{};  // not ours to read: as if none
  size_t at = 0;
  auto get = [&](int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | b[at++];
    return v;
  };
  DeviceReport r;
  r.availability = static_cast<uint16_t>(std::min<uint64_t>(get(2), 1000));
  r.held_bytes = get(8);
  const bool has_room = get(1) != 0;
  const uint64_t room = get(8);
  if (has_room) r.room = room;
  r.disk_full = get(1) != 0;
  r.reported_us = static_cast<int64_t>(get(8));
  return std::optional<DeviceReport>(r);
}

}  // namespace hearth::store

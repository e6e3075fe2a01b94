#include "node/store/import_roots.h"

#include <filesystem>

namespace hearth::store {

std::optional<std::string> ImportRootOf(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::canonical(path, ec);
  if (ec) return std::nullopt;
  return resolved.string();
}

bool PathInside(const std::string& root, const std::string& path) {
  if (root.empty() || path.size() < root.size() || path.compare(0, root.size(), root) != 0) return false;
  return path.size() == root.size() || root.back() == '/' || path[root.size()] == '/';
}

std::expected<void, StoreError> AddImportRoot(Database& db, const std::string& root, int64_t now_us, bool in_place,
                                              uint64_t device) {
  auto st = db.Prepare(
      "INSERT INTO import_roots (path, added_us, in_place, device) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (path) DO UPDATE SET in_place = ?3, device = ?4");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, root).Bind(2, now_us).Bind(3, int64_t{in_place ? 1 : 0}).Bind(4, static_cast<int64_t>(device));
  return st->Run();
}

std::expected<void, StoreError> SetImportRootState(Database& db, const std::string& root, std::string_view state,
                                                   std::string_view detail, int64_t now_us) {
  auto st = db.Prepare("UPDATE import_roots SET state = ?, state_detail = ?, checked_us = ? WHERE path = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, std::string(state)).Bind(2, std::string(detail)).Bind(3, now_us).Bind(4, root);
  return st->Run();
}

std::expected<void, StoreError> SetImportRootDevice(Database& db, const std::string& root, uint64_t device) {
  auto st = db.Prepare("UPDATE import_roots SET device = ? WHERE path = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, static_cast<int64_t>(device)).Bind(2, root);
  return st->Run();
}

std::expected<std::vector<std::string>, StoreError> ListImportRoots(Database& db) {
  auto st = db.Prepare("SELECT path FROM import_roots ORDER BY path");
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  auto done = st->ForEach([&](const Statement& row) { if (auto t = row.Text(0)) out.push_back(*t); });
  if (!done) return std::unexpected(done.error());
  return out;
}

std::expected<std::vector<ImportRoot>, StoreError> ListImportRootRows(Database& db) {
  auto st = db.Prepare(
      "SELECT path, added_us, in_place, device, state, state_detail, checked_us FROM import_roots ORDER BY path");
  if (!st) return std::unexpected(st.error());
  std::vector<ImportRoot> out;
  auto done = st->ForEach([&](const Statement& row) {
    if (auto t = row.Text(0))
      out.push_back({*t, row.Int(1), row.Int(2) != 0, static_cast<uint64_t>(row.Int(3)), row.Text(4).value_or(""),
                     row.Text(5).value_or(""), row.Int(6)});
  });
  if (!done) return std::unexpected(done.error());
  return out;
}

std::expected<bool, StoreError> RemoveImportRoot(Database& db, const std::string& root) {
  auto st = db.Prepare("DELETE FROM import_roots WHERE path = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, root);
  if (auto r = st->Run(); !r) return std::unexpected(r.error());
  return sqlite3_changes(db.raw()) > 0;
}

}  // namespace hearth::store

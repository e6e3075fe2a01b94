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

std::expected<void, StoreError> AddImportRoot(Database& db, const std::string& root, int64_t now_us) {
  auto st = db.Prepare("INSERT OR IGNORE INTO import_roots (path, added_us) VALUES (?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, root).Bind(2, now_us);
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
  auto st = db.Prepare("SELECT path, added_us FROM import_roots ORDER BY path");
  if (!st) return std::unexpected(st.error());
  std::vector<ImportRoot> out;
  auto done = st->ForEach([&](const Statement& row) {
    if (auto t = row.Text(0)) out.push_back({*t, row.Int(1)});
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

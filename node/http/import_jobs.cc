#include "node/http/import_jobs.h"

#include <filesystem>

#include "node/library/catalog.h"
#include "node/library/importer.h"
#include "node/store/home.h"

namespace hearth::http {

ImportJobs::~ImportJobs() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

nlohmann::json ImportJobs::ToJson(const Job& j) {
  nlohmann::json out = {{"id", j.id},         {"path", j.path},       {"state", j.state},
                        {"files", j.total},   {"filesDone", j.done},  {"bytes", j.bytes_total},
                        {"bytesDone", j.bytes_done}, {"imported", j.imported}, {"matched", j.matched},
                        {"duplicate", j.duplicate},  {"unchanged", j.unchanged}, {"failed", j.failed}};
  if (!j.error.empty()) out["error"] = j.error;
  return out;
}

std::expected<nlohmann::json, std::string> ImportJobs::Start(const std::string& path, bool copy) {
  std::error_code ec;
  if (path.empty() || path.front() != '/') return std::unexpected("give an absolute path to import");
  if (!std::filesystem::exists(path, ec)) return std::unexpected("no such file or folder: " + path);
  std::lock_guard lock(mu_);
  if (running_) return std::unexpected("an import is already running; wait for it to finish");
  if (thread_.joinable()) thread_.join();  // the previous one has ended
  const int id = next_id_++;
  jobs_[id] = Job{.id = id, .path = path};
  running_ = true;
  thread_ = std::thread([this, id, path, copy] { Run(id, path, copy); });
  return ToJson(jobs_[id]);
}

nlohmann::json ImportJobs::List() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, j] : jobs_) out.push_back(ToJson(j));
  return out;
}

std::optional<nlohmann::json> ImportJobs::Find(int id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return ToJson(it->second);
}

void ImportJobs::Run(int id, std::string path, bool copy) {
  auto finish = [&](const std::string& state, const std::string& error) {
    std::lock_guard lock(mu_);
    jobs_[id].state = state;
    jobs_[id].error = error;
    running_ = false;
  };
  auto home = store::Home::Open(home_dir_);
  if (!home) return finish("failed", home.error().message);
  library::Catalog catalog(home->db());
  library::Importer importer(*home, catalog);
  library::ImportOptions o;
  o.paths = {path};
  o.in_place = !copy;
  o.cancel = &cancel_;
  o.on_file = [&](const library::ImportProgress& p, const library::FileReport& f) {
    std::lock_guard lock(mu_);
    Job& j = jobs_[id];
    j.done = p.done;
    j.total = p.total;
    j.bytes_done = p.bytes_done;
    j.bytes_total = p.bytes_total;
    switch (f.outcome) {
      case library::Outcome::kImported: ++j.imported; break;
      case library::Outcome::kMatched: ++j.matched; break;
      case library::Outcome::kDuplicate: ++j.duplicate; break;
      case library::Outcome::kUnchanged: ++j.unchanged; break;
      case library::Outcome::kFailed: ++j.failed; break;
    }
  };
  auto summary = importer.Run(o);
  if (!summary) return finish("failed", summary.error());
  finish(summary->interrupted ? "failed" : "done", summary->interrupted ? "stopped: the node is stopping" : "");
}

}  // namespace hearth::http

// ImportJobs: imports started from the JSON API (POST /api/v1/imports), run
// one at a time on a thread of their own with their own connection to the
// home, and reported while they run. Jobs live in memory until the node
// stops; the import itself is durable and resumable like `hearth import`.
//
// Thread-safe: Start/List/Find may be called from any thread; the
// destructor cancels a running import and waits for it.
#pragma once

#include <atomic>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace hearth::http {

class ImportJobs {
 public:
  explicit ImportJobs(std::string home_dir) : home_dir_(std::move(home_dir)) {}
  ~ImportJobs();

  // Starts importing `path` (absolute; a folder or a file), in place or,
  // with `copy`, keeping sealed copies (importer.h). Fails when the path is
  // not there or another import is running.
  std::expected<nlohmann::json, std::string> Start(const std::string& path, bool copy = false);
  nlohmann::json List() const;
  std::optional<nlohmann::json> Find(int id) const;

 private:
  struct Job {
    int id = 0;
    std::string path;
    std::string state = "running";  // running | done | failed
    std::string error;
    size_t done = 0, total = 0, imported = 0, matched = 0, duplicate = 0, unchanged = 0, failed = 0;
    uint64_t bytes_done = 0, bytes_total = 0;
  };
  static nlohmann::json ToJson(const Job& j);
  void Run(int id, std::string path, bool copy);

  std::string home_dir_;
  mutable std::mutex mu_;
  std::map<int, Job> jobs_;
  int next_id_ = 1;
  bool running_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace hearth::http

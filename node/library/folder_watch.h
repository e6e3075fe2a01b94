// FolderWatch: while `serve` runs, keeps the household in step with the
// folders this device keeps in place (folder_sync.h does each pass):
//   - at start, every such folder is looked at whole (a rescan by size,
//     modification time and inode: what changed while the node was down);
//   - inotify watches every directory under them; a folder whose files
//     changed is looked at again once it has been quiet for `settle` (a file
//     being copied in is whole by then), or after `settle_max` of constant
//     change;
//   - every `rescan`, all of them again: what inotify cannot see (network
//     file systems, an overflowing event queue);
//   - folders imported while the node runs are picked up within `poll`, as
//     is an unavailable folder coming back.
// The state of each folder ('watching', 'unavailable' and why) is written
// to the home for `hearth folders`.
//
// Owns one thread and its own connection to the home. Construct, Start and
// destroy on one thread; the destructor stops the thread and waits for it
// (a pass in progress is cancelled between files).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <thread>

namespace hearth::library {

struct FolderWatchOptions {
  std::string home_dir;
  std::chrono::milliseconds settle{400};
  std::chrono::milliseconds settle_max{5000};
  std::chrono::milliseconds rescan{std::chrono::minutes(10)};
  std::chrono::milliseconds poll{std::chrono::seconds(2)};
  // One line per change worth telling ("folders: ..."); called on the
  // watcher's thread.
  std::function<void(const std::string&)> log;
};

class FolderWatch {
 public:
  explicit FolderWatch(FolderWatchOptions options);
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // Starts the thread. Fails when inotify cannot be had (the rescans would
  // still not run: the caller says so and serves without watching).
  std::expected<void, std::string> Start();
  // Passes finished so far (tests wait on it).
  uint64_t passes() const { return passes_.load(); }

 private:
  void Run();

  FolderWatchOptions options_;
  int inotify_ = -1;
  int wake_ = -1;  // eventfd: the destructor's stop signal
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> passes_{0};
  std::thread thread_;
};

}  // namespace hearth::library

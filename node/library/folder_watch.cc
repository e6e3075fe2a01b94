#include "node/library/folder_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "node/library/folder_sync.h"
#include "node/store/clock.h"

namespace hearth::library {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kDirMask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;

struct Folder {
  store::ImportRoot root;
  bool dirty = false;
  Clock::time_point first_change{}, last_change{};
  std::string state;  // as last written: "watching" or "unavailable: why"
};

// inotify watch descriptors: which directory each is, and which folders
// (roots may nest) it belongs to.
class Watches {
 public:
  explicit Watches(int fd) : fd_(fd) {}

  // `dir` and every directory below it (symlinks are not followed, as the
  // import's walk does not).
  void AddTree(const std::string& dir, const std::string& root) {
    Add(dir, root);
    std::error_code ec;
    namespace fs = std::filesystem;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) Add(it->path().string(), root);
    }
  }
  // A folder root that is one file: its directory, for that root alone.
  void Add(const std::string& dir, const std::string& root) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirMask);
    if (wd < 0) return;  // gone already, or out of watches: the rescan covers it
    dirs_[wd] = dir;
    roots_[wd].insert(root);
  }
  void Forget(int wd) {
    dirs_.erase(wd);
    roots_.erase(wd);
  }
  void DropRoot(const std::string& root) {
    for (auto it = roots_.begin(); it != roots_.end();) {
      it->second.erase(root);
      if (it->second.empty()) {
        (void)::inotify_rm_watch(fd_, it->first);
        dirs_.erase(it->first);
        it = roots_.erase(it);
      } else {
        ++it;
      }
    }
  }
  const std::set<std::string>* RootsOf(int wd) const {
    auto it = roots_.find(wd);
    return it == roots_.end() ? nullptr : &it->second;
  }
  std::string DirOf(int wd) const {
    auto it = dirs_.find(wd);
    return it == dirs_.end() ? "" : it->second;
  }

 private:
  int fd_;
  std::map<int, std::string> dirs_;
  std::map<int, std::set<std::string>> roots_;
};

bool IsDir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string Describe(const FolderSyncReport& r) {
  const ImportSummary& s = r.import;
  std::vector<std::string> parts;
  const size_t fresh = s.imported - std::min(s.imported, r.versions);
  if (fresh) parts.push_back(std::to_string(fresh) + " new");
  if (r.versions) parts.push_back(std::to_string(r.versions) + " new version(s) of re-tagged files");
  if (s.matched) parts.push_back(std::to_string(s.matched) + " matched");
  if (s.duplicate) parts.push_back(std::to_string(s.duplicate) + " found again (moved, renamed or copied)");
  if (r.rekept) parts.push_back(std::to_string(r.rekept) + " kept from another file with the same bytes");
  if (r.missing) parts.push_back(std::to_string(r.missing) + " missing (the household keeps the tracks; `hearth status` lists any with no copy left)");
  if (s.failed) parts.push_back(std::to_string(s.failed) + " failed");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

FolderWatch::FolderWatch(FolderWatchOptions options) : options_(std::move(options)) {}

FolderWatch::~FolderWatch() {
  stop_ = true;
  if (wake_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (inotify_ >= 0) ::close(inotify_);
  if (wake_ >= 0) ::close(wake_);
}

std::expected<void, std::string> FolderWatch::Start() {
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0) return std::unexpected(std::string("inotify: ") + std::strerror(errno));
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_ < 0) return std::unexpected(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { Run(); });
  return {};
}

void FolderWatch::Run() {
  auto log = [this](const std::string& line) {
    if (options_.log) options_.log("folders: " + line);
  };
  auto home = store::Home::Open(options_.home_dir);
  if (!home) return log("cannot open the home to watch folders: " + home.error().message);
  Catalog catalog(home->db());
  Watches watches(inotify_);
  std::map<std::string, Folder> folders;
  const auto now0 = Clock::now();
  Clock::time_point next_poll = now0, next_rescan = now0 + options_.rescan;

  auto mark = [&](Folder& f, Clock::time_point now) {
    if (!f.dirty) f.first_change = now;
    f.dirty = true;
    f.last_change = now;
  };
  auto watch = [&](const Folder& f) {
    if (IsDir(f.root.path)) {
      watches.AddTree(f.root.path, f.root.path);
    } else {
      watches.Add(std::filesystem::path(f.root.path).parent_path().string(), f.root.path);
    }
  };
  auto pass = [&](Folder& f) {
    f.dirty = false;
    (void)home->ledger().CatchUp();
    auto report = SyncFolder(*home, catalog, f.root, &stop_);
    ++passes_;
    std::string state = "watching", detail;
    if (!report) {
      state = "unavailable";
      detail = report.error();
    } else if (!report->available) {
      state = "unavailable";
      detail = report->why;
    }
    const std::string seen = state + ": " + detail;
    if (seen != f.state) {
      if (state == "unavailable") {
        log(f.root.path + " is unavailable: " + detail + "; nothing in it is released or marked missing, "
            "and it is looked at again when it is back");
        watches.DropRoot(f.root.path);
      } else if (!f.state.empty()) {
        log(f.root.path + " is available again");
      }
      if (state == "watching") watch(f);
      f.state = seen;
    }
    (void)store::SetImportRootState(home->db(), f.root.path, state, detail, SystemNowMicros());
    if (report && report->available) {
      // The folder's device is known now (a home from before it was kept).
      if (f.root.device == 0) {
        struct stat st{};
        if (::stat(f.root.path.c_str(), &st) == 0) f.root.device = static_cast<uint64_t>(st.st_dev);
      }
      const std::string what = Describe(*report);
      if (!what.empty()) log(f.root.path + ": " + what);
    }
  };
  auto load = [&](Clock::time_point now) {
    auto rows = store::ListImportRootRows(home->db());
    if (!rows) return;
    std::set<std::string> live;
    for (const auto& r : *rows) {
      if (!r.in_place) continue;
      live.insert(r.path);
      auto [it, added] = folders.try_emplace(r.path, Folder{r});
      if (added) {
        mark(it->second, now - options_.settle_max);  // looked at at once
      } else if (r.device != 0) {
        it->second.root.device = r.device;
      }
      // A folder that may have come back, or gone (a disk unmounted under a
      // bind mount or a share sends no event), is looked at again.
      Folder& f = it->second;
      if (!f.dirty && !f.state.empty()) {
        struct stat st{};
        const bool there = ::stat(f.root.path.c_str(), &st) == 0 &&
                           (f.root.device == 0 || static_cast<uint64_t>(st.st_dev) == f.root.device);
        if (there == f.state.starts_with("unavailable")) mark(f, now - options_.settle_max);
      }
    }
    for (auto it = folders.begin(); it != folders.end();) {
      if (live.contains(it->first)) {
        ++it;
        continue;
      }
      watches.DropRoot(it->first);
      (void)store::SetImportRootState(home->db(), it->first, "not watched", "", SystemNowMicros());
      it = folders.erase(it);
    }
  };

  alignas(struct inotify_event) char buf[16384];
  while (!stop_) {
    auto now = Clock::now();
    if (now >= next_poll) {
      load(now);
      next_poll = now + options_.poll;
    }
    if (now >= next_rescan) {
      for (auto& [path, f] : folders) mark(f, now - options_.settle_max);
      next_rescan = now + options_.rescan;
    }
    for (auto& [path, f] : folders) {
      if (stop_) break;
      if (f.dirty && (now - f.last_change >= options_.settle || now - f.first_change >= options_.settle_max)) {
        pass(f);
        now = Clock::now();
      }
    }
    Clock::time_point wake_at = std::min(next_poll, next_rescan);
    for (const auto& [path, f] : folders)
      if (f.dirty) wake_at = std::min({wake_at, f.last_change + options_.settle, f.first_change + options_.settle_max});
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - Clock::now()).count();
    pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(std::clamp<int64_t>(wait + 1, 0, 60'000))) < 0 && errno != EINTR) break;
    if (stop_) break;
    if (!(fds[0].revents & POLLIN)) continue;
    now = Clock::now();
    for (ssize_t n; (n = ::read(inotify_, buf, sizeof buf)) > 0;) {
      for (char* p = buf; p < buf + n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(p);
        p += sizeof(inotify_event) + e->len;
        if (e->mask & IN_Q_OVERFLOW) {
          for (auto& [path, f] : folders) mark(f, now);
          continue;
        }
        const std::set<std::string>* roots = watches.RootsOf(e->wd);
        if (!roots) continue;
        for (const std::string& r : *roots)
          if (auto it = folders.find(r); it != folders.end()) mark(it->second, now);
        if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) && e->len > 0) {
          const std::string dir = watches.DirOf(e->wd) + "/" + e->name;
          for (const std::string& r : std::set<std::string>(*roots)) watches.AddTree(dir, r);
        }
        if (e->mask & IN_IGNORED) watches.Forget(e->wd);
      }
    }
  }
}

}  // namespace hearth::library

#include "node/library/dir_walker.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace hearth::library {
namespace {

struct Walker {
  WalkResult result;
  std::set<std::pair<dev_t, ino_t>> entered;

  void File(const std::string& path, const struct stat& st) {
    result.files.push_back(FoundFile{path, static_cast<uint64_t>(st.st_size),
                                     int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec,
                                     static_cast<uint64_t>(st.st_ino)});
  }

  void Directory(const std::string& path, const struct stat& st) {
    if (!entered.insert({st.st_dev, st.st_ino}).second) {
      result.problems.push_back({path, "directory already visited (symlink loop?); skipped"});
      return;
    }
    DIR* dir = ::opendir(path.c_str());
    if (!dir) {
      result.problems.push_back({path, std::string("cannot read directory: ") + std::strerror(errno)});
      return;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;  // ".", "..", hidden
      names.emplace_back(e->d_name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) Visit(path + (path.ends_with('/') ? "" : "/") + name, false);
  }

  void Visit(const std::string& path, bool named) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
      struct stat lst{};
      bool dangling = ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
      result.problems.push_back({path, dangling && errno == ELOOP ? "symlink loop; skipped"
                                       : dangling ? std::string("broken symlink: ") + std::strerror(errno)
                                                  : std::strerror(errno)});
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      Directory(path, st);
    } else if (S_ISREG(st.st_mode)) {
      if (named || HasAudioExtension(path)) {
        File(path, st);
      } else {
        ++result.skipped_other;
      }
    } else if (named || HasAudioExtension(path)) {
      result.problems.push_back({path, "not a regular file"});
    }
  }
};

}  // namespace

bool HasAudioExtension(const std::string& path) {
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* kExtensions[] = {"mp3", "m4a", "mp4", "aac", "alac", "flac", "ogg",
                                      "oga", "opus", "wav", "wave"};
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* e) { return ext == e; });
}

WalkResult WalkMusic(const std::vector<std::string>& roots) {
  Walker w;
  for (const auto& root : roots) w.Visit(root, true);
  std::sort(w.result.files.begin(), w.result.files.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; });
  // The same file reached twice (named twice, or through a link) counts once.
  w.result.files.erase(std::unique(w.result.files.begin(), w.result.files.end(),
                                   [](const FoundFile& a, const FoundFile& b) { return a.path == b.path; }),
                       w.result.files.end());
  return std::move(w.result);
}

}  // namespace hearth::library

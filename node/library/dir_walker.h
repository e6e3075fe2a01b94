// Finds the music files under the paths a user names. Follows symbolic
// links (music folders are often linked in) but never enters a directory
// twice, so a symlink loop is reported once and skipped. Hidden entries
// (".name") are skipped; inside directories only files with an audio
// extension are taken, while a file named explicitly is always taken.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::library {

struct FoundFile {
  std::string path;  // as given or joined; bytes, not necessarily UTF-8
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
};

struct WalkProblem {
  std::string path;
  std::string reason;
};

struct WalkResult {
  std::vector<FoundFile> files;       // sorted by path
  std::vector<WalkProblem> problems;  // unreadable paths, loops, non-regular files named
  size_t skipped_other = 0;           // files ignored for their extension
};

WalkResult WalkMusic(const std::vector<std::string>& roots);

// True for the extensions of the formats Hearth imports.
bool HasAudioExtension(const std::string& path);

}  // namespace hearth::library

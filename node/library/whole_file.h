// Reading a music file whole, as import does: one regular file, at most
// `max_bytes`, and the same size at the end as at the start.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "crypto/bytes.h"
#include "node/library/dir_walker.h"

namespace hearth::library {

struct WholeFile {
  Bytes bytes;
  FoundFile stat;  // path, size, mtime and inode as read
};

// Fails with a reason a person can read: vanished, not a regular file, too
// large, unreadable, changed while read.
std::expected<WholeFile, std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes);

}  // namespace hearth::library

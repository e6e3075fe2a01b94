#include "node/library/whole_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hearth::library {
namespace {

int64_t MtimeNs(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec; }

}  // namespace

std::expected<WholeFile, std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::unexpected("file vanished before it could be read");
    return std::unexpected(std::string("cannot open: ") + std::strerror(errno));
  }
  auto fail = [fd](std::string why) {
    ::close(fd);
    return std::unexpected(std::move(why));
  };
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return fail("not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) return fail("larger than " + std::to_string(max_bytes >> 20) + " MiB; not imported");
  WholeFile out;
  out.bytes.resize(size);
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, out.bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  struct stat after{};
  const bool same = ::fstat(fd, &after) == 0 && after.st_size == st.st_size && MtimeNs(after) == MtimeNs(st);
  ::close(fd);
  if (got != size || !same) return std::unexpected("file changed while it was being read");
  out.stat = FoundFile{path, size, MtimeNs(st), static_cast<uint64_t>(st.st_ino)};
  return out;
}

}  // namespace hearth::library

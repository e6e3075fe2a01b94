#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "crypto/hash.h"

namespace hearth::crypto {
namespace {

constexpr char kMagic[8] = {'H', 'E', 'A', 'R', 'T', 'H', 'K', '1'};
constexpr size_t kBodySize = 8 + 1 + 32;
constexpr size_t kFileSize = kBodySize + 8;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string DirOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::expected<void, std::string> WriteKeyFile(const std::string& path, KeyKind kind,
                                              const Secret<32>& secret) {
  std::array<uint8_t, kFileSize> buf{};
  std::memcpy(buf.data(), kMagic, 8);
  buf[8] = static_cast<uint8_t>(kind);
  std::memcpy(buf.data() + 9, secret.data(), 32);
  Digest sum = Blake2b256(ByteSpan(buf.data(), kBodySize));
  std::memcpy(buf.data() + kBodySize, sum.data(), 8);

  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    Wipe(buf.data(), buf.size());
    return std::unexpected(Errno("cannot create", tmp));
  }
  bool ok = ::write(fd, buf.data(), buf.size()) == static_cast<ssize_t>(buf.size()) &&
            ::fsync(fd) == 0;
  Wipe(buf.data(), buf.size());
  std::string err = ok ? "" : Errno("cannot write", tmp);
  ::close(fd);
  // link() fails if the target exists, so an existing key is never replaced.
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = Errno("cannot create", path);
  }
  ::unlink(tmp.c_str());
  if (!ok) return std::unexpected(err);
  int dir = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

std::expected<Secret<32>, std::string> ReadKeyFile(const std::string& path, KeyKind kind) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(Errno("cannot open key file", path));
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return std::unexpected(Errno("cannot stat key file", path));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::unexpected("key file " + path + " is accessible by other users (mode " + mode +
                           "); run: chmod 600 " + path);
  }
  std::array<uint8_t, kFileSize + 1> buf{};
  ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  std::expected<Secret<32>, std::string> result =
      std::unexpected("key file " + path + " is damaged (wrong size or checksum)");
  if (n == static_cast<ssize_t>(kFileSize) && std::memcmp(buf.data(), kMagic, 8) == 0) {
    Digest sum = Blake2b256(ByteSpan(buf.data(), kBodySize));
    if (std::memcmp(sum.data(), buf.data() + kBodySize, 8) == 0) {
      if (buf[8] != static_cast<uint8_t>(kind)) {
        result = std::unexpected("key file " + path + " holds another kind of key");
      } else {
        result = Secret<32>(std::span<const uint8_t, 32>(buf.data() + 9, 32));
      }
    }
  }
  Wipe(buf.data(), buf.size());
  return result;
}

}  // namespace hearth::crypto

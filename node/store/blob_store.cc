#include "node/store/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "crypto/blob_cipher.h"
#include "crypto/sodium.h"

namespace hearth::store {
namespace {

StoreError IoError(const std::string& what, const std::string& path) {
  return StoreError{errno == ENOENT ? StoreErrc::kNotFound : StoreErrc::kIo,
                    what + " " + path + ": " + std::strerror(errno)};
}

bool FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::optional<BlobId> ParseHex(const std::string& name) { return BlobId::FromHex(name); }

}  // namespace

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : dir_(std::move(o.dir_)), temp_path_(std::move(o.temp_path_)), fd_(o.fd_), size_(o.size_) {
  o.fd_ = -1;
  o.temp_path_.clear();
}

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

std::expected<void, StoreError> BlobWriter::Write(ByteSpan data) {
  const std::string what = temp_path_.empty() ? "new blob" : temp_path_;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(IoError("cannot write", what));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  size_ += data.size();
  return {};
}

std::expected<void, StoreError> BlobWriter::Commit(const BlobId& id) {
  const std::string what = temp_path_.empty() ? "new blob" : temp_path_;
  if (::fsync(fd_) != 0) return std::unexpected(IoError("cannot fsync", what));
  std::string hex = id.Hex();
  std::string dir = dir_ + "/" + hex.substr(0, 2);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return std::unexpected(IoError("cannot create", dir));
  std::string final_path = dir + "/" + hex;
  // Linking never replaces: blobs are immutable and content-addressed, so
  // an existing one is kept.
  int linked;
  if (temp_path_.empty()) {
    std::string self = "/proc/self/fd/" + std::to_string(fd_);
    linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, final_path.c_str(), AT_SYMLINK_FOLLOW);
  } else {
    linked = ::link(temp_path_.c_str(), final_path.c_str());
  }
  if (linked != 0 && errno != EEXIST) return std::unexpected(IoError("cannot store blob", final_path));
  ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  if (!FsyncDir(dir)) return std::unexpected(IoError("cannot fsync", dir));
  return {};
}

std::expected<BlobStore, StoreError> BlobStore::Open(const std::string& root,
                                                    const std::string& subdir) {
  for (const std::string& sub : {"/" + subdir, std::string("/tmp")}) {
    std::string dir = root + sub;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return std::unexpected(IoError("cannot create", dir));
  }
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(root + "/tmp", ec)) {
    if (f.path().filename().string().starts_with("blob-")) std::filesystem::remove(f.path(), ec);
  }
  return BlobStore(root, subdir);
}

std::expected<BlobWriter, StoreError> BlobStore::Create() {
  std::string dir = root_ + "/" + subdir_;
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) return BlobWriter(dir, "", fd);
  uint8_t rnd[8];
  crypto::RandomBytes(rnd, sizeof rnd);
  std::string path = root_ + "/tmp/blob-" + ToHex(rnd);
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(IoError("cannot create", path));
  return BlobWriter(dir, path, fd);
}

std::string BlobStore::Dir(const BlobId& id) const {
  return root_ + "/" + subdir_ + "/" + id.Hex().substr(0, 2);
}

std::string BlobStore::PathOf(const BlobId& id) const { return Dir(id) + "/" + id.Hex(); }

std::string BlobStore::InPlacePath(const BlobId& id) const {
  const std::string hex = id.Hex();
  return InPlaceDir() + "/" + hex.substr(0, 2) + "/" + hex;
}

std::expected<void, StoreError> BlobStore::AddInPlace(const BlobId& id, const InPlaceRecord& record, bool durable) {
  const std::string path = InPlacePath(id);
  const std::string dir = path.substr(0, path.rfind('/'));
  for (const std::string& d : {InPlaceDir(), dir})
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return std::unexpected(IoError("cannot create", d));
  const Bytes bytes = EncodeInPlace(record);
  uint8_t rnd[8];
  crypto::RandomBytes(rnd, sizeof rnd);
  const std::string temp = root_ + "/tmp/blob-" + ToHex(rnd);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(IoError("cannot create", temp));
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
            (!durable || ::fsync(fd) == 0);
  ::close(fd);
  ok = ok && ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) {
    StoreError e = IoError("cannot write", path);
    ::unlink(temp.c_str());
    return std::unexpected(e);
  }
  if (durable && !FsyncDir(dir)) return std::unexpected(IoError("cannot fsync", dir));
  return {};
}

std::expected<void, StoreError> BlobStore::SyncAll() {
  const int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(IoError("cannot open", root_));
  const bool ok = ::syncfs(fd) == 0;
  ::close(fd);
  if (!ok) return std::unexpected(IoError("cannot sync", root_));
  return {};
}

std::expected<InPlaceRecord, StoreError> BlobStore::InPlaceOf(const BlobId& id) const {
  const std::string path = InPlacePath(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(IoError("cannot open", path));
  Bytes bytes;
  uint8_t buf[16384];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      StoreError e = IoError("cannot read", path);
      ::close(fd);
      return std::unexpected(e);
    }
    bytes.insert(bytes.end(), buf, buf + n);
  }
  ::close(fd);
  return DecodeInPlace(bytes);
}

bool BlobStore::IsInPlace(const BlobId& id) const {
  return ::access(PathOf(id).c_str(), F_OK) != 0 && ::access(InPlacePath(id).c_str(), F_OK) == 0;
}

std::expected<void, StoreError> BlobStore::Remove(const BlobId& id) {
  for (const std::string& p : {PathOf(id), InPlacePath(id)})  // never the original itself
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return std::unexpected(IoError("cannot remove", p));
  return {};
}

std::expected<void, StoreError> BlobStore::RemoveSealedCopy(const BlobId& id) {
  const std::string p = PathOf(id);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return std::unexpected(IoError("cannot remove", p));
  return {};
}

std::expected<void, StoreError> BlobStore::Quarantine(const BlobId& id) {
  const std::string dir = root_ + "/quarantine";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return std::unexpected(IoError("cannot create", dir));
  const std::string from = PathOf(id), to = dir + "/" + id.Hex();
  if (IsInPlace(id)) {
    // The original changed or went: there is no copy of ours to set aside,
    // and the file is the user's. The record goes; the blob is fetched again.
    const std::string record = InPlacePath(id);
    if (::unlink(record.c_str()) != 0) return std::unexpected(IoError("cannot remove", record));
    return {};
  }
  if (::rename(from.c_str(), to.c_str()) != 0) return std::unexpected(IoError("cannot quarantine", from));
  return {};
}

std::expected<std::vector<BlobId>, StoreError> BlobStore::ListQuarantined() const {
  std::vector<BlobId> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(root_ + "/quarantine", ec))
    if (auto id = ParseHex(f.path().filename().string())) out.push_back(*id);
  return out;
}

bool BlobStore::Quarantined(const BlobId& id) const {
  return ::access((root_ + "/quarantine/" + id.Hex()).c_str(), F_OK) == 0;
}

std::expected<void, StoreError> BlobStore::RemoveQuarantined(const BlobId& id) {
  const std::string p = root_ + "/quarantine/" + id.Hex();
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return std::unexpected(IoError("cannot remove", p));
  return {};
}

bool BlobStore::Has(const BlobId& id) const {
  return ::access(PathOf(id).c_str(), F_OK) == 0 || ::access(InPlacePath(id).c_str(), F_OK) == 0;
}

std::expected<uint64_t, StoreError> BlobStore::SizeOf(const BlobId& id) const {
  struct stat st{};
  std::string path = PathOf(id);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      if (auto record = InPlaceOf(id)) return crypto::SealedLength(record->length);
    return std::unexpected(IoError("cannot stat", path));
  }
  return static_cast<uint64_t>(st.st_size);
}

std::expected<Bytes, StoreError> BlobStore::Read(const BlobId& id, uint64_t offset,
                                                 uint64_t length) const {
  std::string path = PathOf(id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    auto record = InPlaceOf(id);
    if (record) return ReadInPlace(*record, offset, length);
    if (record.error().code != StoreErrc::kNotFound) return std::unexpected(record.error());
    errno = ENOENT;
  }
  if (fd < 0) return std::unexpected(IoError("cannot open", path));
  Bytes out(length);
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      StoreError e = IoError("cannot read", path);
      ::close(fd);
      return std::unexpected(e);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

std::expected<std::vector<BlobId>, StoreError> BlobStore::List() const {
  std::vector<BlobId> ids;
  std::error_code ec;
  for (const auto& fan : std::filesystem::directory_iterator(root_ + "/" + subdir_, ec)) {
    if (!fan.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(fan.path(), ec)) {
      if (auto id = ParseHex(f.path().filename().string())) ids.push_back(*id);
    }
  }
  if (ec) return std::unexpected(StoreError{StoreErrc::kIo, "cannot list blobs: " + ec.message()});
  std::error_code absent;
  for (const auto& fan : std::filesystem::directory_iterator(InPlaceDir(), absent)) {
    if (!fan.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(fan.path(), absent)) {
      auto id = ParseHex(f.path().filename().string());
      if (id && ::access(PathOf(*id).c_str(), F_OK) != 0) ids.push_back(*id);  // not twice
    }
  }
  return ids;
}

}  // namespace hearth::store

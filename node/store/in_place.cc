#include "node/store/in_place.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crypto/blob_cipher.h"
#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth::store {
namespace {

constexpr char kMagic[3] = {'H', 'I', 'P'};  // then the version, '1' or '2'
constexpr size_t kMaxPath = 4096;

StoreError Invalid(const std::string& why) { return {StoreErrc::kInvalid, "in-place record: " + why}; }

}  // namespace

Bytes EncodeInPlace(const InPlaceRecord& r) {
  ByteWriter w;
  w.Fixed(ByteSpan(reinterpret_cast<const uint8_t*>(kMagic), 3));
  w.U8(static_cast<uint8_t>('0' + r.version));
  w.U64(r.length);
  w.I64(r.mtime_ns);
  w.U64(r.inode);
  w.U64(r.device);
  w.Fixed(r.key.span());
  w.U16(static_cast<uint16_t>(r.path.size()));
  w.Fixed(ByteSpan(reinterpret_cast<const uint8_t*>(r.path.data()), r.path.size()));
  w.U32(static_cast<uint32_t>(r.digests.size()));
  for (const ChunkDigest& d : r.digests) w.Fixed(d);
  return w.Take();
}

std::expected<InPlaceRecord, StoreError> DecodeInPlace(ByteSpan bytes) {
  ByteReader rd(bytes);
  std::array<uint8_t, 4> magic{};
  rd.Fixed(magic);
  if (!rd.ok() || std::memcmp(magic.data(), kMagic, 3) != 0 || (magic[3] != '1' && magic[3] != '2'))
    return std::unexpected(Invalid("bad magic"));
  InPlaceRecord r;
  r.version = static_cast<uint8_t>(magic[3] - '0');
  r.length = rd.U64();
  r.mtime_ns = rd.I64();
  r.inode = rd.U64();
  r.device = rd.U64();
  std::array<uint8_t, 32> key{};
  rd.Fixed(key);
  r.key = crypto::Secret<32>(std::span<const uint8_t, 32>(key));
  crypto::Wipe(key.data(), key.size());
  const uint16_t path_len = rd.U16();
  if (!rd.ok() || path_len == 0 || path_len > kMaxPath) return std::unexpected(Invalid("bad path length"));
  r.path.resize(path_len);
  rd.Fixed(MutableByteSpan(reinterpret_cast<uint8_t*>(r.path.data()), path_len));
  const uint32_t chunks = rd.U32();
  if (!rd.ok() || chunks != crypto::ChunkCount(r.length)) return std::unexpected(Invalid("chunk count does not fit the length"));
  r.digests.resize(chunks);
  for (ChunkDigest& d : r.digests) rd.Fixed(d);
  if (!rd.ok() || !rd.AtEnd()) return std::unexpected(Invalid("truncated or overlong"));
  return r;
}

ChunkDigest DigestOfChunk(ByteSpan sealed, uint8_t version) {
  ChunkDigest d{};
  if (version >= 2) {
    if (sealed.size() >= d.size()) std::copy_n(sealed.end() - static_cast<std::ptrdiff_t>(d.size()), d.size(), d.begin());
    return d;
  }
  const crypto::Digest full = crypto::Blake2b256(sealed);
  std::copy_n(full.begin(), d.size(), d.begin());
  return d;
}

bool OriginalIntact(const InPlaceRecord& r) {
  struct stat st{};
  return ::stat(r.path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == r.length &&
         int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec == r.mtime_ns &&
         static_cast<uint64_t>(st.st_ino) == r.inode;
}

std::expected<Bytes, StoreError> ReadInPlace(const InPlaceRecord& r, uint64_t offset, uint64_t length) {
  const uint64_t sealed_size = crypto::SealedLength(r.length);
  if (offset >= sealed_size || length == 0) return Bytes{};
  length = std::min(length, sealed_size - offset);
  const int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return std::unexpected(StoreError{StoreErrc::kChanged, r.path + " is gone"});
    return std::unexpected(StoreError{StoreErrc::kIo, "cannot open " + r.path + ": " + std::strerror(err)});
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != r.length ||
      int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec != r.mtime_ns ||
      static_cast<uint64_t>(st.st_ino) != r.inode) {
    ::close(fd);
    return std::unexpected(StoreError{StoreErrc::kChanged, r.path + " changed since it was imported"});
  }
  const crypto::BlobCipher cipher(r.key, r.length);
  const uint64_t first = offset / crypto::kSealedChunkSize;
  const uint64_t last = (offset + length - 1) / crypto::kSealedChunkSize;
  Bytes out;
  out.reserve(length);
  Bytes plain(crypto::kPlainChunkSize), sealed(crypto::kSealedChunkSize);
  for (uint64_t i = first; i <= last; ++i) {
    const uint64_t n = crypto::PlainChunkLength(r.length, i);
    plain.resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t k = ::pread(fd, plain.data() + got, n - got, static_cast<off_t>(i * crypto::kPlainChunkSize + got));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        const std::string why = k < 0 ? std::strerror(errno) : "it is shorter than it was";
        ::close(fd);
        return std::unexpected(StoreError{k < 0 ? StoreErrc::kIo : StoreErrc::kChanged, "cannot read " + r.path + ": " + why});
      }
      got += static_cast<size_t>(k);
    }
    sealed.resize(n + crypto::kChunkTagSize);
    cipher.SealChunk(i, plain, sealed);
    if (DigestOfChunk(sealed, r.version) != r.digests[i]) {
      ::close(fd);
      return std::unexpected(StoreError{StoreErrc::kChanged, r.path + " changed since it was imported (chunk " +
                                                                  std::to_string(i) + ")"});
    }
    const uint64_t chunk_start = i * crypto::kSealedChunkSize;
    const uint64_t from = std::max(offset, chunk_start) - chunk_start;
    const uint64_t to = std::min(offset + length, chunk_start + sealed.size()) - chunk_start;
    out.insert(out.end(), sealed.begin() + static_cast<ptrdiff_t>(from), sealed.begin() + static_cast<ptrdiff_t>(to));
  }
  ::close(fd);
  return out;
}

}  // namespace hearth::store

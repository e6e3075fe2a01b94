// A blob kept in place: the household's ciphertext of a file this device
// imported without sealing a copy (`hearth import --in-place`). The blob's
// bytes are made again from the original whenever they are read -- blob
// encryption is deterministic (the key comes from the file's own hash, the
// nonce is the chunk index) -- so the device stores only this record.
//
// A read checks that the original is still the file that was imported
// (size, modification time, inode) and that every sealed chunk it makes has
// the digest recorded at import; a file that changed gives
// StoreErrc::kChanged and no byte of it leaves.
//
// Record format (HOME/inplace/ab/<blob hex>, written atomically), all
// integers little-endian:
//   "HIP2"                      4 bytes, magic and version ("HIP1" is read
//                               too: its digests are BLAKE2b-128)
//   plaintext length            u64 (the original's size)
//   modification time           i64, nanoseconds since the epoch
//   inode, device               u64, u64 (device 0: not recorded)
//   blob key                    32 bytes
//   path                        u16 length + bytes (absolute, as imported)
//   chunk count N               u32, = ceil(length / 65,520), at least 1
//   N chunk digests             16 bytes each: sealed chunk i's own AEAD
//                               tag (its last 16 bytes), which the sealing
//                               computes anyway -- a changed chunk seals to
//                               another tag (the key is secret)
// The key is as secret as the content secret kept in the same home (0700).
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "node/store/store_error.h"

namespace hearth::store {

using ChunkDigest = std::array<uint8_t, 16>;

struct InPlaceRecord {
  std::string path;
  uint64_t length = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  crypto::Secret<32> key;
  std::vector<ChunkDigest> digests;  // one per sealed chunk
  uint8_t version = 2;               // of the record format (see above)
};

Bytes EncodeInPlace(const InPlaceRecord& r);
std::expected<InPlaceRecord, StoreError> DecodeInPlace(ByteSpan bytes);

// The digest recorded for a sealed chunk by a record of `version`.
ChunkDigest DigestOfChunk(ByteSpan sealed, uint8_t version = 2);

// Whether the original is still the file the record names (size,
// modification time, inode), by its metadata only.
bool OriginalIntact(const InPlaceRecord& r);

// Reads `length` bytes of the blob at `offset` (fewer at its end), sealing
// them from the original. kChanged if the original is not the file that was
// imported; kIo if it cannot be read.
std::expected<Bytes, StoreError> ReadInPlace(const InPlaceRecord& r, uint64_t offset, uint64_t length);

}  // namespace hearth::store

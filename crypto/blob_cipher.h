// The keyed convergent blob cipher (format version 1).
//
// A blob is the encryption of one original file under its blob key
// (ContentSecret::BlobKey(file_id)). Layout:
//
//   plaintext  = the file's bytes, length L
//   chunks     = L split into 65,520-byte pieces; the last may be shorter; an
//                empty file is one empty chunk. n = max(1, ceil(L / 65520)).
//   sealed[i]  = ChaCha20-Poly1305-IETF(key, nonce_i, ad_i, chunk_i)
//                = ciphertext (same length as chunk_i) || 16-byte tag
//   blob       = sealed[0] || sealed[1] || ... || sealed[n-1]
//
//   nonce_i    = 4 zero bytes || i as u64 big-endian          (12 bytes)
//   ad_i       = version (u8 = 1) || i (u64 BE) || last (u8: 1 if i = n-1,
//                else 0) || L (u64 BE)                          (18 bytes)
//
// So every sealed chunk but the last is exactly 65,536 bytes: one 64 KiB
// torrent piece, and piece i decrypts on its own. Reordered, dropped,
// truncated or extended chunks fail authentication because the index, the
// last flag and the total length are bound into each tag. There is no header:
// L follows from the blob's length (PlaintextLength).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace hearth::crypto {

inline constexpr uint8_t kBlobFormatVersion = 1;
inline constexpr uint64_t kPlainChunkSize = 65520;
inline constexpr uint64_t kChunkTagSize = 16;
inline constexpr uint64_t kSealedChunkSize = kPlainChunkSize + kChunkTagSize;  // 65,536

// Number of chunks for a plaintext of `length` bytes (at least 1).
uint64_t ChunkCount(uint64_t length);
// Size of the blob for a plaintext of `length` bytes.
uint64_t SealedLength(uint64_t length);
// The plaintext length a blob of `sealed_length` bytes holds, or nullopt when
// no plaintext seals to that size (e.g. a blob cut inside a tag).
std::optional<uint64_t> PlaintextLength(uint64_t sealed_length);
// Plaintext bytes in chunk `index` (0 when index is out of range).
uint64_t PlainChunkLength(uint64_t length, uint64_t index);

enum class BlobError {
  kBadIndex,     // chunk index is past the last chunk
  kBadLength,    // a sealed chunk or blob has an impossible size
  kAuthFailed,   // tag mismatch: altered, reordered, truncated or wrong key
};
std::string_view Describe(BlobError e);

// Seals and opens the chunks of one blob. Holds a copy of the key (wiped on
// destruction). Const methods may run concurrently on several threads.
class BlobCipher {
 public:
  BlobCipher(const Secret<32>& key, uint64_t plaintext_length);

  uint64_t plaintext_length() const { return length_; }
  uint64_t chunk_count() const { return chunks_; }

  // Seals chunk `index`. `plain.size()` must be PlainChunkLength(index) and
  // `out.size()` that plus 16; `out` may not overlap `plain`.
  void SealChunk(uint64_t index, ByteSpan plain, MutableByteSpan out) const;

  // Opens sealed chunk `index` into `out` (at least its plaintext size) and
  // returns the plaintext size. On failure `out` holds no plaintext.
  std::expected<size_t, BlobError> OpenChunk(uint64_t index, ByteSpan sealed,
                                             MutableByteSpan out) const;

 private:
  Secret<32> key_;
  uint64_t length_;
  uint64_t chunks_;
};

// Streams a plaintext of known length into sealed chunks. Feed it with
// Write() in pieces of any size; each completed sealed chunk is passed to
// `sink` in order. The sink returns false to abort (e.g. a full disk).
class BlobEncryptor {
 public:
  using Sink = std::function<bool(ByteSpan sealed_chunk)>;
  BlobEncryptor(const Secret<32>& key, uint64_t plaintext_length, Sink sink);

  // Returns false if the sink aborted or more than the announced length came.
  bool Write(ByteSpan data);
  // Flushes the last chunk. Returns false unless exactly the announced length
  // was written and the sink accepted every chunk.
  bool Finish();

 private:
  bool Emit();
  BlobCipher cipher_;
  Sink sink_;
  Bytes plain_;
  Bytes sealed_;
  uint64_t written_ = 0;
  uint64_t next_chunk_ = 0;
  bool failed_ = false;
};

// Whole-buffer helpers (tests, small blobs).
Bytes SealBlob(const Secret<32>& key, ByteSpan plaintext);
std::expected<Bytes, BlobError> OpenBlob(const Secret<32>& key, ByteSpan blob);

}  // namespace hearth::crypto

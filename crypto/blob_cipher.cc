#include "crypto/blob_cipher.h"

#include <sodium.h>

#include <array>
#include <cstring>

namespace hearth::crypto {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kChunkTagSize);

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

std::array<uint8_t, 12> Nonce(uint64_t index) {
  std::array<uint8_t, 12> n{};
  PutU64(n.data() + 4, index);
  return n;
}

std::array<uint8_t, 18> Associated(uint64_t index, bool last, uint64_t length) {
  std::array<uint8_t, 18> ad{};
  ad[0] = kBlobFormatVersion;
  PutU64(ad.data() + 1, index);
  ad[9] = last ? 1 : 0;
  PutU64(ad.data() + 10, length);
  return ad;
}

}  // namespace

uint64_t ChunkCount(uint64_t length) {
  return length == 0 ? 1 : (length + kPlainChunkSize - 1) / kPlainChunkSize;
}

uint64_t SealedLength(uint64_t length) { return length + ChunkCount(length) * kChunkTagSize; }

std::optional<uint64_t> PlaintextLength(uint64_t sealed_length) {
  if (sealed_length < kChunkTagSize) return std::nullopt;
  uint64_t chunks = (sealed_length + kSealedChunkSize - 1) / kSealedChunkSize;
  uint64_t length = sealed_length - chunks * kChunkTagSize;
  // The last sealed chunk must hold at least its tag, and only an empty
  // plaintext may have an empty last chunk.
  if (SealedLength(length) != sealed_length) return std::nullopt;
  return length;
}

uint64_t PlainChunkLength(uint64_t length, uint64_t index) {
  uint64_t chunks = ChunkCount(length);
  if (index >= chunks) return 0;
  if (index + 1 < chunks) return kPlainChunkSize;
  return length - index * kPlainChunkSize;
}

std::string_view Describe(BlobError e) {
  switch (e) {
    case BlobError::kBadIndex: return "chunk index past the end of the blob";
    case BlobError::kBadLength: return "sealed data has an impossible length";
    case BlobError::kAuthFailed:
      return "chunk failed authentication (altered, reordered, truncated or wrong key)";
  }
  return "unknown blob error";
}

BlobCipher::BlobCipher(const Secret<32>& key, uint64_t plaintext_length)
    : key_(key.Clone()), length_(plaintext_length), chunks_(ChunkCount(plaintext_length)) {
  EnsureSodium();
}

void BlobCipher::SealChunk(uint64_t index, ByteSpan plain, MutableByteSpan out) const {
  auto nonce = Nonce(index);
  auto ad = Associated(index, index + 1 == chunks_, length_);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &written, plain.data(), plain.size(),
                                            ad.data(), ad.size(), nullptr, nonce.data(),
                                            key_.data());
}

std::expected<size_t, BlobError> BlobCipher::OpenChunk(uint64_t index, ByteSpan sealed,
                                                       MutableByteSpan out) const {
  if (index >= chunks_) return std::unexpected(BlobError::kBadIndex);
  uint64_t plain_size = PlainChunkLength(length_, index);
  if (sealed.size() != plain_size + kChunkTagSize || out.size() < plain_size) {
    return std::unexpected(BlobError::kBadLength);
  }
  auto nonce = Nonce(index);
  auto ad = Associated(index, index + 1 == chunks_, length_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, sealed.data(),
                                                sealed.size(), ad.data(), ad.size(),
                                                nonce.data(), key_.data()) != 0) {
    return std::unexpected(BlobError::kAuthFailed);
  }
  return static_cast<size_t>(written);
}

BlobEncryptor::BlobEncryptor(const Secret<32>& key, uint64_t plaintext_length, Sink sink)
    : cipher_(key, plaintext_length), sink_(std::move(sink)) {
  plain_.reserve(kPlainChunkSize);
  sealed_.resize(kSealedChunkSize);
}

bool BlobEncryptor::Emit() {
  size_t n = plain_.size();
  cipher_.SealChunk(next_chunk_, plain_, MutableByteSpan(sealed_.data(), n + kChunkTagSize));
  Wipe(plain_.data(), n);
  plain_.clear();
  ++next_chunk_;
  if (!sink_(ByteSpan(sealed_.data(), n + kChunkTagSize))) failed_ = true;
  return !failed_;
}

bool BlobEncryptor::Write(ByteSpan data) {
  if (failed_) return false;
  if (data.size() > cipher_.plaintext_length() - written_) {
    failed_ = true;
    return false;
  }
  written_ += data.size();
  while (!data.empty()) {
    size_t room = kPlainChunkSize - plain_.size();
    size_t take = std::min(room, data.size());
    plain_.insert(plain_.end(), data.begin(), data.begin() + take);
    data = data.subspan(take);
    // Emit a full chunk only when more data follows it; the final chunk is
    // emitted by Finish so that its "last" flag is known.
    if (plain_.size() == kPlainChunkSize && next_chunk_ + 1 < cipher_.chunk_count()) {
      if (!Emit()) return false;
    }
  }
  return true;
}

bool BlobEncryptor::Finish() {
  if (failed_ || written_ != cipher_.plaintext_length()) return false;
  if (next_chunk_ + 1 != cipher_.chunk_count()) return false;
  return Emit();
}

Bytes SealBlob(const Secret<32>& key, ByteSpan plaintext) {
  BlobCipher cipher(key, plaintext.size());
  Bytes out(SealedLength(plaintext.size()));
  for (uint64_t i = 0; i < cipher.chunk_count(); ++i) {
    uint64_t n = PlainChunkLength(plaintext.size(), i);
    cipher.SealChunk(i, plaintext.subspan(i * kPlainChunkSize, n),
                     MutableByteSpan(out.data() + i * kSealedChunkSize, n + kChunkTagSize));
  }
  return out;
}

std::expected<Bytes, BlobError> OpenBlob(const Secret<32>& key, ByteSpan blob) {
  auto length = PlaintextLength(blob.size());
  if (!length) return std::unexpected(BlobError::kBadLength);
  BlobCipher cipher(key, *length);
  Bytes out(*length);
  for (uint64_t i = 0; i < cipher.chunk_count(); ++i) {
    uint64_t n = PlainChunkLength(*length, i);
    auto r = cipher.OpenChunk(i, blob.subspan(i * kSealedChunkSize, n + kChunkTagSize),
                              MutableByteSpan(out.data() + i * kPlainChunkSize, n));
    if (!r) {
      Wipe(out.data(), out.size());
      return std::unexpected(r.error());
    }
  }
  return out;
}

}  // namespace hearth::crypto

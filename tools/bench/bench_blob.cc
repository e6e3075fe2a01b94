// Blob encryption throughput against libsodium's raw ChaCha20-Poly1305 on
// the same buffers, in the same run. Target: ratio >= 0.70.
#include <sodium.h>

#include <cstdio>
#include <cstring>

#include "crypto/blob_cipher.h"
#include "tools/bench/bench_timer.h"

int main() {
  using namespace hearth;
  constexpr size_t kSize = 64 << 20;  // 64 MiB, 1,025 chunks
  Bytes plain(kSize);
  crypto::RandomBytes(plain.data(), plain.size());
  Bytes out(crypto::SealedLength(kSize));
  auto key = crypto::Secret<32>::Random();

  // Baseline: raw AEAD over 65,520-byte chunks, no associated data.
  double raw = bench::BestOf(7, [&] {
    uint8_t nonce[12] = {};
    for (uint64_t i = 0, at = 0; at < kSize; ++i, at += crypto::kPlainChunkSize) {
      size_t n = std::min<size_t>(crypto::kPlainChunkSize, kSize - at);
      std::memcpy(nonce + 4, &i, 8);
      unsigned long long w;
      crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + i * crypto::kSealedChunkSize, &w,
                                                plain.data() + at, n, nullptr, 0, nullptr, nonce,
                                                key.data());
    }
  });

  // Hearth: the streaming encryptor, fed in 1 MiB reads as the importer does,
  // each sealed chunk handed to a sink that stores it.
  double ours = bench::BestOf(7, [&] {
    size_t at_out = 0;
    crypto::BlobEncryptor enc(key, kSize, [&](ByteSpan c) {
      std::memcpy(out.data() + at_out, c.data(), c.size());
      at_out += c.size();
      return true;
    });
    for (size_t at = 0; at < kSize; at += 1 << 20) enc.Write(ByteSpan(plain.data() + at, 1 << 20));
    enc.Finish();
  });

  // And random-access sealing straight into place (no streaming copy).
  double direct = bench::BestOf(7, [&] {
    crypto::BlobCipher cipher(key, kSize);
    for (uint64_t i = 0; i < cipher.chunk_count(); ++i) {
      uint64_t n = crypto::PlainChunkLength(kSize, i);
      cipher.SealChunk(i, ByteSpan(plain.data() + i * crypto::kPlainChunkSize, n),
                       MutableByteSpan(out.data() + i * crypto::kSealedChunkSize, n + 16));
    }
  });

  auto mbs = [&](double s) { return kSize / s / 1e6; };
  std::printf("blob encryption (64 MiB, best of 7)\n");
  std::printf("  baseline  raw ChaCha20-Poly1305-IETF:  %8.1f MB/s\n", mbs(raw));
  std::printf("  hearth    BlobEncryptor (streaming):   %8.1f MB/s   ratio %.2f  (target >= 0.70)\n",
              mbs(ours), raw / ours);
  std::printf("  hearth    BlobCipher::SealChunk:       %8.1f MB/s   ratio %.2f\n", mbs(direct),
              raw / direct);
  return 0;
}

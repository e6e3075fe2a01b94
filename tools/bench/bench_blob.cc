// Blob encryption throughput against libsodium's raw ChaCha20-Poly1305 on
// the same buffers, in the same run. Target: ratio >= 0.70.
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <vector>

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
  auto raw = [&] {
    uint8_t nonce[12] = {};
    for (uint64_t i = 0, at = 0; at < kSize; ++i, at += crypto::kPlainChunkSize) {
      size_t n = std::min<size_t>(crypto::kPlainChunkSize, kSize - at);
      std::memcpy(nonce + 4, &i, 8);
      unsigned long long w;
      crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + i * crypto::kSealedChunkSize, &w,
                                                plain.data() + at, n, nullptr, 0, nullptr, nonce,
                                                key.data());
    }
  };

  // Hearth: the streaming encryptor, fed in 1 MiB reads as the importer does,
  // each sealed chunk handed to a sink that stores it.
  auto ours = [&] {
    size_t at_out = 0;
    crypto::BlobEncryptor enc(key, kSize, [&](ByteSpan c) {
      std::memcpy(out.data() + at_out, c.data(), c.size());
      at_out += c.size();
      return true;
    });
    for (size_t at = 0; at < kSize; at += 1 << 20) enc.Write(ByteSpan(plain.data() + at, 1 << 20));
    enc.Finish();
  };

  // And random-access sealing straight into place (no streaming copy).
  auto direct = [&] {
    crypto::BlobCipher cipher(key, kSize);
    for (uint64_t i = 0; i < cipher.chunk_count(); ++i) {
      uint64_t n = crypto::PlainChunkLength(kSize, i);
      cipher.SealChunk(i, ByteSpan(plain.data() + i * crypto::kPlainChunkSize, n),
                       MutableByteSpan(out.data() + i * crypto::kSealedChunkSize, n + 16));
    }
  };

  // Interleaved, so that noise from other tenants hits all three alike;
  // every run is printed.
  auto mbs = [&](double s) { return kSize / s / 1e6; };
  std::vector<double> raw_mbs, ours_mbs, direct_mbs, ratios, direct_ratios;
  for (int run = 0; run < 7; ++run) {
    const double r = bench::Seconds(raw), o = bench::Seconds(ours), d = bench::Seconds(direct);
    raw_mbs.push_back(mbs(r));
    ours_mbs.push_back(mbs(o));
    direct_mbs.push_back(mbs(d));
    ratios.push_back(r / o);
    direct_ratios.push_back(r / d);
  }
  std::printf("blob encryption (64 MiB, 7 interleaved runs, MB/s)\n");
  std::printf("  baseline  raw ChaCha20-Poly1305-IETF:  %s\n", bench::List(raw_mbs, "%.0f").c_str());
  std::printf("  hearth    BlobEncryptor (streaming):   %s\n", bench::List(ours_mbs, "%.0f").c_str());
  std::printf("            ratio per run:               %s  (target >= 0.70)\n", bench::List(ratios).c_str());
  std::printf("  hearth    BlobCipher::SealChunk:       %s\n", bench::List(direct_mbs, "%.0f").c_str());
  std::printf("            ratio per run:               %s\n", bench::List(direct_ratios).c_str());
  return 0;
}

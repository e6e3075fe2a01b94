#include "protocol/recovery_key.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "crypto/base32.h"
#include "crypto/hash.h"

namespace hearth {
namespace {

constexpr size_t kChecksumBytes = 3;
constexpr size_t kTextChars = 56;  // base32 of 35 bytes
constexpr size_t kGroup = 4;

std::array<uint8_t, kChecksumBytes> Checksum(ByteSpan seed) {
  Bytes input;
  constexpr std::string_view kTag = "hearth/recovery-key/v1";
  input.insert(input.end(), kTag.begin(), kTag.end());
  input.insert(input.end(), seed.begin(), seed.end());
  const crypto::Digest d = crypto::Blake2b256(input);
  std::array<uint8_t, kChecksumBytes> out{};
  std::copy_n(d.begin(), kChecksumBytes, out.begin());
  return out;
}

}  // namespace

std::string_view Describe(RecoveryKeyError e) {
  switch (e) {
    case RecoveryKeyError::kNotBase32: return "a recovery key is letters a-z and digits 2-7 (and dashes)";
    case RecoveryKeyError::kWrongLength: return "a recovery key is 56 characters (14 groups of 4)";
    case RecoveryKeyError::kChecksum: return "the recovery key has a typo (its checksum does not match)";
  }
  return "not a recovery key";
}

std::string EncodeRecoveryKey(const crypto::Seed& seed) {
  Bytes raw(seed.data(), seed.data() + seed.size());
  const auto sum = Checksum(raw);
  raw.insert(raw.end(), sum.begin(), sum.end());
  const std::string plain = crypto::Base32Encode(raw);
  std::fill(raw.begin(), raw.end(), 0);
  std::string out;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i % kGroup == 0) out += '-';
    out += plain[i];
  }
  return out;
}

std::expected<crypto::Seed, RecoveryKeyError> DecodeRecoveryKey(std::string_view text) {
  std::string plain;
  for (char c : text) {
    if (c == '-' || std::isspace(static_cast<unsigned char>(c))) continue;
    plain += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (plain.size() != kTextChars) return std::unexpected(RecoveryKeyError::kWrongLength);
  auto raw = crypto::Base32Decode(plain);
  if (!raw || raw->size() != 32 + kChecksumBytes) return std::unexpected(RecoveryKeyError::kNotBase32);
  const ByteSpan seed_bytes(raw->data(), 32);
  const auto sum = Checksum(seed_bytes);
  if (!std::equal(sum.begin(), sum.end(), raw->begin() + 32)) {
    std::fill(raw->begin(), raw->end(), 0);
    return std::unexpected(RecoveryKeyError::kChecksum);
  }
  crypto::Seed seed;
  std::memcpy(seed.data(), raw->data(), 32);
  std::fill(raw->begin(), raw->end(), 0);
  return seed;
}

}  // namespace hearth

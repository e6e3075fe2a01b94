#include "protocol/claim_details.h"

#include <algorithm>

#include "crypto/sealed_box.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr size_t kMaxField = 4096;

Bytes Associated(const HouseholdId& household, const DeviceId& author, const BlobId& blob) {
  ByteWriter w;
  w.Fixed(household.bytes);
  w.Fixed(author.bytes);
  w.Fixed(blob.bytes);
  return w.Take();
}

}  // namespace

Bytes EncodeClaimDetails(ClaimDetails d) {
  std::sort(d.metadata.begin(), d.metadata.end());
  ByteWriter w;
  w.U8(1);
  w.Fixed(d.track.bytes);
  w.U8(d.track_scheme);
  w.Fixed(d.file.bytes);
  w.Str(d.format);
  w.U64(d.duration_ms);
  w.U16(static_cast<uint16_t>(d.metadata.size()));
  for (const auto& [k, v] : d.metadata) {
    w.Str(k);
    w.Str(v);
  }
  w.U8(static_cast<uint8_t>(d.provenance));
  w.Str(d.provenance_detail);
  w.I64(d.acquired_us);
  return w.Take();
}

std::expected<ClaimDetails, std::string> DecodeClaimDetails(ByteSpan bytes) {
  ByteReader r(bytes);
  ClaimDetails d;
  if (r.U8() != 1) return std::unexpected("unknown claim details version");
  r.Fixed(d.track.bytes);
  d.track_scheme = r.U8();
  r.Fixed(d.file.bytes);
  d.format = r.Str(kMaxField);
  d.duration_ms = r.U64();
  size_t n = r.U16();
  for (size_t i = 0; i < n && r.ok(); ++i) {
    std::string k = r.Str(kMaxField);
    std::string v = r.Str(kMaxField);
    std::pair<std::string, std::string> kv(std::move(k), std::move(v));
    if (!d.metadata.empty() && !(d.metadata.back() < kv)) r.Fail();
    d.metadata.push_back(std::move(kv));
  }
  uint8_t p = r.U8();
  if (p < 1 || p > 3) r.Fail();
  d.provenance = static_cast<Provenance>(p);
  d.provenance_detail = r.Str(kMaxField);
  d.acquired_us = r.I64();
  if (!r.ok() || !r.AtEnd()) return std::unexpected("claim details are malformed");
  return d;
}

Bytes SealClaimDetails(const crypto::ContentSecret& secret, const HouseholdId& household,
                       const DeviceId& author, const BlobId& blob, const ClaimDetails& details) {
  auto key = secret.Derive(crypto::kClaimKeyDomain, household.bytes);
  return crypto::SealBox(key, Associated(household, author, blob), EncodeClaimDetails(details));
}

std::expected<ClaimDetails, std::string> OpenClaimDetails(const crypto::ContentSecret& secret,
                                                          const HouseholdId& household,
                                                          const DeviceId& author,
                                                          const BlobId& blob, ByteSpan sealed) {
  auto key = secret.Derive(crypto::kClaimKeyDomain, household.bytes);
  auto plain = crypto::OpenBox(key, Associated(household, author, blob), sealed);
  if (!plain) return std::unexpected(std::string(plain.error()));
  return DecodeClaimDetails(*plain);
}

}  // namespace hearth

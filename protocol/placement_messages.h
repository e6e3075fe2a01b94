// Mesh messages that replica placement runs on (layouts in mesh_format.md):
//
//   STATE  a device's own availability, the bytes of the household's blobs
//          it holds and the most it may hold, sent on connecting and when
//          they change; placement on every device weighs and fills devices
//          by them (protocol/placement.h).
//   PROVE  asks a device to prove it holds a blob: a digest of one chunk
//          under a fresh nonce, so the answer cannot be replayed or made
//          without the chunk.
//   PROOF  the answer, saying also whether the prover keeps the blob (it is
//          assigned to it) -- a promise not to drop it for kKeepPromise.
// Pure encodings; a peer's malformed bytes are an error value.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "protocol/ids.h"

namespace hearth {

// A prover that answers kHoldsAndKeeps does not drop the blob for this long.
// A device drops its own copy only on answers it asked for less than
// kProofCountsFor ago, so the prover still holds the blob when it does
// (whatever either of them comes to believe about placement meanwhile).
inline constexpr std::chrono::seconds kKeepPromise{180};
inline constexpr std::chrono::seconds kProofCountsFor{60};

struct DeviceState {
  uint16_t availability = 0;     // thousandths, 0..1000
  bool disk_full = false;        // its disk reached its free-space floor
  uint64_t held_bytes = 0;       // of the household's blobs it holds
  std::optional<uint64_t> room;  // the most it may hold in all; nullopt: no limit known
  bool operator==(const DeviceState&) const = default;
};
Bytes EncodeDeviceState(const DeviceState& s);
// Refuses an availability over 1000 and unknown flags.
std::expected<DeviceState, std::string> DecodeDeviceState(ByteSpan payload);

struct ProveRequest {
  BlobId blob;
  uint32_t chunk = 0;
  std::array<uint8_t, 16> nonce{};
  bool operator==(const ProveRequest&) const = default;
};
Bytes EncodeProve(const ProveRequest& p);
std::expected<ProveRequest, std::string> DecodeProve(ByteSpan payload);

enum class Possession : uint8_t {
  kLacks = 0,          // the prover cannot read that chunk
  kHolds = 1,          // it holds the blob but may drop it (surplus there)
  kHoldsAndKeeps = 2,  // it holds it and keeps it for kKeepPromise at least
};
struct ProofReply {
  BlobId blob;
  uint32_t chunk = 0;
  std::array<uint8_t, 16> nonce{};
  Possession possession = Possession::kLacks;
  crypto::Digest digest{};  // ProofDigest of the chunk; all zero with kLacks
  bool operator==(const ProofReply&) const = default;
};
Bytes EncodeProof(const ProofReply& p);
std::expected<ProofReply, std::string> DecodeProof(ByteSpan payload);

// BLAKE2b-256 keyed with the nonce over "hearth/proof/v1" || blob id ||
// chunk (u32) || the sealed chunk.
crypto::Digest ProofDigest(const ProveRequest& request, ByteSpan sealed_chunk);

}  // namespace hearth

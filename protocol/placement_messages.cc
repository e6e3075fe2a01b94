#include "protocol/placement_messages.h"

#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr uint8_t kStateVersion = 1;
constexpr uint8_t kFlagDiskFull = 1;
constexpr uint8_t kFlagRoom = 2;

}  // namespace

Bytes EncodeDeviceState(const DeviceState& s) {
  ByteWriter w;
  w.U8(kStateVersion);
  w.U16(s.availability);
  w.U8(static_cast<uint8_t>((s.disk_full ? kFlagDiskFull : 0) | (s.room ? kFlagRoom : 0)));
  w.U64(s.held_bytes);
  if (s.room) w.U64(*s.room);
  return w.Take();
}

std::expected<DeviceState, std::string> DecodeDeviceState(ByteSpan payload) {
  ByteReader r(payload);
  DeviceState s;
  if (r.U8() != kStateVersion) return std::unexpected("state: unknown version");
  s.availability = r.U16();
  const uint8_t flags = r.U8();
  s.held_bytes = r.U64();
  if (!r.ok()) return std::unexpected("state is malformed");
  if (s.availability > 1000)
    return std::unexpected("state: availability " + std::to_string(s.availability) + "/1000 is impossible");
  if (flags & ~(kFlagDiskFull | kFlagRoom)) return std::unexpected("state: unknown flags");
  s.disk_full = flags & kFlagDiskFull;
  if (flags & kFlagRoom) s.room = r.U64();
  return FinishDecode(r, s, "state");
}

Bytes EncodeProve(const ProveRequest& p) {
  ByteWriter w;
  w.Fixed(p.blob.bytes);
  w.U32(p.chunk);
  w.Fixed(p.nonce);
  return w.Take();
}

std::expected<ProveRequest, std::string> DecodeProve(ByteSpan payload) {
  ByteReader r(payload);
  ProveRequest p;
  r.Fixed(p.blob.bytes);
  p.chunk = r.U32();
  r.Fixed(p.nonce);
  return FinishDecode(r, p, "prove");
}

Bytes EncodeProof(const ProofReply& p) {
  ByteWriter w;
  w.Fixed(p.blob.bytes);
  w.U32(p.chunk);
  w.Fixed(p.nonce);
  w.U8(static_cast<uint8_t>(p.possession));
  if (p.possession != Possession::kLacks) w.Fixed(p.digest);
  return w.Take();
}

std::expected<ProofReply, std::string> DecodeProof(ByteSpan payload) {
  ByteReader r(payload);
  ProofReply p;
  r.Fixed(p.blob.bytes);
  p.chunk = r.U32();
  r.Fixed(p.nonce);
  const uint8_t possession = r.U8();
  if (possession > static_cast<uint8_t>(Possession::kHoldsAndKeeps)) return std::unexpected("proof: unknown answer");
  p.possession = static_cast<Possession>(possession);
  if (p.possession != Possession::kLacks) r.Fixed(p.digest);
  return FinishDecode(r, p, "proof");
}

crypto::Digest ProofDigest(const ProveRequest& request, ByteSpan sealed_chunk) {
  crypto::Blake2bStream h(request.nonce);
  h.Update(AsBytes("hearth/proof/v1"));
  h.Update(request.blob.bytes);
  const uint8_t chunk[4] = {static_cast<uint8_t>(request.chunk >> 24), static_cast<uint8_t>(request.chunk >> 16),
                            static_cast<uint8_t>(request.chunk >> 8), static_cast<uint8_t>(request.chunk)};
  h.Update(ByteSpan(chunk, 4));
  h.Update(sealed_chunk);
  return h.Finish();
}

}  // namespace hearth

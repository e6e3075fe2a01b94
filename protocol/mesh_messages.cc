#include "protocol/mesh_messages.h"

#include "protocol/byte_io.h"
#include "protocol/frame_codec.h"

namespace hearth {

Bytes EncodeJoin(const JoinRequest& j) {
  ByteWriter w;
  w.Fixed(j.invite_id);
  w.Fixed(j.proof);
  w.Str(j.device_name);
  if (j.recovery) {
    w.Fixed(j.recovery->key);
    w.Fixed(j.recovery->proof);
  }
  return w.Take();
}

Bytes RecoveryJoinProofBytes(const HouseholdId& household, const DeviceId& joiner, const crypto::Digest& invite_id) {
  ByteWriter w;
  w.Fixed(AsBytes("hearth/recovery-join/v1"));
  w.Fixed(household.bytes);
  w.Fixed(joiner.bytes);
  w.Fixed(invite_id);
  return w.Take();
}

std::expected<JoinRequest, std::string> DecodeJoin(ByteSpan payload) {
  ByteReader r(payload);
  JoinRequest j;
  r.Fixed(j.invite_id);
  r.Fixed(j.proof);
  j.device_name = r.Str(kMaxNameBytes);
  if (r.ok() && !r.AtEnd()) {
    JoinRecovery rec;
    r.Fixed(rec.key);
    r.Fixed(rec.proof);
    j.recovery = rec;
  }
  return FinishDecode(r, std::move(j), "join");
}

Bytes EncodeWelcome(const Welcome& w) {
  ByteWriter b;
  b.U8(static_cast<uint8_t>(w.role));
  b.U8(w.content_secret ? 1 : 0);
  if (w.content_secret) b.Fixed(*w.content_secret);
  return b.Take();
}

std::expected<Welcome, std::string> DecodeWelcome(ByteSpan payload) {
  ByteReader r(payload);
  Welcome w;
  uint8_t role = r.U8();
  if (role < 1 || role > 3) r.Fail();
  w.role = static_cast<Role>(role);
  uint8_t has = r.U8();
  if (has > 1) r.Fail();
  if (has == 1 && r.ok()) {
    std::array<uint8_t, 32> s{};
    r.Fixed(s);
    w.content_secret = s;
  }
  // A storage device must never be sent the secret; refuse such a welcome.
  if (w.role == Role::kStorage && w.content_secret) r.Fail();
  if (w.role != Role::kStorage && !w.content_secret) r.Fail();
  return FinishDecode(r, std::move(w), "welcome");
}

Bytes EncodeHave(const Have& h) {
  ByteWriter w;
  w.U8(h.replace ? 1 : 0);
  w.U32(static_cast<uint32_t>(h.blobs.size()));
  for (const BlobId& b : h.blobs) w.Fixed(b.bytes);
  return w.Take();
}

namespace {

// HAVE messages of at most kMaxHaveIds ids each; with `replace` the first
// one (sent even when `blobs` is empty) replaces what the peer knew.
std::vector<Bytes> EncodeHaves(const std::vector<BlobId>& blobs, bool replace) {
  std::vector<Bytes> out;
  size_t i = 0;
  while (i < blobs.size() || (replace && out.empty())) {
    Have h;
    h.replace = replace && i == 0;
    size_t end = std::min(blobs.size(), i + kMaxHaveIds);
    h.blobs.assign(blobs.begin() + static_cast<ptrdiff_t>(i), blobs.begin() + static_cast<ptrdiff_t>(end));
    out.push_back(EncodeHave(h));
    i = end;
  }
  return out;
}

}  // namespace

std::vector<Bytes> EncodeHaveSet(const std::vector<BlobId>& blobs) { return EncodeHaves(blobs, true); }
std::vector<Bytes> EncodeHaveAdditions(const std::vector<BlobId>& blobs) { return EncodeHaves(blobs, false); }

std::expected<Have, std::string> DecodeHave(ByteSpan payload) {
  ByteReader r(payload);
  Have h;
  uint8_t replace = r.U8();
  if (replace > 1) r.Fail();
  h.replace = replace == 1;
  size_t n = r.U32();
  if (n > kMaxHaveIds) return std::unexpected("have lists too many blobs");
  for (size_t i = 0; i < n && r.ok(); ++i) {
    BlobId b;
    r.Fixed(b.bytes);
    h.blobs.push_back(b);
  }
  return FinishDecode(r, std::move(h), "have");
}

Bytes EncodeTorrentRequest(const BlobId& blob) { return Bytes(blob.bytes.begin(), blob.bytes.end()); }

std::expected<BlobId, std::string> DecodeTorrentRequest(ByteSpan payload) {
  ByteReader r(payload);
  BlobId b;
  r.Fixed(b.bytes);
  return FinishDecode(r, b, "torrent request");
}

Bytes EncodeTorrentReply(const TorrentReply& t) {
  ByteWriter w;
  w.Fixed(t.blob.bytes);
  w.U8(t.torrent ? 1 : 0);
  if (t.torrent) w.Blob(*t.torrent);
  return w.Take();
}

std::expected<TorrentReply, std::string> DecodeTorrentReply(ByteSpan payload) {
  ByteReader r(payload);
  TorrentReply t;
  r.Fixed(t.blob.bytes);
  uint8_t found = r.U8();
  if (found > 1) r.Fail();
  if (found == 1 && r.ok()) t.torrent = r.Blob(kMaxFramePayload - 64);
  return FinishDecode(r, std::move(t), "torrent reply");
}

Bytes EncodePeers(const std::vector<PeerAddress>& peers) {
  ByteWriter w;
  w.U16(static_cast<uint16_t>(peers.size()));
  for (const PeerAddress& p : peers) {
    w.Fixed(p.device.bytes);
    WriteAddress(w, p.address);
  }
  return w.Take();
}

std::expected<std::vector<PeerAddress>, std::string> DecodePeers(ByteSpan payload) {
  ByteReader r(payload);
  size_t n = r.U16();
  if (n > kMaxPeerAddresses) return std::unexpected("peers lists too many addresses");
  std::vector<PeerAddress> out;
  for (size_t i = 0; i < n && r.ok(); ++i) {
    PeerAddress p;
    r.Fixed(p.device.bytes);
    p.address = ReadAddress(r);
    out.push_back(p);
  }
  return FinishDecode(r, std::move(out), "peers");
}

Bytes EncodeRead(const ReadRequest& r) {
  ByteWriter w;
  w.Fixed(r.blob.bytes);
  w.U32(r.first);
  w.U16(r.count);
  return w.Take();
}

std::expected<ReadRequest, std::string> DecodeRead(ByteSpan payload) {
  ByteReader r(payload);
  ReadRequest q;
  r.Fixed(q.blob.bytes);
  q.first = r.U32();
  q.count = r.U16();
  if (q.count == 0 || q.count > kMaxReadChunks) r.Fail();
  return FinishDecode(r, q, "read");
}

Bytes EncodeData(const ChunkData& d) {
  ByteWriter w;
  w.Fixed(d.blob.bytes);
  w.U32(d.index);
  w.U8(d.sealed ? 1 : 0);
  if (d.sealed) w.Blob(*d.sealed);
  return w.Take();
}

std::expected<ChunkData, std::string> DecodeData(ByteSpan payload) {
  ByteReader r(payload);
  ChunkData d;
  r.Fixed(d.blob.bytes);
  d.index = r.U32();
  uint8_t found = r.U8();
  if (found > 1) r.Fail();
  if (found == 1 && r.ok()) {
    d.sealed = r.Blob(65536);
    if (r.ok() && d.sealed->empty()) r.Fail();
  }
  return FinishDecode(r, std::move(d), "data");
}

Bytes EncodeSwarmToken(const std::array<uint8_t, 32>& token) { return Bytes(token.begin(), token.end()); }

std::expected<std::array<uint8_t, 32>, std::string> DecodeSwarmToken(ByteSpan payload) {
  ByteReader r(payload);
  std::array<uint8_t, 32> t{};
  r.Fixed(t);
  return FinishDecode(r, t, "swarm token");
}

Bytes EncodeStreams(const std::vector<StreamSlot>& slots) {
  ByteWriter w;
  w.U16(static_cast<uint16_t>(slots.size()));
  for (const StreamSlot& s : slots) {
    w.Fixed(s.track.bytes);
    w.U32(s.left_ms);
  }
  return w.Take();
}

std::expected<std::vector<StreamSlot>, std::string> DecodeStreams(ByteSpan payload) {
  ByteReader r(payload);
  const size_t n = r.U16();
  if (n > kMaxStreamSlots) return std::unexpected("streams: more than " + std::to_string(kMaxStreamSlots) + " slots");
  std::vector<StreamSlot> slots;
  for (size_t i = 0; i < n && r.ok(); ++i) {
    StreamSlot s;
    r.Fixed(s.track.bytes);
    s.left_ms = r.U32();
    if (r.ok() && s.left_ms == 0) return std::unexpected("streams: a slot with no time left");
    slots.push_back(s);
  }
  return FinishDecode(r, std::move(slots), "streams");
}

}  // namespace hearth

#include "protocol/listener_events.h"

#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr uint8_t kEventVersion = 1;

void Write(ByteWriter& w, const ListenerEvent& e) {
  w.U8(kEventVersion);
  w.Fixed(e.origin.bytes);
  w.U64(e.seq);
  w.I64(e.at_us);
  w.Str(e.user);
  w.U8(static_cast<uint8_t>(e.kind));
  switch (e.kind) {
    case ListenerKind::kStar:
    case ListenerKind::kUnstar:
      w.Str(e.item_kind);
      w.Str(e.item);
      break;
    case ListenerKind::kPlay:
      w.Fixed(e.track.bytes);
      break;
    case ListenerKind::kPlaylist:
      w.Str(e.item);
      w.Str(e.name);
      w.Str(e.comment);
      w.U8(e.is_public ? 1 : 0);
      w.I64(e.created_us);
      w.U32(static_cast<uint32_t>(e.tracks.size()));
      for (const TrackId& t : e.tracks) w.Fixed(t.bytes);
      break;
    case ListenerKind::kPlaylistDelete:
      w.Str(e.item);
      break;
  }
}

}  // namespace

Bytes EncodeListenerEvent(const ListenerEvent& e) {
  ByteWriter w;
  Write(w, e);
  return w.Take();
}

std::expected<ListenerEvent, std::string> DecodeListenerEvent(ByteSpan bytes) {
  ByteReader r(bytes);
  ListenerEvent e;
  if (r.U8() != kEventVersion) return std::unexpected(std::string("listener event of an unknown version"));
  r.Fixed(e.origin.bytes);
  e.seq = r.U64();
  e.at_us = r.I64();
  e.user = r.Str(kMaxListenerText);
  const uint8_t kind = r.U8();
  switch (static_cast<ListenerKind>(kind)) {
    case ListenerKind::kStar:
    case ListenerKind::kUnstar:
      e.item_kind = r.Str(kMaxListenerText);
      e.item = r.Str(kMaxListenerText);
      if (e.item_kind != "song" && e.item_kind != "album" && e.item_kind != "artist") r.Fail();
      break;
    case ListenerKind::kPlay:
      r.Fixed(e.track.bytes);
      break;
    case ListenerKind::kPlaylist: {
      e.item = r.Str(kMaxListenerText);
      e.name = r.Str(kMaxListenerText);
      e.comment = r.Str(kMaxListenerText);
      const uint8_t pub = r.U8();
      if (pub > 1) r.Fail();
      e.is_public = pub == 1;
      e.created_us = r.I64();
      const uint32_t n = r.U32();
      if (n > kMaxPlaylistTracks || size_t{n} * 32 > bytes.size()) {
        r.Fail();
        break;
      }
      e.tracks.resize(n);
      for (TrackId& t : e.tracks) r.Fixed(t.bytes);
      break;
    }
    case ListenerKind::kPlaylistDelete:
      e.item = r.Str(kMaxListenerText);
      break;
    default:
      r.Fail();
  }
  e.kind = static_cast<ListenerKind>(kind);
  if (e.seq == 0 || e.user.empty()) r.Fail();
  if (!r.ok()) return std::unexpected(std::string("listener event is malformed"));
  if (!r.AtEnd()) return std::unexpected(std::string("listener event has trailing bytes"));
  return e;
}

Bytes EncodeListenerHeads(const ListenerHeads& heads) {
  ByteWriter w;
  w.U32(static_cast<uint32_t>(heads.size()));
  for (const auto& [device, seq] : heads) {
    w.Fixed(device.bytes);
    w.U64(seq);
  }
  return w.Take();
}

std::expected<ListenerHeads, std::string> DecodeListenerHeads(ByteSpan payload) {
  ByteReader r(payload);
  ListenerHeads heads;
  const uint32_t n = r.U32();
  if (size_t{n} * 40 > payload.size()) r.Fail();
  for (uint32_t i = 0; r.ok() && i < n; ++i) {
    DeviceId d;
    r.Fixed(d.bytes);
    const uint64_t seq = r.U64();
    // Ascending origins, one entry each: one encoding per set of heads.
    if (!heads.empty() && !(heads.rbegin()->first < d)) r.Fail();
    heads.emplace(d, seq);
  }
  if (!r.ok() || !r.AtEnd()) return std::unexpected(std::string("listener heads are malformed"));
  return heads;
}

Bytes EncodeListenerEvents(const std::vector<Bytes>& encoded_events) {
  ByteWriter w;
  w.U32(static_cast<uint32_t>(encoded_events.size()));
  for (const Bytes& e : encoded_events) w.Blob(e);
  return w.Take();
}

std::expected<std::vector<ListenerEvent>, std::string> DecodeListenerEvents(ByteSpan payload) {
  ByteReader r(payload);
  const uint32_t n = r.U32();
  if (n > kMaxListenerBatch) return std::unexpected(std::string("too many listener events in one frame"));
  std::vector<ListenerEvent> out;
  for (uint32_t i = 0; r.ok() && i < n; ++i) {
    Bytes one = r.Blob(1 << 20);
    if (!r.ok()) break;
    auto e = DecodeListenerEvent(one);
    if (!e) return std::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  if (!r.ok() || !r.AtEnd()) return std::unexpected(std::string("listener events are malformed"));
  return out;
}

}  // namespace hearth

#include "protocol/relay_messages.h"

#include "protocol/byte_io.h"

namespace hearth {

bool IsRelayMessage(uint8_t type) {
  return type >= static_cast<uint8_t>(MessageType::kRelayOpen) && type <= static_cast<uint8_t>(MessageType::kPunch);
}

Bytes EncodeRelayOpen(const RelayOpen& m) {
  ByteWriter w;
  w.U32(m.channel);
  w.U8(m.to_relay ? 1 : 2);
  w.Fixed(m.device.bytes);
  return w.Take();
}

std::expected<RelayOpen, std::string> DecodeRelayOpen(ByteSpan payload) {
  ByteReader r(payload);
  RelayOpen m;
  m.channel = r.U32();
  const uint8_t kind = r.U8();
  r.Fixed(m.device.bytes);
  if (r.ok() && kind != 1 && kind != 2) return std::unexpected("RELAY_OPEN has an unknown kind");
  m.to_relay = kind == 1;
  return FinishDecode(r, m, "RELAY_OPEN");
}

Bytes EncodeRelayChannel(uint32_t channel) {
  ByteWriter w;
  w.U32(channel);
  return w.Take();
}

std::expected<uint32_t, std::string> DecodeRelayChannel(ByteSpan payload) {
  ByteReader r(payload);
  const uint32_t channel = r.U32();
  return FinishDecode(r, channel, "RELAY_ACCEPT");
}

Bytes EncodeRelayData(uint32_t channel, ByteSpan bytes) {
  ByteWriter w;
  w.U32(channel);
  w.Fixed(bytes);
  return w.Take();
}

std::expected<std::pair<uint32_t, ByteSpan>, std::string> DecodeRelayData(ByteSpan payload) {
  if (payload.size() <= 4) return std::unexpected("RELAY_DATA carries no bytes");
  if (payload.size() - 4 > kMaxRelayChunk) return std::unexpected("RELAY_DATA carries too many bytes");
  ByteReader r(payload.first(4));
  const uint32_t channel = r.U32();
  return std::pair{channel, payload.subspan(4)};
}

Bytes EncodeRelayAck(const RelayAck& m) {
  ByteWriter w;
  w.U32(m.channel);
  w.U32(m.bytes);
  return w.Take();
}

std::expected<RelayAck, std::string> DecodeRelayAck(ByteSpan payload) {
  ByteReader r(payload);
  RelayAck m;
  m.channel = r.U32();
  m.bytes = r.U32();
  if (r.ok() && (m.bytes == 0 || m.bytes > kRelayWindow)) return std::unexpected("RELAY_ACK acks 0 or over a window");
  return FinishDecode(r, m, "RELAY_ACK");
}

Bytes EncodeRelayClose(const RelayClose& m) {
  ByteWriter w;
  w.U32(m.channel);
  w.U16(static_cast<uint16_t>(m.code));
  w.Str(m.reason.substr(0, kMaxRelayReason));
  return w.Take();
}

std::expected<RelayClose, std::string> DecodeRelayClose(ByteSpan payload) {
  ByteReader r(payload);
  RelayClose m;
  m.channel = r.U32();
  const uint16_t code = r.U16();
  m.reason = r.Str(kMaxRelayReason);
  if (r.ok() && (code < 1 || code > 5)) return std::unexpected("RELAY_CLOSE has an unknown code");
  m.code = static_cast<RelayCloseCode>(code);
  return FinishDecode(r, m, "RELAY_CLOSE");
}

Bytes EncodePunch(const Punch& m) {
  ByteWriter w;
  w.Fixed(m.device.bytes);
  w.U8(m.address ? 1 : 0);
  if (m.address) WriteAddress(w, *m.address);
  return w.Take();
}

std::expected<Punch, std::string> DecodePunch(ByteSpan payload) {
  ByteReader r(payload);
  Punch m;
  r.Fixed(m.device.bytes);
  const uint8_t has = r.U8();
  if (r.ok() && has > 1) return std::unexpected("PUNCH has a bad address flag");
  if (has == 1) m.address = ReadAddress(r);
  return FinishDecode(r, m, "PUNCH");
}

}  // namespace hearth

// RelayChannel: this device's end of a relayed channel -- half of a mesh
// session that another member carries between it and a third device
// (relay_messages.h, mesh_format.md "Relays and hole punching") -- and the
// ByteStream a Connection runs over it (MakeRelayStream).
//
// The channel sends RELAY_DATA over its hop (the session with the relay)
// while the end-to-end credit lasts (kRelayWindow, renewed by the other
// end's RELAY_ACKs), keeps what arrives until the stream reads it, and acks
// what was read. It ends when the stream closes (RELAY_CLOSE sent), when the
// other end or the relay closes it, or when the hop's session ends.
//
// Single-threaded, on the node's io_context. Shared by the stream and the
// Relays part (relays.h) that routes its frames; `on_ended` runs once, when
// it ends, so that part forgets it. Stream handlers are posted, never run
// inside the call that started them (transport.h).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "node/mesh/connection.h"
#include "node/mesh/transport.h"
#include "protocol/relay_messages.h"

namespace hearth::mesh {

class RelayChannel : public std::enable_shared_from_this<RelayChannel> {
 public:
  RelayChannel(asio::io_context& io, std::weak_ptr<Connection> hop, uint32_t id, const DeviceId& via,
               std::function<void()> on_ended);
  RelayChannel(const RelayChannel&) = delete;
  RelayChannel& operator=(const RelayChannel&) = delete;

  uint32_t id() const { return id_; }
  const DeviceId& via() const { return via_; }
  bool ended() const { return ended_; }

  // Frames from the hop for this channel. False: the frame broke the rules
  // (more than the window unread, an ack past what was sent); the caller
  // ends the channel with kBroken.
  bool OnData(ByteSpan bytes);
  bool OnAck(uint32_t bytes);
  // The other end or the relay closed it; the hop's session ended.
  void OnClosed(const std::string& reason);
  void HopLost();
  // Ends it, telling the other side (RELAY_CLOSE `code`).
  void End(RelayCloseCode code, const std::string& reason);

  // The stream's side (ByteStream's contract).
  void ReadSome(asio::mutable_buffer buffer, ByteStream::Done done);
  void Write(asio::const_buffer buffer, ByteStream::Done done);

 private:
  void PumpWrite();
  size_t TakeInto(asio::mutable_buffer buffer);
  void Finish(TransportFailure failure);
  void Post(ByteStream::Done done, std::expected<size_t, TransportFailure> result);

  asio::io_context& io_;
  std::weak_ptr<Connection> hop_;
  uint32_t id_;
  DeviceId via_;
  std::function<void()> on_ended_;
  bool ended_ = false;
  std::optional<TransportFailure> failure_;  // why, once ended
  // Arrived, not yet read.
  std::deque<Bytes> inbox_;
  size_t inbox_offset_ = 0;  // into inbox_.front()
  size_t inbox_bytes_ = 0;
  size_t unacked_ = 0;  // read, not yet acked
  std::optional<asio::mutable_buffer> read_buffer_;
  ByteStream::Done read_done_;
  // The write under way.
  asio::const_buffer write_buffer_;
  size_t write_sent_ = 0;
  ByteStream::Done write_done_;
  uint64_t credit_ = kRelayWindow;  // bytes this end may still send
};

// A stream over `channel`, relayed by `channel->via()`. Destroying or
// closing it ends the channel.
std::unique_ptr<ByteStream> MakeRelayStream(std::shared_ptr<RelayChannel> channel);

}  // namespace hearth::mesh

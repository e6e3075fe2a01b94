// Connection: one authenticated, encrypted mesh session over a ByteStream
// (transport.h: TCP, or an in-memory pipe in tests).
//
// Runs the handshake (protocol/handshake.h) as initiator or responder, then
// carries frames (protocol/frame_codec.h). The handshake must finish within
// 10 s; a frame that fails to open, a stream error or Close() ends the
// connection, and `on_closed` is called exactly once with the reason.
//
// Lives on one Asio strand (the mesh's single-threaded io_context); callers
// hold it by shared_ptr and must call every method from that thread. The
// DeviceKey passed in must outlive the connection.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "node/mesh/transport.h"
#include "protocol/frame_codec.h"
#include "protocol/handshake.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  struct Callbacks {
    std::function<void()> on_ready;                     // handshake done
    std::function<void(Frame)> on_frame;                // each frame, in order
    std::function<void(const std::string&)> on_closed;  // once, with the reason
  };

  static std::shared_ptr<Connection> Create(asio::io_context& io, std::unique_ptr<ByteStream> stream,
                                            const crypto::DeviceKey& me, const HouseholdId& household,
                                            MemberCheck is_member, bool initiator);
  void Start(Callbacks callbacks);

  // Queues a frame (after on_ready). Ignored once closed.
  void Send(MessageType type, ByteSpan payload);
  // Sends an ERROR frame, then closes once it is written.
  void SendErrorAndClose(uint16_t code, const std::string& message);
  void Close(const std::string& reason);

  bool initiator() const { return initiator_; }
  bool ready() const { return ready_; }
  bool closed() const { return closed_; }
  const DeviceId& peer() const { return handshake_.peer(); }
  const std::string& remote_host() const { return remote_host_; }
  uint16_t remote_port() const { return remote_port_; }
  // Bytes queued but not yet written (for flow control of bulk sends).
  size_t pending_bytes() const { return pending_bytes_; }

 private:
  Connection(asio::io_context& io, std::unique_ptr<ByteStream> stream, Handshake handshake, bool initiator);
  void ReadHandshake(size_t size);
  void OnHandshakeMessage();
  void ReadFrames();
  void Write(Bytes bytes);
  void WriteNext();

  std::unique_ptr<ByteStream> stream_;
  asio::steady_timer deadline_;
  Handshake handshake_;
  bool initiator_;
  bool ready_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;
  Callbacks cb_;
  std::optional<FrameWriter> writer_;
  std::optional<FrameReader> reader_;
  Bytes read_buf_;
  std::deque<Bytes> write_queue_;
  size_t pending_bytes_ = 0;
  bool writing_ = false;
  std::string remote_host_;
  uint16_t remote_port_ = 0;
};

}  // namespace hearth::mesh

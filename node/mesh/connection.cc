#include "node/mesh/connection.h"

#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

// Fixed handshake message sizes (mesh_format.md).
constexpr size_t kM1Size = 69;
constexpr size_t kM2Size = 145;
constexpr size_t kM3Size = 112;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

}  // namespace

std::shared_ptr<Connection> Connection::Create(asio::io_context& io, std::unique_ptr<ByteStream> stream,
                                               const crypto::DeviceKey& me, const HouseholdId& household,
                                               MemberCheck is_member, bool initiator) {
  if (initiator) {
    auto [hs, m1] = Handshake::Initiate(me, household, crypto::EphemeralKey::Generate(), std::move(is_member));
    auto c = std::shared_ptr<Connection>(new Connection(io, std::move(stream), std::move(hs), true));
    c->Write(std::move(m1));
    return c;
  }
  return std::shared_ptr<Connection>(new Connection(
      io, std::move(stream),
      Handshake::Respond(me, household, crypto::EphemeralKey::Generate(), std::move(is_member)), false));
}

Connection::Connection(asio::io_context& io, std::unique_ptr<ByteStream> stream, Handshake handshake, bool initiator)
    : stream_(std::move(stream)),
      deadline_(io),
      handshake_(std::move(handshake)),
      initiator_(initiator),
      remote_host_(stream_->remote_host()),
      remote_port_(stream_->remote_port()) {}

void Connection::Start(Callbacks callbacks) {
  cb_ = std::move(callbacks);
  deadline_.expires_after(kHandshakeTimeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->ready_) self->Close("handshake timed out");
  });
  ReadHandshake(initiator_ ? kM2Size : kM1Size);
}

void Connection::ReadHandshake(size_t size) {
  read_buf_.assign(size, 0);
  ReadExactly(*stream_, asio::buffer(read_buf_), [self = shared_from_this()](std::expected<size_t, TransportFailure> r) {
    if (self->closed_) return;
    if (!r)
      return self->Close(r.error().error == TransportError::kClosed ? "peer hung up during the handshake"
                                                                      : "handshake: " + r.error().Message());
    self->OnHandshakeMessage();
  });
}

void Connection::OnHandshakeMessage() {
  auto reply = handshake_.Receive(read_buf_);
  if (!reply) return Close("handshake refused: " + reply.error().detail);
  if (!reply->empty()) Write(std::move(*reply));
  if (!handshake_.done()) return ReadHandshake(initiator_ ? 0 : kM3Size);
  SessionKeys keys = handshake_.TakeKeys();
  writer_.emplace(keys.send);
  reader_.emplace(keys.receive);
  ready_ = true;
  deadline_.cancel();
  read_buf_.assign(64 * 1024, 0);
  if (cb_.on_ready) cb_.on_ready();
  if (!closed_) ReadFrames();
}

void Connection::ReadFrames() {
  stream_->ReadSome(asio::buffer(read_buf_), [self = shared_from_this()](std::expected<size_t, TransportFailure> n) {
    if (self->closed_) return;
    if (!n)
      return self->Close(n.error().error == TransportError::kClosed ? "peer closed the connection" : n.error().Message());
    auto frames = self->reader_->Feed(ByteSpan(self->read_buf_.data(), *n));
    if (!frames) return self->Close("bad frame: " + frames.error().detail);
    for (Frame& f : *frames) {
      if (self->closed_) return;
      if (self->cb_.on_frame) self->cb_.on_frame(std::move(f));
    }
    if (!self->closed_) self->ReadFrames();
  });
}

void Connection::Send(MessageType type, ByteSpan payload) {
  if (closed_ || !writer_ || close_after_write_) return;
  Write(writer_->Encode(static_cast<uint8_t>(type), payload));
}

void Connection::SendErrorAndClose(uint16_t code, const std::string& message) {
  if (closed_) return;
  if (writer_) {
    Send(MessageType::kError, EncodeError(code, message));
    close_after_write_ = true;
    if (!writing_) Close(message);
  } else {
    Close(message);
  }
}

void Connection::Write(Bytes bytes) {
  pending_bytes_ += bytes.size();
  write_queue_.push_back(std::move(bytes));
  if (!writing_) WriteNext();
}

void Connection::WriteNext() {
  if (write_queue_.empty() || closed_) {
    writing_ = false;
    if (close_after_write_ && !closed_) Close("closed after an error");
    return;
  }
  writing_ = true;
  // The bytes belong to the write's handler: Close() may clear the queue
  // while a stream still reads them.
  auto bytes = std::make_shared<Bytes>(std::move(write_queue_.front()));
  write_queue_.pop_front();
  stream_->Write(asio::buffer(*bytes), [self = shared_from_this(), bytes](std::expected<size_t, TransportFailure> r) {
    if (self->closed_) return;
    if (!r) return self->Close("write failed: " + r.error().Message());
    self->pending_bytes_ -= bytes->size();
    self->WriteNext();
  });
}

void Connection::Close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  deadline_.cancel();
  stream_->Close();
  write_queue_.clear();
  pending_bytes_ = 0;
  if (cb_.on_closed) {
    auto cb = std::move(cb_.on_closed);
    cb_ = {};
    cb(reason);
  }
}

}  // namespace hearth::mesh

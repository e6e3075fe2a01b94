#include "node/mesh/relay_channel.h"

#include <algorithm>
#include <cstring>

namespace hearth::mesh {
namespace {

// The reader acks once this much was read since its last ack: a writer
// with a full window always has most of it back.
constexpr size_t kAckEvery = kRelayWindow / 16;

class RelayStream final : public ByteStream {
 public:
  explicit RelayStream(std::shared_ptr<RelayChannel> channel) : channel_(std::move(channel)) {}
  ~RelayStream() override { Close(); }
  void ReadSome(asio::mutable_buffer buffer, Done done) override { channel_->ReadSome(buffer, std::move(done)); }
  void Write(asio::const_buffer buffer, Done done) override { channel_->Write(buffer, std::move(done)); }
  void Close() override { channel_->End(RelayCloseCode::kEnded, "session closed"); }
  std::string remote_host() const override { return ""; }
  uint16_t remote_port() const override { return 0; }
  std::optional<DeviceId> relayed_via() const override { return channel_->via(); }

 private:
  std::shared_ptr<RelayChannel> channel_;
};

}  // namespace

RelayChannel::RelayChannel(asio::io_context& io, std::weak_ptr<Connection> hop, uint32_t id, const DeviceId& via,
                           std::function<void()> on_ended)
    : io_(io), hop_(std::move(hop)), id_(id), via_(via), on_ended_(std::move(on_ended)) {}

std::unique_ptr<ByteStream> MakeRelayStream(std::shared_ptr<RelayChannel> channel) {
  return std::make_unique<RelayStream>(std::move(channel));
}

void RelayChannel::Post(ByteStream::Done done, std::expected<size_t, TransportFailure> result) {
  asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

bool RelayChannel::OnData(ByteSpan bytes) {
  if (ended_) return true;  // in flight when it ended
  if (inbox_bytes_ + unacked_ + bytes.size() > kRelayWindow) return false;
  inbox_.emplace_back(bytes.begin(), bytes.end());
  inbox_bytes_ += bytes.size();
  if (read_done_) {
    const size_t n = TakeInto(*read_buffer_);
    read_buffer_.reset();
    Post(std::exchange(read_done_, nullptr), n);
  }
  return true;
}

bool RelayChannel::OnAck(uint32_t bytes) {
  if (ended_) return true;
  if (credit_ + bytes > kRelayWindow) return false;
  credit_ += bytes;
  PumpWrite();
  return true;
}

size_t RelayChannel::TakeInto(asio::mutable_buffer buffer) {
  size_t n = 0;
  auto* out = static_cast<uint8_t*>(buffer.data());
  while (n < buffer.size() && !inbox_.empty()) {
    const Bytes& front = inbox_.front();
    const size_t take = std::min(buffer.size() - n, front.size() - inbox_offset_);
    std::memcpy(out + n, front.data() + inbox_offset_, take);
    n += take;
    inbox_offset_ += take;
    if (inbox_offset_ == front.size()) {
      inbox_.pop_front();
      inbox_offset_ = 0;
    }
  }
  inbox_bytes_ -= n;
  unacked_ += n;
  if (unacked_ >= kAckEvery && !ended_) {
    if (auto hop = hop_.lock(); hop && !hop->closed())
      hop->Send(MessageType::kRelayAck, EncodeRelayAck(RelayAck{id_, static_cast<uint32_t>(unacked_)}));
    unacked_ = 0;
  }
  return n;
}

void RelayChannel::ReadSome(asio::mutable_buffer buffer, ByteStream::Done done) {
  if (buffer.size() == 0) return Post(std::move(done), size_t{0});
  if (inbox_bytes_ > 0) return Post(std::move(done), TakeInto(buffer));
  if (ended_) return Post(std::move(done), std::unexpected(*failure_));
  read_buffer_ = buffer;
  read_done_ = std::move(done);
}

void RelayChannel::Write(asio::const_buffer buffer, ByteStream::Done done) {
  if (ended_) return Post(std::move(done), std::unexpected(*failure_));
  write_buffer_ = buffer;
  write_sent_ = 0;
  write_done_ = std::move(done);
  PumpWrite();
}

void RelayChannel::PumpWrite() {
  if (!write_done_) return;
  auto hop = hop_.lock();
  if (!hop || hop->closed()) return HopLost();
  const auto* data = static_cast<const uint8_t*>(write_buffer_.data());
  while (write_sent_ < write_buffer_.size() && credit_ > 0) {
    const size_t n = std::min({kMaxRelayChunk, write_buffer_.size() - write_sent_, static_cast<size_t>(credit_)});
    hop->Send(MessageType::kRelayData, EncodeRelayData(id_, ByteSpan(data + write_sent_, n)));
    write_sent_ += n;
    credit_ -= n;
  }
  if (write_sent_ == write_buffer_.size()) Post(std::exchange(write_done_, nullptr), write_sent_);
}

void RelayChannel::Finish(TransportFailure failure) {
  if (ended_) return;
  ended_ = true;
  failure_ = std::move(failure);
  // What arrived before the end is still read (ReadSome); a read waiting
  // now has nothing more to come.
  if (read_done_) {
    read_buffer_.reset();
    Post(std::exchange(read_done_, nullptr), std::unexpected(*failure_));
  }
  if (write_done_) Post(std::exchange(write_done_, nullptr), std::unexpected(*failure_));
  if (auto ended = std::exchange(on_ended_, nullptr)) ended();
}

void RelayChannel::OnClosed(const std::string& reason) {
  Finish(TransportFailure{TransportError::kClosed, "the relayed end closed: " + reason});
}

void RelayChannel::HopLost() {
  Finish(TransportFailure{TransportError::kUnreachable, "the session with the relay ended"});
}

void RelayChannel::End(RelayCloseCode code, const std::string& reason) {
  if (ended_) return;
  if (auto hop = hop_.lock(); hop && !hop->closed())
    hop->Send(MessageType::kRelayClose, EncodeRelayClose(RelayClose{id_, code, reason}));
  Finish(TransportFailure{TransportError::kAborted, "closed here"});
}

}  // namespace hearth::mesh

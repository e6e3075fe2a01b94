#include "node/mesh/memory_transport.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>

namespace hearth::mesh {
namespace {

// One direction of a pipe.
struct Channel {
  std::deque<uint8_t> bytes;
  bool writer_closed = false;  // no more bytes will come
  bool reader_closed = false;  // nobody reads any more
  std::optional<std::pair<asio::mutable_buffer, ByteStream::Done>> waiting;  // a pending read
};

struct PipeState {
  explicit PipeState(asio::io_context& context) : io(context) {}
  asio::io_context& io;
  Channel channel[2];  // channel[i] carries bytes to end i

  // Completes end `i`'s pending read if it can be.
  void Serve(int i) {
    Channel& c = channel[i];
    if (!c.waiting) return;
    if (c.reader_closed) return Finish(i, std::unexpected(TransportFailure{TransportError::kAborted, "stream closed"}));
    if (!c.bytes.empty()) {
      auto& [buffer, done] = *c.waiting;
      const size_t n = std::min(buffer.size(), c.bytes.size());
      std::copy_n(c.bytes.begin(), n, static_cast<uint8_t*>(buffer.data()));
      c.bytes.erase(c.bytes.begin(), c.bytes.begin() + static_cast<std::ptrdiff_t>(n));
      return Finish(i, n);
    }
    if (c.writer_closed) Finish(i, std::unexpected(TransportFailure{TransportError::kClosed, "the other end closed"}));
  }
  void Finish(int i, std::expected<size_t, TransportFailure> result) {
    auto done = std::move(channel[i].waiting->second);
    channel[i].waiting.reset();
    asio::post(io, [done = std::move(done), result = std::move(result)] { done(result); });
  }
};

class MemoryStream final : public ByteStream {
 public:
  MemoryStream(std::shared_ptr<PipeState> pipe, int side, std::string host, uint16_t port)
      : pipe_(std::move(pipe)), side_(side), host_(std::move(host)), port_(port) {}
  ~MemoryStream() override { Close(); }

  void ReadSome(asio::mutable_buffer buffer, Done done) override {
    Channel& in = pipe_->channel[side_];
    in.waiting.emplace(buffer, std::move(done));
    if (buffer.size() == 0) return pipe_->Finish(side_, size_t{0});
    pipe_->Serve(side_);
  }
  void Write(asio::const_buffer buffer, Done done) override {
    Channel& out = pipe_->channel[1 - side_];
    std::expected<size_t, TransportFailure> result = buffer.size();
    if (closed_) result = std::unexpected(TransportFailure{TransportError::kAborted, "stream closed"});
    else if (out.reader_closed) result = std::unexpected(TransportFailure{TransportError::kClosed, "the other end closed"});
    else {
      const auto* p = static_cast<const uint8_t*>(buffer.data());
      out.bytes.insert(out.bytes.end(), p, p + buffer.size());
      pipe_->Serve(1 - side_);
    }
    asio::post(pipe_->io, [done = std::move(done), result = std::move(result)] { done(result); });
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    pipe_->channel[side_].reader_closed = true;
    pipe_->channel[1 - side_].writer_closed = true;
    pipe_->Serve(side_);
    pipe_->Serve(1 - side_);
  }
  std::string remote_host() const override { return host_; }
  uint16_t remote_port() const override { return port_; }

 private:
  std::shared_ptr<PipeState> pipe_;
  int side_;
  std::string host_;  // the other end's
  uint16_t port_;
  bool closed_ = false;
};

}  // namespace

class MemoryTransport final : public Transport {
 public:
  MemoryTransport(MemoryNetwork& net, std::string host) : net_(net), host_(std::move(host)) {}
  ~MemoryTransport() override {
    *alive_ = false;
    StopListening();
  }

  std::expected<void, TransportFailure> Listen(const std::string& host, uint16_t port, Accepted accepted) override {
    const uint16_t p = port != 0 ? port : net_.FreePort(host);
    if (net_.listeners_.contains({host, p}))
      return std::unexpected(TransportFailure{TransportError::kInUse, host + ":" + std::to_string(p) + " is taken"});
    StopListening();
    net_.listeners_[{host, p}] = this;
    listening_ = {host, p};
    accepted_ = std::move(accepted);
    return {};
  }
  void StopListening() override {
    ++generation_;  // streams dialed before this are not handed over
    accepted_ = nullptr;
    if (listening_.second == 0) return;
    net_.listeners_.erase(listening_);
    listening_ = {};
  }
  uint16_t listening_port() const override { return listening_.second; }

  void Punch(const std::string&, uint16_t, std::chrono::milliseconds, Dialed done) override {
    asio::post(net_.io_, [done = std::move(done)] {
      done(std::unexpected(TransportFailure{TransportError::kFailed, "memory transports punch no holes"}));
    });
  }

  void Dial(const std::string& host, uint16_t port, std::chrono::milliseconds, Dialed done) override {
    auto it = net_.listeners_.find({host, port});
    if (net_.cut_.contains({host_, host}) || net_.cut_.contains({host, host_})) it = net_.listeners_.end();
    if (it == net_.listeners_.end()) {
      asio::post(net_.io_, [done = std::move(done), host, port] {
        done(std::unexpected(TransportFailure{TransportError::kRefused, "nobody listens at " + host + ":" +
                                                                            std::to_string(port)}));
      });
      return;
    }
    const uint16_t my_port = net_.FreePort(host_);
    auto [mine, theirs] = MemoryNetwork::Pipe(net_.io_, host_, my_port, host, port);
    MemoryTransport* listener = it->second;
    asio::post(net_.io_, [alive = listener->alive_, listener, generation = listener->generation_,
                          theirs = std::shared_ptr<ByteStream>(std::move(theirs))] {
      if (*alive && listener->generation_ == generation && listener->accepted_)
        listener->accepted_(std::unique_ptr<ByteStream>(new ForwardingStream(theirs)));
    });
    asio::post(net_.io_, [done = std::move(done), mine = std::shared_ptr<ByteStream>(std::move(mine))]() mutable {
      done(std::unique_ptr<ByteStream>(new ForwardingStream(std::move(mine))));
    });
  }

 private:
  // Moves a stream through std::function (which needs copyable captures).
  class ForwardingStream final : public ByteStream {
   public:
    explicit ForwardingStream(std::shared_ptr<ByteStream> s) : s_(std::move(s)) {}
    void ReadSome(asio::mutable_buffer b, Done d) override { s_->ReadSome(b, std::move(d)); }
    void Write(asio::const_buffer b, Done d) override { s_->Write(b, std::move(d)); }
    void Close() override { s_->Close(); }
    std::string remote_host() const override { return s_->remote_host(); }
    uint16_t remote_port() const override { return s_->remote_port(); }
    ~ForwardingStream() override { s_->Close(); }

   private:
    std::shared_ptr<ByteStream> s_;
  };

  MemoryNetwork& net_;
  std::string host_;
  std::pair<std::string, uint16_t> listening_{"", 0};
  Accepted accepted_;
  uint64_t generation_ = 0;  // bumped by StopListening
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

uint16_t MemoryNetwork::FreePort(const std::string& host) {
  // Ports 40000-65535 in turn, never 0 and never one listened on.
  for (int tries = 0; tries < 65536; ++tries) {
    const uint16_t p = next_port_;
    next_port_ = next_port_ == 65535 ? 40000 : static_cast<uint16_t>(next_port_ + 1);
    if (!listeners_.contains({host, p})) return p;
  }
  return 0;
}

std::unique_ptr<Transport> MemoryNetwork::MakeTransport(std::string host) {
  return std::make_unique<MemoryTransport>(*this, std::move(host));
}

std::pair<std::unique_ptr<ByteStream>, std::unique_ptr<ByteStream>> MemoryNetwork::Pipe(
    asio::io_context& io, const std::string& a_host, uint16_t a_port, const std::string& b_host, uint16_t b_port) {
  auto state = std::make_shared<PipeState>(io);
  return {std::make_unique<MemoryStream>(state, 0, b_host, b_port),
          std::make_unique<MemoryStream>(state, 1, a_host, a_port)};
}

}  // namespace hearth::mesh

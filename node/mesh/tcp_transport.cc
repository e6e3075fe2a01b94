// TcpTransport, TCP streams, and what transport.h declares for all kinds.
#include <boost/asio/ip/tcp.hpp>

#include "node/mesh/transport.h"

namespace hearth::mesh {
namespace {

using tcp = asio::ip::tcp;
// SO_REUSEPORT, which Asio has no name for: a listener and the sockets that
// punch holes from its port (TcpTransport::Punch) all set it.
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

TransportFailure FailureOf(const boost::system::error_code& ec, const std::string& where = "") {
  namespace e = asio::error;
  TransportError kind = TransportError::kFailed;
  if (ec == e::eof || ec == e::connection_reset || ec == e::broken_pipe) kind = TransportError::kClosed;
  else if (ec == e::operation_aborted || ec == e::bad_descriptor) kind = TransportError::kAborted;
  else if (ec == e::connection_refused) kind = TransportError::kRefused;
  else if (ec == e::timed_out) kind = TransportError::kTimedOut;
  else if (ec == e::host_unreachable || ec == e::network_unreachable || ec == e::network_down) kind = TransportError::kUnreachable;
  else if (ec == e::address_in_use) kind = TransportError::kInUse;
  return TransportFailure{kind, where.empty() ? ec.message() : where + ": " + ec.message()};
}

class TcpStream final : public ByteStream {
 public:
  explicit TcpStream(tcp::socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    if (auto ep = socket_.remote_endpoint(ec); !ec) {
      host_ = ep.address().to_string();
      port_ = ep.port();
    }
  }
  ~TcpStream() override { Close(); }

  void ReadSome(asio::mutable_buffer buffer, Done done) override {
    socket_.async_read_some(buffer, [done = std::move(done)](boost::system::error_code ec, size_t n) {
      if (ec) return done(std::unexpected(FailureOf(ec)));
      done(n);
    });
  }
  void Write(asio::const_buffer buffer, Done done) override {
    asio::async_write(socket_, buffer, [done = std::move(done)](boost::system::error_code ec, size_t n) {
      if (ec) return done(std::unexpected(FailureOf(ec)));
      done(n);
    });
  }
  void Close() override {
    boost::system::error_code ec;
    if (!socket_.is_open()) return;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  std::string remote_host() const override { return host_; }
  uint16_t remote_port() const override { return port_; }

 private:
  tcp::socket socket_;
  std::string host_;
  uint16_t port_ = 0;
};

}  // namespace

std::string_view TransportErrorName(TransportError e) {
  switch (e) {
    case TransportError::kClosed: return "closed";
    case TransportError::kAborted: return "aborted";
    case TransportError::kRefused: return "refused";
    case TransportError::kTimedOut: return "timed out";
    case TransportError::kUnreachable: return "unreachable";
    case TransportError::kBadAddress: return "bad address";
    case TransportError::kInUse: return "address in use";
    case TransportError::kFailed: return "failed";
  }
  return "failed";
}

std::string TransportFailure::Message() const {
  return detail.empty() ? std::string(TransportErrorName(error)) : detail;
}

void ReadExactly(ByteStream& stream, asio::mutable_buffer buffer, ByteStream::Done done) {
  if (buffer.size() == 0) {
    // Nothing to read; still never inside the call (transport.h). An empty
    // read completes at once on every stream.
    stream.ReadSome(buffer, std::move(done));
    return;
  }
  struct Step {
    static void Next(ByteStream& s, asio::mutable_buffer rest, size_t total, ByteStream::Done done) {
      if (rest.size() == 0) return done(total);  // inside a handler: already posted
      s.ReadSome(rest, [&s, rest, total, done = std::move(done)](std::expected<size_t, TransportFailure> n) mutable {
        if (!n) return done(std::move(n));
        Next(s, rest + *n, total, std::move(done));
      });
    }
  };
  Step::Next(stream, buffer, buffer.size(), std::move(done));
}

bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == boost::system::errc::not_enough_memory || ec == boost::system::errc::no_buffer_space;
}

TcpTransport::TcpTransport(asio::io_context& io) : io_(io), acceptor_(io) {}

TcpTransport::~TcpTransport() {
  *alive_ = false;
  StopListening();
}

std::unique_ptr<ByteStream> TcpTransport::Wrap(tcp::socket socket) {
  return std::make_unique<TcpStream>(std::move(socket));
}

std::expected<void, TransportFailure> TcpTransport::Listen(const std::string& host, uint16_t port, Accepted accepted) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return std::unexpected(TransportFailure{TransportError::kBadAddress, "not an IP address: " + host});
  tcp::endpoint ep(address, port);
  // SO_REUSEPORT (for hole punches from this port) would also let a second
  // process of this user listen on the port and take half its connections.
  // So the port is first claimed without it: taken, it is refused; 0, it
  // becomes a free one. The probe closes just before the listener binds.
  {
    tcp::acceptor probe(io_);
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (!ec) ep = probe.local_endpoint(ec);
    if (ec) return std::unexpected(FailureOf(ec, "cannot listen on " + host + ":" + std::to_string(port)));
  }
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.set_option(ReusePort(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return std::unexpected(FailureOf(ec, "cannot listen on " + host + ":" + std::to_string(port)));
  }
  accepted_ = std::move(accepted);
  Accept();
  return {};
}

void TcpTransport::Accept() {
  acceptor_.async_accept([this, alive = alive_](boost::system::error_code ec, tcp::socket socket) {
    if (!*alive || !acceptor_.is_open()) return;
    if (!ec) accepted_(Wrap(std::move(socket)));
    if (!*alive || !acceptor_.is_open()) return;  // the callback may have stopped or destroyed us
    if (OutOfDescriptors(ec)) {
      // Out of descriptors or memory: the connection stays queued and an
      // accept now would fail at once, again and again. Try again shortly.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this, alive](boost::system::error_code) {
        if (*alive && acceptor_.is_open()) Accept();
      });
      return;
    }
    Accept();  // a failed accept does not stop listening
  });
}

void TcpTransport::StopListening() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
}

uint16_t TcpTransport::listening_port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::optional<asio::ip::address> TcpTransport::AddressOrFail(const std::string& host, Dialed& done) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  asio::post(io_, [done = std::move(done), host] {
    done(std::unexpected(TransportFailure{TransportError::kBadAddress, "not an IP address: " + host}));
  });
  return std::nullopt;
}

void TcpTransport::Dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) {
  const auto address = AddressOrFail(host, done);
  if (!address) return;
  auto socket = std::make_shared<tcp::socket>(io_);
  auto timer = std::make_shared<asio::steady_timer>(io_, timeout);
  auto timed_out = std::make_shared<bool>(false);
  timer->async_wait([socket, timed_out](boost::system::error_code e) {
    if (e) return;
    *timed_out = true;
    boost::system::error_code ignored;
    socket->close(ignored);
  });
  socket->async_connect(tcp::endpoint(*address, port), [socket, timer, timed_out, done = std::move(done)](
                                                           boost::system::error_code e) {
    timer->cancel();
    if (*timed_out) return done(std::unexpected(TransportFailure{TransportError::kTimedOut, "no answer in time"}));
    if (e) return done(std::unexpected(FailureOf(e)));
    done(Wrap(std::move(*socket)));
  });
}

namespace {

// One hole punch: connect from the listening address and port until a
// connection opens or the deadline passes. A refusal (the other end's NAT
// or host answered before its own dial went out) is tried again shortly,
// on a fresh socket (a failed connect leaves a socket unusable).
struct PunchAttempt : std::enable_shared_from_this<PunchAttempt> {
  PunchAttempt(asio::io_context& io, tcp::endpoint f, tcp::endpoint t, std::chrono::milliseconds timeout,
               Transport::Dialed d)
      : socket(io), timer(io), from(f), to(t), deadline(std::chrono::steady_clock::now() + timeout),
        done(std::move(d)) {}

  void Try() {
    boost::system::error_code ec;
    socket = tcp::socket(socket.get_executor());
    socket.open(to.protocol(), ec);
    if (!ec) socket.set_option(tcp::socket::reuse_address(true), ec);
    if (!ec) socket.set_option(ReusePort(true), ec);
    if (!ec) socket.bind(from, ec);
    if (ec) return Finish(std::unexpected(FailureOf(ec, "cannot bind " + from.address().to_string() + ":" +
                                                            std::to_string(from.port()) + " to punch")));
    timer.expires_at(deadline);
    timer.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (e) return;
      self->timed_out = true;
      boost::system::error_code ignored;
      self->socket.close(ignored);
    });
    socket.async_connect(to, [self = shared_from_this()](boost::system::error_code e) {
      self->timer.cancel();
      if (self->timed_out) return self->Finish(std::unexpected(TransportFailure{TransportError::kTimedOut, "no hole in time"}));
      if (!e) return self->Finish(TcpTransport::Wrap(std::move(self->socket)));
      const bool again = e == asio::error::connection_refused || e == asio::error::connection_reset ||
                         e == boost::system::errc::address_not_available;
      if (!again || std::chrono::steady_clock::now() + std::chrono::milliseconds(200) >= self->deadline)
        return self->Finish(std::unexpected(FailureOf(e)));
      boost::system::error_code ignored;
      self->socket.close(ignored);
      self->timer.expires_after(std::chrono::milliseconds(200));
      self->timer.async_wait([self](boost::system::error_code w) {
        if (!w) self->Try();
      });
    });
  }
  void Finish(std::expected<std::unique_ptr<ByteStream>, TransportFailure> result) {
    if (!done) return;
    auto d = std::exchange(done, nullptr);
    asio::post(socket.get_executor(), [d = std::move(d), r = std::make_shared<decltype(result)>(std::move(result))] {
      d(std::move(*r));
    });
  }

  tcp::socket socket;
  asio::steady_timer timer;
  tcp::endpoint from, to;
  std::chrono::steady_clock::time_point deadline;
  Transport::Dialed done;
  bool timed_out = false;
};

}  // namespace

void TcpTransport::Punch(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) {
  const auto address = AddressOrFail(host, done);
  if (!address) return;
  boost::system::error_code ec;
  const auto local = acceptor_.local_endpoint(ec);
  if (ec || !acceptor_.is_open()) {
    asio::post(io_, [done = std::move(done)] {
      done(std::unexpected(TransportFailure{TransportError::kFailed, "not listening: no port to punch from"}));
    });
    return;
  }
  auto attempt = std::make_shared<PunchAttempt>(io_, local, tcp::endpoint(*address, port), timeout, std::move(done));
  attempt->Try();
}

}  // namespace hearth::mesh

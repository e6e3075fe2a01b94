// Transport: how mesh sessions reach other devices -- the seam between the
// mesh and the network. A Connection (connection.h) runs its handshake and
// frames over a ByteStream; MeshNode listens and dials through a Transport.
// TCP is the one the node uses (TcpTransport); tests use in-memory pipes
// (memory_transport.h); a relayed stream (relay_channel.h) is a third kind.
//
// Threads: everything on the one io_context a transport was made with;
// completion handlers are never called from inside the call that started
// the operation (they are posted). Objects are held by the caller: a stream
// or transport destroyed with an operation pending completes it with
// kAborted, posted, so a handler must not assume its owner still lives
// (capture a shared_ptr or a liveness flag).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "protocol/ids.h"

namespace hearth::mesh {

namespace asio = boost::asio;

// What goes wrong with a stream or a dial. Documented values; callers
// branch on these, never on text.
enum class TransportError {
  kClosed,       // the other end closed the stream (end of stream)
  kAborted,      // this end closed it, or it was destroyed, with the operation pending
  kRefused,      // nobody listens at that address
  kTimedOut,     // no answer within the time given
  kUnreachable,  // the network says no (no route, host down, reset)
  kBadAddress,   // not an address this transport understands
  kInUse,        // Listen: the address is taken
  kFailed,       // anything else the system reports (see `detail`)
};
std::string_view TransportErrorName(TransportError e);

struct TransportFailure {
  TransportError error = TransportError::kFailed;
  std::string detail;  // for people: the system's words, the address
  std::string Message() const;
};

// One bidirectional byte stream, in order, reliable until it ends.
class ByteStream {
 public:
  using Done = std::function<void(std::expected<size_t, TransportFailure>)>;
  virtual ~ByteStream() = default;
  // Reads at least one byte into `buffer` (which must stay valid until
  // `done` runs) and says how many; kClosed once the other end closed and
  // everything it sent was read. One read at a time.
  virtual void ReadSome(asio::mutable_buffer buffer, Done done) = 0;
  // Writes all of `buffer` (valid until `done`). One write at a time.
  virtual void Write(asio::const_buffer buffer, Done done) = 0;
  // Ends the stream both ways; pending operations complete with kAborted.
  virtual void Close() = 0;
  // Where the other end is, for logs and the peer list ("" when unknown).
  virtual std::string remote_host() const = 0;
  virtual uint16_t remote_port() const = 0;
  // The member that carries the stream (relay_channel.h), if it is relayed.
  virtual std::optional<DeviceId> relayed_via() const { return std::nullopt; }
};

// Reads exactly `buffer.size()` bytes (a handshake message). `stream` must
// outlive `done` (its owner keeps itself alive in `done`, as Connection does).
void ReadExactly(ByteStream& stream, asio::mutable_buffer buffer, ByteStream::Done done);

class Transport {
 public:
  using Accepted = std::function<void(std::unique_ptr<ByteStream>)>;
  using Dialed = std::function<void(std::expected<std::unique_ptr<ByteStream>, TransportFailure>)>;
  virtual ~Transport() = default;
  // Listens on `host`:`port` (port 0: any free one) and hands every incoming
  // stream to `accepted` until StopListening. One listener per transport:
  // call it once (again only after StopListening).
  virtual std::expected<void, TransportFailure> Listen(const std::string& host, uint16_t port,
                                                       Accepted accepted) = 0;
  virtual void StopListening() = 0;
  virtual uint16_t listening_port() const = 0;  // 0 when not listening
  // Opens a stream to `host`:`port`, or fails within `timeout`.
  virtual void Dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) = 0;
  // Dials `host`:`port` from the address and port this transport listens
  // on, while the other end does the same (a hole punch: hole_punch.h),
  // trying again on a refusal until `timeout`. A transport that cannot
  // fails with kFailed.
  virtual void Punch(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) = 0;
};

// TCP on the io_context (no Nagle: frames are small and latency matters).
// Whether a failed accept means the process ran out of file descriptors
// (or socket memory): the pending connection stays queued, and accepting
// again at once would fail again -- the caller should pause or make room.
bool OutOfDescriptors(const boost::system::error_code& ec);

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(asio::io_context& io);
  ~TcpTransport() override;
  std::expected<void, TransportFailure> Listen(const std::string& host, uint16_t port, Accepted accepted) override;
  void StopListening() override;
  uint16_t listening_port() const override;
  void Dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) override;
  // The listener and each punch set SO_REUSEPORT, so that a punch can bind
  // the listening port while it listens.
  void Punch(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, Dialed done) override;

  // A stream over a socket connected some other way.
  static std::unique_ptr<ByteStream> Wrap(asio::ip::tcp::socket socket);

 private:
  void Accept();
  // `host` as an address; or nullopt, with `done` posted kBadAddress.
  std::optional<asio::ip::address> AddressOrFail(const std::string& host, Dialed& done);

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_{io_};  // accept again after running out of descriptors
  Accepted accepted_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hearth::mesh

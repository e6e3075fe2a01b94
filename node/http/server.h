// A small HTTP/1.1 server on Boost.Beast: accepts connections, reads one
// request at a time (keep-alive), and hands each to a Handler coroutine that
// answers through an Exchange -- a whole response, or a streamed body sent
// piece by piece as it becomes available (ranges, transcodes).
//
// Limits protect the node and share it fairly:
//  - a connection may wait idle_timeout for the first byte of a request;
//    from then on, the request must arrive whole within request_timeout --
//    a total, so a client that trickles a byte at a time (slowloris) cannot
//    stretch it;
//  - headers are capped (431), bodies too (413);
//  - each write must finish within write_timeout (a client that stops
//    reading is dropped without stalling anyone else);
//  - at most max_connections are open, at most per_address from one
//    address, which may open per_address a second. When a new client needs
//    a slot, an idle connection (then a half-sent request) makes room -- see
//    ConnectionTable for whom; only if every slot is answering a request, or
//    the client reconnects too fast, is the new one refused (503).
//
// Threads: everything runs on the io_context given (one thread). The
// Handler may hop to other executors and back.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <string>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "node/http/connection_table.h"
#include "protocol/ids.h"

namespace hearth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct ServerOptions {
  size_t max_connections = 512;
  size_t per_address = 32;
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds request_timeout{10};
  std::chrono::seconds write_timeout{60};
  uint32_t header_limit = 16 * 1024;
  uint64_t body_limit = 1 << 20;
};

// One request and the means to answer it. Lives for one handler call.
class Exchange {
 public:
  Exchange(beast::tcp_stream& stream, Request& request, const ServerOptions& options, tcp::endpoint remote)
      : stream_(stream), request_(request), options_(options), remote_(remote) {}

  const Request& request() const { return request_; }
  const tcp::endpoint& remote() const { return remote_; }
  bool is_head() const { return request_.method() == bhttp::verb::head; }
  // False once the client has gone or a write failed.
  bool alive() const { return alive_; }
  bool keep_alive() const { return alive_ && request_.keep_alive() && !streaming_chunked_unfinished_; }
  bool answered() const { return answered_; }

  // A whole response (for HEAD, its header only).
  asio::awaitable<bool> Send(Response response);
  // A streamed body: the header, then Write() pieces, then End(). With a
  // `length` the body is exactly that long; without, it is chunked.
  asio::awaitable<bool> Begin(bhttp::response_header<> header, std::optional<uint64_t> length);
  asio::awaitable<bool> Write(ByteSpan data);
  asio::awaitable<bool> End();
  // Gives up on a streamed body (its promised length cannot be met): the
  // connection is closed so the client sees it short.
  void Abort();

 private:
  beast::tcp_stream& stream_;
  Request& request_;
  const ServerOptions& options_;
  tcp::endpoint remote_;
  bool alive_ = true;
  bool answered_ = false;
  bool streaming_chunked_unfinished_ = false;
  std::unique_ptr<bhttp::response<bhttp::buffer_body>> streamed_;
  std::unique_ptr<bhttp::response_serializer<bhttp::buffer_body>> serializer_;
};

using Handler = std::function<asio::awaitable<void>(Exchange&)>;

class Server {
 public:
  Server(asio::io_context& io, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds HOST:PORT (port 0: any) and starts accepting.
  std::expected<void, std::string> Listen(const std::string& endpoint);
  uint16_t port() const;
  size_t active_connections() const { return streams_.size(); }
  size_t connections(ConnectionTable::State state) const { return table_.CountIn(state); }
  // Connections let go to make room for others, and new ones refused
  // (503), since the start.
  uint64_t evicted() const { return evicted_; }
  uint64_t refused() const { return refused_; }
  // Stops accepting and closes every connection.
  void Stop();

 private:
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(tcp::socket socket, ConnectionTable::Id id);
  void Evict(ConnectionTable::Id id);
  void Forget(ConnectionTable::Id id);

  asio::io_context& io_;
  ServerOptions options_;
  Handler handler_;
  tcp::acceptor acceptor_;
  ConnectionTable table_;
  std::unordered_map<ConnectionTable::Id, beast::tcp_stream*> streams_;
  uint64_t evicted_ = 0;
  uint64_t refused_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A plain response with `text` as its body.
Response TextResponse(const Request& request, bhttp::status status, std::string text,
                      std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace hearth::http

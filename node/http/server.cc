#include "node/http/server.h"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "node/mesh/endpoint.h"
#include "node/mesh/transport.h"

namespace hearth::http {
namespace {

auto Redirect(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

auto Now() { return std::chrono::steady_clock::now(); }

// One address per client: an IPv4 client reached over an IPv6 socket is
// still its IPv4 address.
asio::ip::address ClientAddress(const tcp::endpoint& remote) {
  const asio::ip::address a = remote.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}


}  // namespace

Response TextResponse(const Request& request, bhttp::status status, std::string text,
                      std::string_view content_type) {
  Response res{status, request.version()};
  res.set(bhttp::field::content_type, std::string(content_type));
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(text);
  res.keep_alive(request.keep_alive());
  res.prepare_payload();
  return res;
}

asio::awaitable<bool> Exchange::Send(Response response) {
  answered_ = true;
  if (!alive_) co_return false;
  response.keep_alive(request_.keep_alive());
  response.set(bhttp::field::server, "hearth");
  boost::system::error_code ec;
  stream_.expires_after(options_.write_timeout);
  if (is_head()) {
    response.prepare_payload();
    bhttp::response<bhttp::empty_body> head{response.result(), response.version()};
    for (const auto& f : response.base()) head.set(f.name_string(), f.value());
    head.keep_alive(request_.keep_alive());
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    co_await bhttp::async_write_header(stream_, sr, Redirect(ec));
  } else {
    co_await bhttp::async_write(stream_, response, Redirect(ec));
  }
  if (ec) alive_ = false;
  co_return alive_;
}

asio::awaitable<bool> Exchange::Begin(bhttp::response_header<> header, std::optional<uint64_t> length) {
  answered_ = true;
  if (!alive_) co_return false;
  streamed_ = std::make_unique<bhttp::response<bhttp::buffer_body>>(std::move(header));
  streamed_->version(request_.version());
  streamed_->keep_alive(request_.keep_alive());
  streamed_->set(bhttp::field::server, "hearth");
  if (length) streamed_->content_length(*length);
  else {
    streamed_->chunked(true);
    streaming_chunked_unfinished_ = true;
  }
  streamed_->body().data = nullptr;
  streamed_->body().more = !is_head();
  serializer_ = std::make_unique<bhttp::response_serializer<bhttp::buffer_body>>(*streamed_);
  boost::system::error_code ec;
  stream_.expires_after(options_.write_timeout);
  co_await bhttp::async_write_header(stream_, *serializer_, Redirect(ec));
  if (ec) alive_ = false;
  co_return alive_;
}

asio::awaitable<bool> Exchange::Write(ByteSpan data) {
  if (!alive_ || !serializer_ || is_head()) co_return alive_;
  if (data.empty()) co_return true;
  streamed_->body().data = const_cast<uint8_t*>(data.data());
  streamed_->body().size = data.size();
  streamed_->body().more = true;
  boost::system::error_code ec;
  stream_.expires_after(options_.write_timeout);
  co_await bhttp::async_write(stream_, *serializer_, Redirect(ec));
  if (ec == bhttp::error::need_buffer) ec = {};
  if (ec) alive_ = false;
  co_return alive_;
}

asio::awaitable<bool> Exchange::End() {
  if (!alive_ || !serializer_) co_return alive_;
  if (is_head()) co_return true;
  streamed_->body().data = nullptr;
  streamed_->body().size = 0;
  streamed_->body().more = false;
  boost::system::error_code ec;
  stream_.expires_after(options_.write_timeout);
  co_await bhttp::async_write(stream_, *serializer_, Redirect(ec));
  if (ec) alive_ = false;
  else streaming_chunked_unfinished_ = false;
  co_return alive_;
}

void Exchange::Abort() {
  alive_ = false;
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler)
    : io_(io),
      options_(options),
      handler_(std::move(handler)),
      acceptor_(io),
      table_(ConnectionTable::Limits{options.max_connections, options.per_address}) {}

Server::~Server() {
  *alive_ = false;
  Stop();
}

std::expected<void, std::string> Server::Listen(const std::string& endpoint) {
  auto ep = mesh::ParseEndpoint(endpoint, true);
  if (!ep) return std::unexpected(ep.error());
  boost::system::error_code ec;
  acceptor_.open(ep->protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(*ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("cannot listen on " + endpoint + ": " + ec.message());
  asio::co_spawn(io_, AcceptLoop(), asio::detached);
  return {};
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::Stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, s] : streams_) s->socket().close(ec);
}

void Server::Evict(ConnectionTable::Id id) {
  auto it = streams_.find(id);
  if (it != streams_.end()) {
    boost::system::error_code ec;
    it->second->socket().close(ec);  // its pending read ends; Serve returns
    ++evicted_;
  }
  Forget(id);
}

void Server::Forget(ConnectionTable::Id id) {
  streams_.erase(id);
  table_.Remove(id);
}

asio::awaitable<void> Server::AcceptLoop() {
  auto alive = alive_;
  asio::steady_timer pause(io_);
  while (*alive && acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(Redirect(ec));
    if (!*alive || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of file descriptors: the pending connection stays in the
      // listen queue and accept would fail again at once. Let an idle
      // connection go and take a breath instead of spinning.
      if (mesh::OutOfDescriptors(ec)) {
        if (auto victim = table_.AnyVictim(Now())) Evict(*victim);
        pause.expires_after(std::chrono::milliseconds(20));
        co_await pause.async_wait(Redirect(ec));
      }
      continue;
    }
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) continue;  // gone already
    ConnectionTable::Admission admission = table_.Admit(ClientAddress(remote), Now());
    if (!admission.id) {
      ++refused_;
      if (admission.refusal == ConnectionTable::Refusal::kTooFast) {
        // A client reconnecting as fast as it is let go: a reset, at the
        // least cost to the node (no answer, no TIME_WAIT kept here).
        socket.set_option(asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
        continue;
      }
      // Every slot it could have is answering a request: a short answer.
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 29\r\n"
          "Connection: close\r\nRetry-After: 1\r\n\r\ntoo many connections; retry\r\n";
      socket.non_blocking(true, ec);
      socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
      socket.close(ec);
      continue;
    }
    if (admission.evicted) Evict(*admission.evicted);
    const ConnectionTable::Id id = *admission.id;
    asio::co_spawn(io_, Serve(std::move(socket), id), asio::detached);
  }
}

asio::awaitable<void> Server::Serve(tcp::socket socket, ConnectionTable::Id id) {
  auto alive = alive_;
  if (!*alive || !table_.Contains(id)) co_return;  // let go before it began: the socket closes here
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  streams_.emplace(id, &stream);
  beast::flat_buffer buffer;
  while (*alive) {
    // Waiting: for the first byte of the next request (unless the client
    // sent it already, pipelined).
    if (buffer.size() == 0) {
      table_.Set(id, ConnectionTable::State::kWaiting, Now());
      stream.expires_after(options_.idle_timeout);
      const size_t n = co_await stream.async_read_some(buffer.prepare(4096), Redirect(ec));
      if (!*alive) co_return;
      if (ec || !table_.Contains(id)) break;  // gone, timed out, or let go
      buffer.commit(n);
      // Reading: the whole request within request_timeout, however slowly
      // it trickles in.
      table_.Set(id, ConnectionTable::State::kReading, Now());
    } else {
      // The client sent its next request with the last (pipelined): it is
      // being answered, not idling. The same total time limit applies.
      table_.Set(id, ConnectionTable::State::kBusy, Now());
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(options_.body_limit);
    stream.expires_after(options_.request_timeout);
    co_await bhttp::async_read(stream, buffer, parser, Redirect(ec));
    if (!*alive) co_return;
    if (!table_.Contains(id)) break;  // let go to make room
    if (ec) {
      bhttp::status status = bhttp::status::unknown;
      if (ec == bhttp::error::header_limit) status = bhttp::status::request_header_fields_too_large;
      else if (ec == bhttp::error::body_limit) status = bhttp::status::payload_too_large;
      else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() && ec != bhttp::error::end_of_stream &&
               ec != bhttp::error::partial_message)
        status = bhttp::status::bad_request;
      if (status != bhttp::status::unknown) {
        Request dummy{bhttp::verb::get, "/", 11};
        dummy.keep_alive(false);
        Response res = TextResponse(dummy, status, std::string(bhttp::obsolete_reason(status)) + ": " + ec.message() + "\n");
        stream.expires_after(options_.write_timeout);
        co_await bhttp::async_write(stream, res, Redirect(ec));
        // Lingering close: the client may still be sending what was
        // refused, and closing with it unread would reset the connection
        // and lose the answer. Read and drop it for a little while.
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 16384> sink;
        for (size_t dropped = 0; !ec && dropped < (8u << 20) && *alive && table_.Contains(id);)
          dropped += co_await stream.async_read_some(asio::buffer(sink), Redirect(ec));
        if (!*alive) co_return;
      }
      break;
    }
    table_.Set(id, ConnectionTable::State::kBusy, Now());
    Request request = parser.release();
    Exchange exchange(stream, request, options_, remote);
    std::string failure;
    try {
      co_await handler_(exchange);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      if (exchange.answered()) break;
      co_await exchange.Send(
          TextResponse(request, bhttp::status::internal_server_error, "internal error: " + failure + "\n"));
    }
    if (!*alive) co_return;
    if (!exchange.keep_alive()) break;
  }
  if (*alive) {
    Forget(id);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

}  // namespace hearth::http

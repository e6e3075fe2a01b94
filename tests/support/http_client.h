// A plain HTTP client for tests: one request per connection (Beast, sync),
// and a raw socket for requests that are not well-formed HTTP.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace hearth::testing {

namespace test_asio = boost::asio;
namespace test_beast = boost::beast;
namespace test_http = boost::beast::http;

struct Reply {
  int status = 0;  // 0: no answer (connection closed or timed out)
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One request over a fresh connection.
inline Reply Fetch(uint16_t port, const std::string& target, std::map<std::string, std::string> headers = {},
                   test_http::verb method = test_http::verb::get, const std::string& body = "") {
  Reply out;
  try {
    test_asio::io_context io;
    test_beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(test_asio::ip::tcp::endpoint(test_asio::ip::make_address("127.0.0.1"), port));
    test_http::request<test_http::string_body> req{method, target, 11};
    req.set(test_http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    test_http::write(stream.socket(), req);
    test_beast::flat_buffer buffer;
    test_http::response_parser<test_http::string_body> parser;
    parser.body_limit(1 << 30);
    if (method == test_http::verb::head) parser.skip(true);
    test_http::read(stream.socket(), buffer, parser);
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
  } catch (const std::exception&) {
  }
  return out;
}

// A raw connection for requests that are not well-formed HTTP.
class RawClient {
 public:
  // `receive_buffer` > 0: a receive buffer that small (set before connecting,
  // so the server sees a small window and cannot run ahead of the reader).
  // `source`: the loopback address to connect from (127.0.0.1 if empty).
  explicit RawClient(uint16_t port, int receive_buffer = 0, const std::string& source = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    if (!source.empty()) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // What the next read gives; empty when the server closed (or the timeout).
  std::string Receive() {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n <= 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }
  // Whether the server has closed the connection (no wait).
  bool PeerClosed() {
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
  // Waits up to `at_most` for the server to close the connection (or send
  // something); true if it closed.
  bool WaitClosed(std::chrono::milliseconds at_most) {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, static_cast<int>(at_most.count())) <= 0) return false;
    return PeerClosed() || (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }
  // Everything until the server closes (or the timeout).
  std::string ReadAll() {
    std::string out;
    for (std::string part = Receive(); !part.empty(); part = Receive()) out += part;
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace hearth::testing

// In-memory transports: byte streams that are queues in this process, for
// tests that want mesh sessions without sockets (and, later, the simulator).
// A MemoryNetwork is a namespace of addresses ("host", port) on one
// io_context; each MemoryTransport made from it listens and dials there.
// Streams deliver in order, never lose or duplicate a byte, and end when
// either side closes. Dialing an address nobody listens on fails with
// kRefused. Everything runs on the io_context's one thread; handlers are
// posted, never called inside the call that started them. A pending read
// holds its handler (and what that captures) until either end closes the
// stream: close streams (Connection::Close does) before dropping the
// network, or what they capture leaks.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>

#include "node/mesh/transport.h"

namespace hearth::mesh {

class MemoryTransport;

class MemoryNetwork {
 public:
  explicit MemoryNetwork(asio::io_context& io) : io_(io) {}
  MemoryNetwork(const MemoryNetwork&) = delete;
  MemoryNetwork& operator=(const MemoryNetwork&) = delete;

  // A transport whose streams come from `host` (their remote_host() on the
  // other end). The network must outlive it.
  std::unique_ptr<Transport> MakeTransport(std::string host);

  // From now on, dials between `a` and `b` (either way) are refused, as if a
  // NAT stood between them; streams open already stay up.
  void Cut(const std::string& a, const std::string& b) { cut_.insert({a, b}); }
  void Mend(const std::string& a, const std::string& b) {
    cut_.erase({a, b});
    cut_.erase({b, a});
  }

  // Two connected ends, as if `a_host` dialed `b_host`:`b_port`.
  static std::pair<std::unique_ptr<ByteStream>, std::unique_ptr<ByteStream>> Pipe(
      asio::io_context& io, const std::string& a_host, uint16_t a_port, const std::string& b_host, uint16_t b_port);

 private:
  friend class MemoryTransport;
  uint16_t FreePort(const std::string& host);
  asio::io_context& io_;
  std::map<std::pair<std::string, uint16_t>, MemoryTransport*> listeners_;
  std::set<std::pair<std::string, std::string>> cut_;
  uint16_t next_port_ = 40000;
};

}  // namespace hearth::mesh

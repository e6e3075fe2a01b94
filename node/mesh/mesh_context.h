// MeshContext: what every part of a MeshNode shares -- its thread, its home,
// its options, its log and clocks, and whether it is stopping. Made by the
// MeshNode, which owns it and outlives every part; the parts borrow it.
// Single-threaded, like the node.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "node/mesh/mesh_options.h"
#include "node/store/home.h"

namespace hearth::mesh {

namespace asio = boost::asio;

struct MeshContext {
  MeshContext(asio::io_context& io_context, store::Home& h, MeshOptions o)
      : io(io_context), home(h), options(std::move(o)) {}

  asio::io_context& io;
  store::Home& home;
  const MeshOptions options;
  // False once the node is destroyed: callbacks posted or timed by the parts
  // hold it and check it before touching anything.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  bool stopping = false;

  DeviceId me() const { return home.device_id(); }
  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }
  // "laptop (ab12cd34)", or the short id alone for a device without a name.
  std::string Name(const DeviceId& d) const;
  // A member of the household's ledger, not revoked.
  bool IsUnrevokedMember(const DeviceId& d) const;
  int64_t Now() const { return options.clock(); }
  std::chrono::steady_clock::time_point SteadyNow() const { return options.steady(); }
};

}  // namespace hearth::mesh

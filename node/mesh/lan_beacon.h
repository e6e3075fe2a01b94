// LanBeacon: LAN discovery. Sends this household's beacon (protocol/beacon.h)
// to a multicast group every few seconds and reports the address and control
// port of every other device of the household it hears; the mesh then dials
// it, and the handshake decides whether it is really a member. Used only when
// the node listens on a non-loopback address (and not with --no-lan).
//
// Runs on the mesh's io_context; one thread.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "protocol/beacon.h"

namespace hearth::mesh {

struct LanBeaconOptions {
  std::string group = "239.255.72.72";
  uint16_t port = 7603;
  std::chrono::milliseconds interval{2000};
};

class LanBeacon {
 public:
  using Found = std::function<void(const std::string& host, uint16_t control_port)>;
  // A datagram on the group that is not this household's beacon (another
  // household's, or noise), and where it came from.
  using Foreign = std::function<void(const std::string& host)>;
  LanBeacon(boost::asio::io_context& io, const HouseholdId& household, uint16_t control_port,
            LanBeaconOptions options, Found found, Foreign foreign = nullptr);
  // Joins the group; fails with a message (no multicast route, port taken).
  std::expected<void, std::string> Start();
  void Stop();
  ~LanBeacon() {
    *alive_ = false;
    Stop();
  }

 private:
  void Receive();
  void Send();

  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  HouseholdId household_;
  LanBeaconOptions options_;
  Found found_;
  Foreign foreign_;
  Beacon mine_;
  boost::asio::ip::udp::endpoint group_;
  boost::asio::ip::udp::endpoint from_;
  std::array<uint8_t, 256> buf_{};
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // late handlers check it
};

}  // namespace hearth::mesh

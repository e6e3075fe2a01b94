#include "node/mesh/lan_beacon.h"

#include <sodium.h>

namespace hearth::mesh {

namespace asio = boost::asio;
using udp = asio::ip::udp;

LanBeacon::LanBeacon(asio::io_context& io, const HouseholdId& household, uint16_t control_port,
                     LanBeaconOptions options, Found found, Foreign foreign)
    : socket_(io),
      timer_(io),
      household_(household),
      options_(std::move(options)),
      found_(std::move(found)),
      foreign_(std::move(foreign)) {
  randombytes_buf(mine_.nonce.data(), mine_.nonce.size());
  mine_.control_port = control_port;
}

std::expected<void, std::string> LanBeacon::Start() {
  boost::system::error_code ec;
  auto group = asio::ip::make_address(options_.group, ec);
  if (ec || !group.is_multicast()) return std::unexpected(options_.group + " is not a multicast address");
  group_ = udp::endpoint(group, options_.port);
  socket_.open(group.is_v6() ? udp::v6() : udp::v4(), ec);
  if (!ec) socket_.set_option(udp::socket::reuse_address(true), ec);
  if (!ec) socket_.bind(udp::endpoint(group.is_v6() ? udp::v6() : udp::v4(), options_.port), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::join_group(group), ec);
  if (!ec) socket_.set_option(asio::ip::multicast::hops(1), ec);  // this link only
  if (ec) return std::unexpected("LAN discovery unavailable: " + ec.message());
  Receive();
  Send();
  return {};
}

void LanBeacon::Stop() {
  stopped_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.close(ec);
}

void LanBeacon::Receive() {
  socket_.async_receive_from(asio::buffer(buf_), from_, [this, alive = alive_](boost::system::error_code ec, size_t n) {
    if (!*alive || stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto b = DecodeBeacon(household_, ByteSpan(buf_.data(), n));
      if (b && b->nonce != mine_.nonce) found_(from_.address().to_string(), b->control_port);
      else if (!b && foreign_) foreign_(from_.address().to_string());
    }
    Receive();
  });
}

void LanBeacon::Send() {
  if (stopped_) return;
  auto datagram = std::make_shared<Bytes>(EncodeBeacon(household_, mine_));
  socket_.async_send_to(asio::buffer(*datagram), group_, [datagram](boost::system::error_code, size_t) {});
  timer_.expires_after(options_.interval);
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive) Send();
  });
}

}  // namespace hearth::mesh

// Parsing and printing "HOST:PORT" for the mesh's command-line options.
#pragma once

#include <expected>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace hearth::mesh {

// A numeric IPv4 "1.2.3.4:5" or bracketed IPv6 "[::1]:5"; "localhost" is
// taken as 127.0.0.1. Port 0 only when `allow_zero_port` (pick a free one).
std::expected<boost::asio::ip::tcp::endpoint, std::string> ParseEndpoint(const std::string& text,
                                                                         bool allow_zero_port);
std::string FormatEndpoint(const std::string& host, uint16_t port);

// How a session at `host` (a numeric address) reaches the device: "lan"
// for private, loopback and link-local addresses, "direct" for any other.
std::string PathOf(const std::string& host);

}  // namespace hearth::mesh

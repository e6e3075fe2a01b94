#include "node/mesh/endpoint.h"

namespace hearth::mesh {

std::expected<boost::asio::ip::tcp::endpoint, std::string> ParseEndpoint(const std::string& text,
                                                                         bool allow_zero_port) {
  std::string host, port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::unexpected("expected [IPv6]:PORT, got \"" + text + "\"");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return std::unexpected("expected HOST:PORT, got \"" + text + "\"");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return std::unexpected("\"" + host + "\" is not a numeric IP address");
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
    return std::unexpected("bad port in \"" + text + "\"");
  unsigned long port = std::stoul(port_text);
  if (port > 65535 || (port == 0 && !allow_zero_port)) return std::unexpected("port out of range in \"" + text + "\"");
  return boost::asio::ip::tcp::endpoint(address, static_cast<uint16_t>(port));
}

std::string FormatEndpoint(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string PathOf(const std::string& host) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(host, ec);
  if (ec) return "direct";
  if (a.is_loopback()) return "lan";
  if (a.is_v4()) {
    const uint32_t v = a.to_v4().to_uint();
    const bool lan = (v >> 24) == 10 || (v >> 20) == 0xAC1 || (v >> 16) == 0xC0A8 || (v >> 16) == 0xA9FE;
    return lan ? "lan" : "direct";
  }
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return PathOf(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string());
  const bool ula = (v6.to_bytes()[0] & 0xFE) == 0xFC;
  return v6.is_link_local() || ula ? "lan" : "direct";
}

}  // namespace hearth::mesh

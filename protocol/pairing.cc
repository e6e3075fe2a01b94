#include "protocol/pairing.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "crypto/base32.h"
#include "crypto/sodium.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

Bytes Concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

ByteSpan Text(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

std::string InviteAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  return v6 ? "[" + std::string(buf) + "]:" + std::to_string(port)
            : std::string(buf) + ":" + std::to_string(port);
}

std::expected<InviteAddress, std::string> ParseInviteAddress(std::string_view text) {
  InviteAddress a;
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::unexpected("expected [IPv6]:PORT, got \"" + std::string(text) + "\"");
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    a.v6 = true;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return std::unexpected("expected HOST:PORT, got \"" + std::string(text) + "\"");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (::inet_pton(a.v6 ? AF_INET6 : AF_INET, host.c_str(), a.ip.data()) != 1)
    return std::unexpected("\"" + host + "\" is not a numeric IP address");
  unsigned long port = 0;
  if (port_text.empty() || port_text.size() > 5) return std::unexpected("bad port in \"" + std::string(text) + "\"");
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::unexpected("bad port in \"" + std::string(text) + "\"");
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) return std::unexpected("port out of range in \"" + std::string(text) + "\"");
  a.port = static_cast<uint16_t>(port);
  return a;
}

void WriteAddress(ByteWriter& w, const InviteAddress& a) {
  w.U8(a.v6 ? 6 : 4);
  w.Fixed(ByteSpan(a.ip.data(), a.v6 ? 16 : 4));
  w.U16(a.port);
}

InviteAddress ReadAddress(ByteReader& r) {
  InviteAddress a;
  uint8_t family = r.U8();
  if (family != 4 && family != 6) r.Fail();
  a.v6 = family == 6;
  r.Fixed(MutableByteSpan(a.ip.data(), a.v6 ? 16 : 4));
  a.port = r.U16();
  if (a.port == 0) r.Fail();
  return a;
}

std::string EncodeInviteCode(const InviteCode& code) {
  ByteWriter w;
  w.U8(kInviteVersion);
  w.Fixed(code.household.bytes);
  w.Fixed(code.inviter.bytes);
  w.Fixed(code.secret);
  w.U8(static_cast<uint8_t>(code.addresses.size()));
  for (const InviteAddress& a : code.addresses) WriteAddress(w, a);
  // A keyless checksum catches typing and copying mistakes before any network.
  crypto::Digest sum = crypto::Blake2b256(w.bytes());
  w.Fixed(ByteSpan(sum.data(), 4));
  return kInvitePrefix + crypto::Base32Encode(w.bytes());
}

std::expected<InviteCode, std::string> DecodeInviteCode(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const std::string_view prefix = kInvitePrefix;
  // Any case: a QR code carries it in capitals (hearth invite --qr).
  auto same_letter = [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; };
  if (text.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), text.begin(), [&](char p, char t) {
        return same_letter(t, p);
      }))
    return std::unexpected("not a hearth invite code (it starts with \"hearth1-\")");
  auto raw = crypto::Base32Decode(text.substr(prefix.size()));
  if (!raw || raw->size() < 4) return std::unexpected("the invite code is damaged (not valid base32)");
  ByteSpan body(raw->data(), raw->size() - 4);
  crypto::Digest sum = crypto::Blake2b256(body);
  if (std::memcmp(sum.data(), raw->data() + body.size(), 4) != 0)
    return std::unexpected("the invite code is damaged (checksum mismatch); copy it again");
  ByteReader r(body);
  if (uint8_t v = r.U8(); r.ok() && v != kInviteVersion)
    return std::unexpected("invite code version " + std::to_string(v) + " is not supported by this hearth");
  InviteCode code;
  r.Fixed(code.household.bytes);
  r.Fixed(code.inviter.bytes);
  r.Fixed(code.secret);
  size_t n = r.U8();
  if (n > kMaxInviteAddresses) r.Fail();
  for (size_t i = 0; i < n && r.ok(); ++i) code.addresses.push_back(ReadAddress(r));
  if (!r.ok() || !r.AtEnd()) return std::unexpected("the invite code is damaged (bad layout)");
  return code;
}

crypto::Digest InviteIdOf(const std::array<uint8_t, 16>& secret) {
  return crypto::Blake2b256(Concat({Text("hearth/invite-id/v1"), secret}));
}

crypto::Digest JoinProof(const std::array<uint8_t, 16>& secret, const HouseholdId& household,
                         const DeviceId& inviter, const DeviceId& joiner) {
  return crypto::Blake2b256Keyed(secret, Concat({Text("hearth/join/v1"), household.bytes, inviter.bytes, joiner.bytes}));
}

}  // namespace hearth

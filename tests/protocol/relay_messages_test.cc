// Relay and hole-punch messages (relay_messages.h): each round-trips, and a
// peer's malformed bytes are an error, never a value.
#include "protocol/relay_messages.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

DeviceId Device(uint8_t fill) {
  DeviceId d;
  d.bytes.fill(fill);
  return d;
}

TEST(RelayMessages, EachRoundTrips) {
  for (bool to_relay : {true, false}) {
    const RelayOpen open{0x01020304, to_relay, Device(7)};
    auto back = DecodeRelayOpen(EncodeRelayOpen(open));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, open);
  }
  EXPECT_EQ(DecodeRelayChannel(EncodeRelayChannel(9)).value_or(0), 9u);
  const Bytes bytes(kMaxRelayChunk, 0xab);
  const Bytes encoded = EncodeRelayData(77, bytes);  // the decoded bytes point into it
  auto data = DecodeRelayData(encoded);
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->first, 77u);
  EXPECT_TRUE(std::equal(data->second.begin(), data->second.end(), bytes.begin(), bytes.end()));
  const RelayAck ack{5, kRelayWindow};
  EXPECT_EQ(DecodeRelayAck(EncodeRelayAck(ack)).value_or(RelayAck{}), ack);
  const RelayClose close{3, RelayCloseCode::kNotConnected, "no session with that device"};
  EXPECT_EQ(DecodeRelayClose(EncodeRelayClose(close)).value_or(RelayClose{}), close);
  const Punch ask{Device(3), std::nullopt};
  EXPECT_EQ(DecodePunch(EncodePunch(ask)).value_or(Punch{}), ask);
  auto address = ParseInviteAddress("198.20.0.7:7601");
  ASSERT_TRUE(address);
  const Punch told{Device(4), *address};
  EXPECT_EQ(DecodePunch(EncodePunch(told)).value_or(Punch{}), told);
}

TEST(RelayMessages, MalformedBytesAreErrors) {
  Bytes open = EncodeRelayOpen(RelayOpen{1, true, Device(1)});
  open[4] = 3;  // an unknown kind
  EXPECT_FALSE(DecodeRelayOpen(open));
  EXPECT_FALSE(DecodeRelayOpen(Bytes(10, 0)));
  EXPECT_FALSE(DecodeRelayChannel(Bytes{0, 0, 1}));
  EXPECT_FALSE(DecodeRelayData(EncodeRelayChannel(1))) << "data with no bytes";
  EXPECT_FALSE(DecodeRelayData(EncodeRelayData(1, Bytes(kMaxRelayChunk + 1, 0)))) << "data over a chunk";
  EXPECT_FALSE(DecodeRelayAck(EncodeRelayAck(RelayAck{1, 0})));
  EXPECT_FALSE(DecodeRelayAck(EncodeRelayAck(RelayAck{1, kRelayWindow + 1})));
  Bytes close = EncodeRelayClose(RelayClose{1, RelayCloseCode::kEnded, "x"});
  close[5] = 9;  // an unknown code
  EXPECT_FALSE(DecodeRelayClose(close));
  Bytes punch = EncodePunch(Punch{Device(1), std::nullopt});
  punch.back() = 2;  // a bad address flag
  EXPECT_FALSE(DecodePunch(punch));
  punch.back() = 1;  // says an address follows; none does
  EXPECT_FALSE(DecodePunch(punch));
  Bytes trailing = EncodeRelayAck(RelayAck{1, 1});
  trailing.push_back(0);
  EXPECT_FALSE(DecodeRelayAck(trailing));
}

}  // namespace
}  // namespace hearth

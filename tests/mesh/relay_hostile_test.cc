// Relays against members that break the rules, in one process over the
// in-memory transport: the storage box (r) is a real node; two phones (m1,
// m2) are members whose sessions the test drives frame by frame, as a
// stolen or buggy device could. The box must close what breaks the window,
// refuse ids from its own half and floods of opens, drop frames on channels
// it does not know, cut a session that sends malformed frames -- and keep
// relaying for the honest PC (a) throughout. A channel's end holds the same
// rules on its own (RelayChannel).
#include <gtest/gtest.h>

#include "node/mesh/connection.h"
#include "node/mesh/memory_transport.h"
#include "node/mesh/mesh_node.h"
#include "node/mesh/relay_channel.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

// A member's session that the test writes frame by frame and whose
// incoming frames it keeps.
struct RawMember {
  std::shared_ptr<mesh::Connection> conn;
  std::vector<Frame> frames;
  std::optional<std::string> closed;
  bool ready = false;

  // RELAY_CLOSEs received for `channel`.
  std::vector<RelayClose> ClosesOf(uint32_t channel) const {
    std::vector<RelayClose> out;
    for (const Frame& f : frames)
      if (static_cast<MessageType>(f.type) == MessageType::kRelayClose)
        if (auto c = DecodeRelayClose(f.payload); c && c->channel == channel) out.push_back(*c);
    return out;
  }
  bool Got(MessageType type, uint32_t channel) const {
    for (const Frame& f : frames)
      if (static_cast<MessageType>(f.type) == type && f.payload.size() >= 4 &&
          ((uint32_t{f.payload[0]} << 24) | (uint32_t{f.payload[1]} << 16) | (uint32_t{f.payload[2]} << 8) |
           f.payload[3]) == channel)
        return true;
    return false;
  }
  // Channels the relay offered (RELAY_OPEN kind 2) from `from`, in order.
  std::vector<RelayOpen> Offers(const DeviceId& from) const {
    std::vector<RelayOpen> out;
    for (const Frame& f : frames)
      if (static_cast<MessageType>(f.type) == MessageType::kRelayOpen)
        if (auto o = DecodeRelayOpen(f.payload); o && !o->to_relay && o->device == from) out.push_back(*o);
    return out;
  }
  size_t Count(MessageType type) const {
    size_t n = 0;
    for (const Frame& f : frames) n += static_cast<MessageType>(f.type) == type;
    return n;
  }
};

class RelayHostileTest : public MeshFixture {
 protected:
  void SetUp() override {
    MeshFixture::SetUp();
    InitAndImport("a", 1);
    ASSERT_EQ(Hearth("a", "policy set reach=on").exit_code, 0);
    auto a = Serve("a");
    ASSERT_EQ(Join("r", Invite("a", "--role storage")).exit_code, 0);
    ASSERT_EQ(Join("m1", Invite("a", "--role phone")).exit_code, 0);
    ASSERT_EQ(Join("m2", Invite("a", "--role phone")).exit_code, 0);
    // The box learns of both phones before the test runs it alone.
    auto r = Serve("r");
    ASSERT_TRUE(Eventually([&] { return Json("r", "devices").size() == 4; }, std::chrono::seconds(30)));
  }

  bool RunUntil(mesh::asio::io_context& io, const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
    return done();
  }

  // Dials `host`:7601 as the member whose home is `home`; ready when it returns true.
  bool Connect(mesh::asio::io_context& io, mesh::Transport& t, store::Home& home, RawMember& m,
               const std::string& host) {
    std::optional<std::expected<std::unique_ptr<mesh::ByteStream>, mesh::TransportFailure>> dialed;
    t.Dial(host, 7601, std::chrono::seconds(5), [&](auto s) { dialed = std::move(s); });
    if (!RunUntil(io, [&] { return dialed.has_value(); }, std::chrono::seconds(10)) || !*dialed) return false;
    m.conn = mesh::Connection::Create(io, std::move(**dialed), home.device_key(), home.household(),
                                      [](const DeviceId&) { return true; }, /*initiator=*/true);
    m.conn->Start(mesh::Connection::Callbacks{
        .on_ready = [&m] { m.ready = true; },
        .on_frame = [&m](Frame f) { m.frames.push_back(std::move(f)); },
        .on_closed = [&m](const std::string& why) { m.closed = why; },
    });
    return RunUntil(io, [&] { return m.ready; }, std::chrono::seconds(10));
  }
};

TEST_F(RelayHostileTest, TheRelayClosesWhatBreaksTheRulesAndKeepsRelayingForOthers) {
  auto home_a = store::Home::Open(Home("a"));
  auto home_r = store::Home::Open(Home("r"));
  auto home_m1 = store::Home::Open(Home("m1"));
  auto home_m2 = store::Home::Open(Home("m2"));
  ASSERT_TRUE(home_a && home_r && home_m1 && home_m2);
  const DeviceId a_id = home_a->device_id(), m1_id = home_m1->device_id(), m2_id = home_m2->device_id();

  mesh::asio::io_context io;
  mesh::MemoryNetwork net(io);
  auto ta = net.MakeTransport("127.0.0.1");
  auto tr = net.MakeTransport("127.0.0.2");
  auto t1 = net.MakeTransport("127.0.0.3");
  auto t2 = net.MakeTransport("127.0.0.4");
  std::vector<std::string> log_r;
  auto options = [&](mesh::Transport* t, const std::string& host) {
    mesh::MeshOptions o;
    o.listen = host + ":7601";
    o.torrent_listen = host + ":0";
    o.transport = t;
    o.lan = false;
    return o;
  };
  mesh::MeshOptions oa = options(ta.get(), "127.0.0.1");
  mesh::MeshOptions orr = options(tr.get(), "127.0.0.2");
  orr.log = [&](const std::string& line) { log_r.push_back(line); };
  oa.peers = {"127.0.0.2:7601"};
  // The PC starts later: it would ask the box for sessions with m1 and m2.
  mesh::MeshNode a(io, *home_a, oa), r(io, *home_r, orr);
  ASSERT_TRUE(r.Start());

  RawMember m1, m2;
  ASSERT_TRUE(Connect(io, *t1, *home_m1, m1, "127.0.0.2"));
  ASSERT_TRUE(Connect(io, *t2, *home_m2, m2, "127.0.0.2"));
  auto joined = [](const std::vector<std::string>& log) {
    std::string all;
    for (const auto& line : log) all += line + "\n";
    return all;
  };
  ASSERT_TRUE(RunUntil(io, [&] { return r.online_peers() == 2; }, std::chrono::seconds(10))) << joined(log_r);
  auto send = [](RawMember& m, MessageType type, const Bytes& payload) { m.conn->Send(type, payload); };
  // A PING answered: the session is still up and the relay still reads it.
  uint8_t nonce = 0;
  auto answers = [&](RawMember& m) {
    const size_t before = m.Count(MessageType::kPong);
    send(m, MessageType::kPing, Bytes(8, ++nonce));
    return RunUntil(io, [&] { return m.Count(MessageType::kPong) > before; }, std::chrono::seconds(10));
  };

  // Frames on channels the relay does not know are dropped; nothing closes.
  send(m1, MessageType::kRelayData, EncodeRelayData(1001, Bytes(100, 7)));
  send(m1, MessageType::kRelayAck, EncodeRelayAck(RelayAck{1003, 4096}));
  send(m1, MessageType::kRelayClose, EncodeRelayClose(RelayClose{1005, RelayCloseCode::kEnded, "bye"}));
  send(m1, MessageType::kRelayAccept, EncodeRelayChannel(1007));
  EXPECT_TRUE(answers(m1));
  EXPECT_FALSE(m1.closed);
  EXPECT_EQ(m1.Count(MessageType::kRelayClose), 0u);

  // An id from the relay's half (m1 dialed, so its ids are odd; the box's
  // own asks for the PC through m1 take small even ones).
  constexpr uint32_t kEven = 2'000'000;
  send(m1, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{kEven, true, m2_id}));
  ASSERT_TRUE(RunUntil(io, [&] { return !m1.ClosesOf(kEven).empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(m1.ClosesOf(kEven)[0].code, RelayCloseCode::kBroken);
  EXPECT_TRUE(m2.Offers(m1_id).empty());

  // A channel to m2 that m1 floods past the window, m2 never acking: the
  // relay closes both halves at the window, whatever comes after.
  send(m1, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{1, true, m2_id}));
  ASSERT_TRUE(RunUntil(io, [&] { return m2.Offers(m1_id).size() == 1; }, std::chrono::seconds(10)));
  const uint32_t at_m2 = m2.Offers(m1_id)[0].channel;
  send(m2, MessageType::kRelayAccept, EncodeRelayChannel(at_m2));
  ASSERT_TRUE(RunUntil(io, [&] { return m1.Got(MessageType::kRelayAccept, 1); }, std::chrono::seconds(10)));
  EXPECT_EQ(r.relayed_for_others(), 1u);
  const Bytes chunk(kMaxRelayChunk, 0x5a);
  for (size_t sent = 0; sent < 2 * kRelayWindow; sent += chunk.size())
    send(m1, MessageType::kRelayData, EncodeRelayData(1, chunk));
  ASSERT_TRUE(RunUntil(io, [&] { return !m1.ClosesOf(1).empty() && !m2.ClosesOf(at_m2).empty(); },
                       std::chrono::seconds(20)));
  EXPECT_EQ(m1.ClosesOf(1)[0].code, RelayCloseCode::kBroken);
  EXPECT_EQ(m2.ClosesOf(at_m2)[0].code, RelayCloseCode::kBroken);
  EXPECT_LE(r.bytes_relayed_for_others(), uint64_t{kRelayWindow}) << "no byte past the window reached m2";
  EXPECT_EQ(r.relayed_for_others(), 0u);
  EXPECT_TRUE(answers(m1)) << "the channel closed, not the session";

  // An ack for data never sent.
  send(m1, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{3, true, m2_id}));
  ASSERT_TRUE(RunUntil(io, [&] { return m2.Offers(m1_id).size() == 2; }, std::chrono::seconds(10)));
  const uint32_t at_m2_b = m2.Offers(m1_id)[1].channel;
  send(m2, MessageType::kRelayAccept, EncodeRelayChannel(at_m2_b));
  ASSERT_TRUE(RunUntil(io, [&] { return m1.Got(MessageType::kRelayAccept, 3); }, std::chrono::seconds(10)));
  send(m1, MessageType::kRelayAck, EncodeRelayAck(RelayAck{3, 1 << 20}));
  ASSERT_TRUE(RunUntil(io, [&] { return !m1.ClosesOf(3).empty() && !m2.ClosesOf(at_m2_b).empty(); },
                       std::chrono::seconds(10)));
  EXPECT_EQ(m1.ClosesOf(3)[0].code, RelayCloseCode::kBroken);
  EXPECT_EQ(r.relayed_for_others(), 0u);

  // A flood of opens: the relay carries a few for one device, refuses the rest.
  const size_t offers_before = m2.Offers(m1_id).size();
  constexpr uint32_t kOpens = 20;
  for (uint32_t i = 0; i < kOpens; ++i)
    send(m1, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{101 + 2 * i, true, m2_id}));
  ASSERT_TRUE(RunUntil(io, [&] { return m1.ClosesOf(101 + 2 * (kOpens - 1)).size() == 1; }, std::chrono::seconds(10)));
  size_t refused = 0;
  for (uint32_t i = 0; i < kOpens; ++i) {
    auto closes = m1.ClosesOf(101 + 2 * i);
    if (closes.empty()) continue;
    EXPECT_EQ(closes[0].code, RelayCloseCode::kRefused);
    ++refused;
  }
  EXPECT_EQ(refused, kOpens - 8);
  EXPECT_EQ(m2.Offers(m1_id).size() - offers_before, 8u);
  EXPECT_EQ(r.relayed_for_others(), 8u);
  for (uint32_t i = 0; i < kOpens; ++i)
    send(m1, MessageType::kRelayClose, EncodeRelayClose(RelayClose{101 + 2 * i, RelayCloseCode::kEnded, "done"}));
  EXPECT_TRUE(RunUntil(io, [&] { return r.relayed_for_others() == 0; }, std::chrono::seconds(10)));

  // A forged relayed session: m1 tells the PC that m2 opens a channel to it,
  // then sends bytes that are no handshake. The PC accepts the channel
  // (m2 is a member), its handshake fails, and it closes the channel.
  // A channel "from" a device that is no member is refused outright.
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(RunUntil(io, [&] { return a.online_peers() == 1; }, std::chrono::seconds(20)));
  RawMember fake;
  ASSERT_TRUE(Connect(io, *t1, *home_m1, fake, "127.0.0.1"));
  ASSERT_TRUE(RunUntil(io, [&] { return a.online_peers() == 2; }, std::chrono::seconds(10)));
  DeviceId stranger;
  stranger.bytes.fill(0x42);
  send(fake, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{7, false, stranger}));
  ASSERT_TRUE(RunUntil(io, [&] { return !fake.ClosesOf(7).empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(fake.ClosesOf(7)[0].code, RelayCloseCode::kRefused);
  send(fake, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{9, false, m2_id}));
  ASSERT_TRUE(RunUntil(io, [&] { return fake.Got(MessageType::kRelayAccept, 9); }, std::chrono::seconds(10)));
  send(fake, MessageType::kRelayData, EncodeRelayData(9, Bytes(512, 0xee)));
  ASSERT_TRUE(RunUntil(io, [&] { return !fake.ClosesOf(9).empty(); }, std::chrono::seconds(15)));
  EXPECT_TRUE(answers(fake));
  EXPECT_EQ(a.online_peers(), 2u) << "the PC kept its sessions";

  // Malformed relay frames and PUNCHes cut the sender's session, nobody else's.
  send(m1, MessageType::kRelayOpen, Bytes{1, 2, 3});
  send(m2, MessageType::kPunch, Bytes{9});
  ASSERT_TRUE(RunUntil(io, [&] { return m1.closed && m2.closed; }, std::chrono::seconds(10)));
  EXPECT_TRUE(RunUntil(io, [&] { return r.online_peers() == 1; }, std::chrono::seconds(10))) << "only the PC";
  bool logged = false;
  for (const auto& line : log_r) logged = logged || line.find("relay: closed a channel from m1") != std::string::npos;
  EXPECT_TRUE(logged);

  // The box still relays for the PC: m2 (honest now) asks for a channel to a.
  RawMember again;
  ASSERT_TRUE(Connect(io, *t2, *home_m2, again, "127.0.0.2"));
  send(again, MessageType::kRelayOpen, EncodeRelayOpen(RelayOpen{1, true, a_id}));
  EXPECT_TRUE(RunUntil(io, [&] { return again.Got(MessageType::kRelayAccept, 1); }, std::chrono::seconds(10)));

  for (RawMember* m : {&m1, &m2, &fake, &again}) m->conn->Close("test over");
  a.Stop();
  r.Stop();
  io.run_for(std::chrono::milliseconds(200));
}

// A channel's end holds the window itself, whatever the relay let through.
TEST(RelayChannelTest, AnEndClosesOnDataPastTheWindowAndOnAnAckPastWhatItSent) {
  mesh::asio::io_context io;
  DeviceId via;
  via.bytes.fill(1);
  int ended = 0;
  auto channel = std::make_shared<mesh::RelayChannel>(io, std::weak_ptr<mesh::Connection>{}, 1, via, [&] { ++ended; });
  const Bytes chunk(kMaxRelayChunk, 1);
  for (size_t n = 0; n < kRelayWindow; n += chunk.size()) ASSERT_TRUE(channel->OnData(chunk));
  EXPECT_FALSE(channel->OnData(Bytes(1, 1))) << "a byte past the window";
  EXPECT_FALSE(channel->OnAck(1)) << "nothing was sent, so nothing can be acked";
  EXPECT_EQ(ended, 0) << "the caller ends it";
  channel->End(RelayCloseCode::kBroken, "test");
  EXPECT_EQ(ended, 1);
}

}  // namespace
}  // namespace hearth::testing

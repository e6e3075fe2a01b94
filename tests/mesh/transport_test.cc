// Transports: in-memory pipes and TCP behave alike under the ByteStream
// contract, and a mesh session (handshake, frames, closing) runs over either.
#include "node/mesh/transport.h"

#include <gtest/gtest.h>

#include "node/mesh/connection.h"
#include "node/mesh/memory_transport.h"
#include "tests/support/test_household.h"

namespace hearth::mesh {
namespace {

using Result = std::expected<size_t, TransportFailure>;

// Runs `io` until `done` or 10 s of wall time (a deadline, not a sleep).
template <typename Pred>
bool RunUntil(asio::io_context& io, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_for(std::chrono::milliseconds(50)) == 0) io.restart();
  }
  return done();
}

TEST(MemoryPipeTest, BytesArriveInOrderAndAnEndedStreamSaysSo) {
  asio::io_context io;
  auto [a, b] = MemoryNetwork::Pipe(io, "10.0.0.1", 5000, "10.0.0.2", 7601);
  EXPECT_EQ(a->remote_host(), "10.0.0.2");
  EXPECT_EQ(b->remote_port(), 5000);
  std::string got;
  std::array<char, 3> buf{};
  std::optional<TransportFailure> end;
  std::function<void()> read = [&] {
    b->ReadSome(asio::buffer(buf), [&](Result r) {
      if (!r) return void(end = r.error());
      got.append(buf.data(), *r);
      read();
    });
  };
  read();
  bool wrote = false;
  const std::string text = "hello, household";
  a->Write(asio::buffer(text), [&](Result r) { wrote = r.has_value() && *r == text.size(); });
  ASSERT_TRUE(RunUntil(io, [&] { return got == text; }));
  EXPECT_TRUE(wrote);
  a->Close();
  ASSERT_TRUE(RunUntil(io, [&] { return end.has_value(); }));
  EXPECT_EQ(end->error, TransportError::kClosed);
  // Writing to a closed stream fails; reading from it says aborted.
  std::optional<Result> late;
  b->Write(asio::buffer(text), [&](Result r) { late = r; });
  ASSERT_TRUE(RunUntil(io, [&] { return late.has_value(); }));
  ASSERT_FALSE(late->has_value());
  EXPECT_EQ(late->error().error, TransportError::kClosed);
}

TEST(MemoryPipeTest, ClosingWithAReadPendingAbortsIt) {
  asio::io_context io;
  auto [a, b] = MemoryNetwork::Pipe(io, "10.0.0.1", 1, "10.0.0.2", 2);
  std::array<char, 8> buf{};
  std::optional<Result> r;
  a->ReadSome(asio::buffer(buf), [&](Result x) { r = x; });
  EXPECT_FALSE(r.has_value());  // never inside the call
  a->Close();
  ASSERT_TRUE(RunUntil(io, [&] { return r.has_value(); }));
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error().error, TransportError::kAborted);
}

TEST(MemoryTransportTest, DialsReachListenersAndNobodyElse) {
  asio::io_context io;
  MemoryNetwork net(io);
  auto server = net.MakeTransport("10.0.0.2");
  auto client = net.MakeTransport("10.0.0.1");
  std::unique_ptr<ByteStream> accepted;
  ASSERT_TRUE(server->Listen("10.0.0.2", 7601, [&](std::unique_ptr<ByteStream> s) { accepted = std::move(s); }));
  EXPECT_EQ(server->listening_port(), 7601);
  auto taken = net.MakeTransport("10.0.0.3")->Listen("10.0.0.2", 7601, [](auto) {});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().error, TransportError::kInUse);

  std::optional<std::expected<std::unique_ptr<ByteStream>, TransportFailure>> dialed, refused;
  client->Dial("10.0.0.2", 7601, std::chrono::seconds(1), [&](auto s) { dialed = std::move(s); });
  client->Dial("10.0.0.9", 7601, std::chrono::seconds(1), [&](auto s) { refused = std::move(s); });
  ASSERT_TRUE(RunUntil(io, [&] { return dialed && refused && accepted; }));
  ASSERT_TRUE(dialed->has_value());
  EXPECT_EQ(accepted->remote_host(), "10.0.0.1");
  EXPECT_EQ((**dialed)->remote_host(), "10.0.0.2");
  ASSERT_FALSE(refused->has_value());
  EXPECT_EQ(refused->error().error, TransportError::kRefused);
}

TEST(TcpTransportTest, ListensDialsAndReportsARefusal) {
  asio::io_context io;
  TcpTransport server(io), client(io);
  std::unique_ptr<ByteStream> accepted;
  ASSERT_TRUE(server.Listen("127.0.0.1", 0, [&](std::unique_ptr<ByteStream> s) { accepted = std::move(s); }));
  const uint16_t port = server.listening_port();
  ASSERT_NE(port, 0);
  std::optional<std::expected<std::unique_ptr<ByteStream>, TransportFailure>> dialed;
  client.Dial("127.0.0.1", port, std::chrono::seconds(5), [&](auto s) { dialed = std::move(s); });
  ASSERT_TRUE(RunUntil(io, [&] { return dialed && accepted; }));
  ASSERT_TRUE(dialed->has_value());
  EXPECT_EQ(accepted->remote_host(), "127.0.0.1");

  std::array<char, 4> buf{};
  std::optional<Result> read;
  ReadExactly(*accepted, asio::buffer(buf), [&](Result r) { read = r; });
  // One write at a time, each buffer alive until its write is done.
  const std::string ab = "ab", cd = "cd";
  ByteStream& out = ***dialed;
  out.Write(asio::buffer(ab), [&](Result r) {
    if (r) out.Write(asio::buffer(cd), [](Result) {});
  });
  ASSERT_TRUE(RunUntil(io, [&] { return read.has_value(); }));
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(std::string(buf.data(), 4), "abcd");

  server.StopListening();
  std::optional<std::expected<std::unique_ptr<ByteStream>, TransportFailure>> refused;
  client.Dial("127.0.0.1", port, std::chrono::seconds(5), [&](auto s) { refused = std::move(s); });
  ASSERT_TRUE(RunUntil(io, [&] { return refused.has_value(); }));
  ASSERT_FALSE(refused->has_value());
  EXPECT_EQ(refused->error().error, TransportError::kRefused);
  std::optional<std::expected<std::unique_ptr<ByteStream>, TransportFailure>> bad;
  client.Dial("not-an-address", port, std::chrono::seconds(5), [&](auto s) { bad = std::move(s); });
  ASSERT_TRUE(RunUntil(io, [&] { return bad.has_value(); }));
  EXPECT_EQ(bad->error().error, TransportError::kBadAddress);
}

TEST(TcpTransportTest, ASecondListenerOnATakenPortIsRefused) {
  // The listener sets SO_REUSEPORT (for hole punches); another process or
  // transport must still not share its port.
  asio::io_context io;
  TcpTransport first(io), second(io);
  ASSERT_TRUE(first.Listen("127.0.0.1", 0, [](std::unique_ptr<ByteStream>) {}));
  auto again = second.Listen("127.0.0.1", first.listening_port(), [](std::unique_ptr<ByteStream>) {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().error, TransportError::kInUse) << again.error().Message();
}

// Two transports dial each other at once, each from its listening port: one
// TCP connection opens between the two ports (both connects succeed, or one
// side's listener takes the other's SYN), and bytes cross it.
TEST(TcpTransportTest, TwoPunchesFromTheListeningPortsOpenOneConnection) {
  asio::io_context io;
  TcpTransport a(io), b(io);
  std::vector<std::unique_ptr<ByteStream>> streams_a, streams_b;
  ASSERT_TRUE(a.Listen("127.0.0.1", 0, [&](std::unique_ptr<ByteStream> s) { streams_a.push_back(std::move(s)); }));
  ASSERT_TRUE(b.Listen("127.0.0.2", 0, [&](std::unique_ptr<ByteStream> s) { streams_b.push_back(std::move(s)); }));
  int answers = 0;
  a.Punch("127.0.0.2", b.listening_port(), std::chrono::seconds(5), [&](auto s) {
    ++answers;
    if (s) streams_a.push_back(std::move(*s));
  });
  b.Punch("127.0.0.1", a.listening_port(), std::chrono::seconds(5), [&](auto s) {
    ++answers;
    if (s) streams_b.push_back(std::move(*s));
  });
  ASSERT_TRUE(RunUntil(io, [&] { return answers == 2 && !streams_a.empty() && !streams_b.empty(); }));
  ASSERT_EQ(streams_a.size(), 1u);
  ASSERT_EQ(streams_b.size(), 1u);
  EXPECT_EQ(streams_a[0]->remote_port(), b.listening_port()) << "from b's listening port";
  EXPECT_EQ(streams_b[0]->remote_port(), a.listening_port()) << "from a's listening port";
  std::array<char, 2> buf{};
  std::optional<Result> read;
  ReadExactly(*streams_b[0], asio::buffer(buf), [&](Result r) { read = r; });
  const std::string hi = "hi";
  streams_a[0]->Write(asio::buffer(hi), [](Result) {});
  ASSERT_TRUE(RunUntil(io, [&] { return read.has_value(); }));
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(std::string(buf.data(), 2), "hi");
}

// Two devices of one household over an in-memory pipe.
class SessionOverMemoryTest : public ::testing::Test {
 protected:
  SessionOverMemoryTest()
      : pc_(testing::KeyFor(1)), laptop_(testing::KeyFor(2)), household_(testing::HouseholdOf(pc_)) {}

  struct End {
    std::shared_ptr<Connection> conn;
    bool ready = false;
    std::vector<Frame> frames;
    std::optional<std::string> closed;
  };
  void Start(End& end, std::unique_ptr<ByteStream> stream, const crypto::DeviceKey& me, bool initiator) {
    end.conn = Connection::Create(io_, std::move(stream), me, household_, [](const DeviceId&) { return true; },
                                  initiator);
    end.conn->Start(Connection::Callbacks{
        .on_ready = [&end] { end.ready = true; },
        .on_frame = [&end](Frame f) { end.frames.push_back(std::move(f)); },
        .on_closed = [&end](const std::string& why) { end.closed = why; },
    });
  }

  asio::io_context io_;
  crypto::DeviceKey pc_, laptop_;
  HouseholdId household_;
};

TEST_F(SessionOverMemoryTest, HandshakeFramesAndClosingRunOverAPipe) {
  auto [a, b] = MemoryNetwork::Pipe(io_, "10.0.0.1", 40000, "10.0.0.2", 7601);
  End laptop, pc;
  Start(laptop, std::move(a), laptop_, true);
  Start(pc, std::move(b), pc_, false);
  ASSERT_TRUE(RunUntil(io_, [&] { return laptop.ready && pc.ready; }));
  EXPECT_EQ(pc.conn->peer(), testing::IdOf(laptop_));
  EXPECT_EQ(laptop.conn->peer(), testing::IdOf(pc_));
  EXPECT_EQ(pc.conn->remote_host(), "10.0.0.1");
  for (uint8_t i = 0; i < 50; ++i) laptop.conn->Send(MessageType::kPing, Bytes(8, i));
  pc.conn->Send(MessageType::kPong, Bytes(8, 9));
  ASSERT_TRUE(RunUntil(io_, [&] { return pc.frames.size() == 50 && laptop.frames.size() == 1; }));
  for (uint8_t i = 0; i < 50; ++i) EXPECT_EQ(pc.frames[i].payload, Bytes(8, i));
  laptop.conn->Close("done");
  ASSERT_TRUE(RunUntil(io_, [&] { return pc.closed.has_value(); }));
  EXPECT_EQ(*pc.closed, "peer closed the connection");
  EXPECT_EQ(laptop.closed, "done");
}

TEST_F(SessionOverMemoryTest, GarbageInsteadOfAHandshakeIsRefused) {
  auto [a, b] = MemoryNetwork::Pipe(io_, "10.0.0.1", 40000, "10.0.0.2", 7601);
  End pc;
  Start(pc, std::move(b), pc_, false);
  const Bytes garbage(69, 0xAB);  // the size of a first handshake message
  a->Write(asio::buffer(garbage), [](Result) {});
  ASSERT_TRUE(RunUntil(io_, [&] { return pc.closed.has_value(); }));
  EXPECT_FALSE(pc.ready);
  EXPECT_NE(pc.closed->find("handshake refused"), std::string::npos) << *pc.closed;
}

TEST_F(SessionOverMemoryTest, AStreamCutMidHandshakeEndsTheSessionWithAReason) {
  auto [a, b] = MemoryNetwork::Pipe(io_, "10.0.0.1", 40000, "10.0.0.2", 7601);
  End pc;
  Start(pc, std::move(b), pc_, false);
  a->Write(asio::buffer(Bytes(20, 1)), [](Result) {});
  a->Close();
  ASSERT_TRUE(RunUntil(io_, [&] { return pc.closed.has_value(); }));
  EXPECT_EQ(*pc.closed, "peer hung up during the handshake");
}

}  // namespace
}  // namespace hearth::mesh

// DispatchMemberMessage: every member message reaches the one MeshModel
// method it names, decoded to what was sent; a malformed or truncated one
// reaches none and says why; session-level and unknown types are the
// caller's.
#include "protocol/mesh_model.h"

#include <gtest/gtest.h>

#include <functional>

namespace hearth {
namespace {

// Each call re-encodes what it got, so the test compares with what was sent.
struct Recorder : MeshModel {
  struct Call {
    std::string method;
    DeviceId from;
    Bytes reencoded;
  };
  std::vector<Call> calls;
  void Add(const char* m, const DeviceId& f, Bytes b = {}) { calls.push_back({m, f, std::move(b)}); }

  void OnHello(const DeviceId& f, const Hello& h) override { Add("hello", f, EncodeHello(h)); }
  void OnEntries(const DeviceId& f, std::vector<Bytes> e) override { Add("entries", f, EncodeEntryBatches(e).at(0)); }
  void OnSynced(const DeviceId& f) override { Add("synced", f); }
  void OnPeers(const DeviceId& f, std::vector<PeerAddress> p) override { Add("peers", f, EncodePeers(p)); }
  void OnSwarmToken(const DeviceId& f, const std::array<uint8_t, 32>& t) override {
    Add("token", f, EncodeSwarmToken(t));
  }
  void OnHave(const DeviceId& f, Have h) override { Add("have", f, EncodeHave(h)); }
  void OnTorrentRequest(const DeviceId& f, const BlobId& b) override { Add("torrent_request", f, EncodeTorrentRequest(b)); }
  void OnTorrent(const DeviceId& f, TorrentReply r) override { Add("torrent", f, EncodeTorrentReply(r)); }
  void OnRead(const DeviceId& f, const ReadRequest& r) override { Add("read", f, EncodeRead(r)); }
  void OnData(const DeviceId& f, ChunkData d) override { Add("data", f, EncodeData(d)); }
  void OnState(const DeviceId& f, const std::expected<DeviceState, std::string>& s) override {
    Add(s ? "state" : "bad_state", f, s ? EncodeDeviceState(*s) : Bytes{});
  }
  void OnProve(const DeviceId& f, const ProveRequest& p) override { Add("prove", f, EncodeProve(p)); }
  void OnProof(const DeviceId& f, const ProofReply& p) override { Add("proof", f, EncodeProof(p)); }
  void OnListenerHeads(const DeviceId& f, const ListenerHeads& h) override {
    Add("listener_heads", f, EncodeListenerHeads(h));
  }
  void OnListenerEvents(const DeviceId& f, std::vector<ListenerEvent> e) override {
    std::vector<Bytes> encoded;
    for (const auto& x : e) encoded.push_back(EncodeListenerEvent(x));
    Add("listener_events", f, EncodeListenerEvents(encoded));
  }
  void OnStreams(const DeviceId& f, std::vector<StreamSlot> s) override { Add("streams", f, EncodeStreams(s)); }
};

struct Sample {
  MessageType type;
  const char* method;
  Bytes payload;
};

std::vector<Sample> Samples() {
  BlobId blob;
  blob.bytes.fill(0x42);
  DeviceId other;
  other.bytes.fill(0x17);
  Hello hello;
  hello.control_port = 7601;
  hello.torrent_port = 7602;
  hello.heads.push_back(AuthorHead{other, 9, EntryId{}});
  InviteAddress addr;
  addr.ip[0] = 127;
  addr.ip[3] = 1;
  addr.port = 7601;
  TorrentReply reply{blob, Bytes{1, 2, 3}};
  ChunkData data{blob, 3, Bytes(100, 7)};
  ProveRequest prove{blob, 5, {}};
  prove.nonce.fill(3);
  ProofReply proof{blob, 5, prove.nonce, Possession::kHoldsAndKeeps, {}};
  proof.digest.fill(8);
  ListenerEvent event;
  event.kind = ListenerKind::kPlay;
  event.user = "ana";
  event.origin = other;
  event.seq = 4;
  event.at_us = 1'700'000'000'000'000;
  return {
      {MessageType::kHello, "hello", EncodeHello(hello)},
      {MessageType::kEntries, "entries", EncodeEntryBatches({Bytes{9, 9, 9}, Bytes{8}}).at(0)},
      {MessageType::kPeers, "peers", EncodePeers({PeerAddress{other, addr}})},
      {MessageType::kSwarmToken, "token", EncodeSwarmToken(std::array<uint8_t, 32>{1, 2, 3})},
      {MessageType::kHave, "have", EncodeHave(Have{true, {blob}})},
      {MessageType::kTorrentRequest, "torrent_request", EncodeTorrentRequest(blob)},
      {MessageType::kTorrent, "torrent", EncodeTorrentReply(reply)},
      {MessageType::kRead, "read", EncodeRead(ReadRequest{blob, 2, 4})},
      {MessageType::kData, "data", EncodeData(data)},
      {MessageType::kState, "state", EncodeDeviceState(DeviceState{800, false, 1000, 5000})},
      {MessageType::kProve, "prove", EncodeProve(prove)},
      {MessageType::kProof, "proof", EncodeProof(proof)},
      {MessageType::kListenerHeads, "listener_heads", EncodeListenerHeads({{other, 4}})},
      {MessageType::kListenerEvents, "listener_events", EncodeListenerEvents({EncodeListenerEvent(event)})},
      {MessageType::kStreams, "streams", EncodeStreams({StreamSlot{TrackId{}, 180'000}})},
  };
}

DeviceId From() {
  DeviceId d;
  d.bytes.fill(0xab);
  return d;
}

TEST(MeshModel, EveryMemberMessageReachesItsOneMethodAsSent) {
  for (const Sample& s : Samples()) {
    Recorder model;
    auto r = DispatchMemberMessage(model, From(), static_cast<uint8_t>(s.type), s.payload);
    ASSERT_TRUE(r) << s.method << ": " << r.error().detail;
    EXPECT_EQ(*r, Dispatched::kDelivered);
    ASSERT_EQ(model.calls.size(), 1u) << s.method;
    EXPECT_EQ(model.calls[0].method, s.method);
    EXPECT_EQ(model.calls[0].from, From());
    EXPECT_EQ(model.calls[0].reencoded, s.payload) << s.method;
  }
  Recorder model;
  ASSERT_TRUE(DispatchMemberMessage(model, From(), static_cast<uint8_t>(MessageType::kSynced), {}));
  ASSERT_EQ(model.calls.size(), 1u);
  EXPECT_EQ(model.calls[0].method, "synced");
}

TEST(MeshModel, ATruncatedMessageReachesNoMethodAndSaysWhy) {
  for (const Sample& s : Samples()) {
    for (size_t n = 0; n < s.payload.size(); ++n) {
      Recorder model;
      auto r = DispatchMemberMessage(model, From(), static_cast<uint8_t>(s.type), ByteSpan(s.payload.data(), n));
      if (s.type == MessageType::kState) {
        // A STATE that cannot be read is passed on as such: the session goes on.
        ASSERT_TRUE(r);
        ASSERT_EQ(model.calls.size(), 1u);
        EXPECT_EQ(model.calls[0].method, "bad_state");
        continue;
      }
      if (r) {
        // A prefix that is itself a valid message (say a HAVE with fewer ids) is
        // delivered as that message, never as the longer one.
        ASSERT_EQ(model.calls.size(), 1u);
        EXPECT_NE(model.calls[0].reencoded, s.payload) << s.method << " cut to " << n;
        continue;
      }
      EXPECT_EQ(r.error().code, DispatchErrc::kMalformed) << s.method;
      EXPECT_FALSE(r.error().detail.empty()) << s.method;
      EXPECT_TRUE(model.calls.empty()) << s.method << " cut to " << n;
    }
  }
}

TEST(MeshModel, AHelloOfAnotherVersionIsRefusedAsSuch) {
  Hello h;
  h.version = 2;
  Recorder model;
  auto r = DispatchMemberMessage(model, From(), static_cast<uint8_t>(MessageType::kHello), EncodeHello(h));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DispatchErrc::kUnsupportedVersion);
  EXPECT_NE(r.error().detail.find("version 2"), std::string::npos) << r.error().detail;
  EXPECT_TRUE(model.calls.empty());
}

TEST(MeshModel, SessionAndUnknownTypesAreTheCallers) {
  for (MessageType t : {MessageType::kPing, MessageType::kPong, MessageType::kError, MessageType::kJoin,
                        MessageType::kWelcome}) {
    Recorder model;
    auto r = DispatchMemberMessage(model, From(), static_cast<uint8_t>(t), Bytes{1, 2, 3});
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, Dispatched::kNotForModel) << static_cast<int>(t);
    EXPECT_TRUE(model.calls.empty());
  }
  Recorder model;
  auto r = DispatchMemberMessage(model, From(), 200, Bytes{1, 2, 3});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Dispatched::kUnknownType);
  EXPECT_TRUE(model.calls.empty());
}

}  // namespace
}  // namespace hearth

// Fuzzes the mesh wire code a peer controls: a responder fed an arbitrary
// M1 and then an arbitrary M3, and a frame reader fed arbitrary bytes.
// Nothing may crash, and every refusal must be explained.
#include <cstdlib>

#include "protocol/frame_codec.h"
#include "protocol/handshake.h"
#include "protocol/listener_events.h"
#include "protocol/mesh_messages.h"
#include "protocol/pairing.h"
#include "protocol/placement_messages.h"
#include "protocol/sync_messages.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/test_household.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  static const crypto::DeviceKey me = testing::KeyFor(2);
  static const HouseholdId household = testing::HouseholdOf(testing::KeyFor(1));
  auto records = fuzz::SplitRecords(data, size);
  if (records.empty()) return 0;

  Handshake resp = Handshake::Respond(me, household,
                                      crypto::EphemeralKey::FromSeed(crypto::Secret<32>::Random()),
                                      [](const DeviceId&) { return true; });
  for (size_t i = 0; i < records.size() && i < 2; ++i) {
    auto r = resp.Receive(records[i]);
    if (!r) {
      if (r.error().detail.empty()) std::abort();
      break;
    }
  }
  static const crypto::Secret<32> key{std::span<const uint8_t, 32>(household.bytes)};
  FrameReader reader(key);
  for (size_t i = 2; i < records.size(); ++i) {
    auto frames = reader.Feed(records[i]);
    if (!frames) {
      if (frames.error().detail.empty()) std::abort();
      break;
    }
    // Payloads as the messages they claim to be; a decoded HELLO re-encodes
    // to the same bytes.
    for (const Frame& f : *frames) {
      if (f.type == static_cast<uint8_t>(MessageType::kHello)) {
        auto hello = DecodeHello(f.payload);
        if (hello && EncodeHello(*hello) != f.payload) std::abort();
      } else if (f.type == static_cast<uint8_t>(MessageType::kEntries)) {
        (void)DecodeEntryBatch(f.payload);
      } else if (f.type == static_cast<uint8_t>(MessageType::kError)) {
        (void)DecodeError(f.payload);
      } else {
        // Every other message: what decodes re-encodes to the same bytes.
        auto same = [&](const auto& decoded, auto encode) {
          if (decoded && encode(*decoded) != f.payload) std::abort();
        };
        same(DecodeJoin(f.payload), EncodeJoin);
        same(DecodeWelcome(f.payload), EncodeWelcome);
        same(DecodeHave(f.payload), EncodeHave);
        same(DecodeTorrentReply(f.payload), EncodeTorrentReply);
        same(DecodePeers(f.payload), EncodePeers);
        same(DecodeTorrentRequest(f.payload), EncodeTorrentRequest);
        same(DecodeListenerHeads(f.payload), EncodeListenerHeads);
        same(DecodeDeviceState(f.payload), EncodeDeviceState);
        same(DecodeProve(f.payload), EncodeProve);
        same(DecodeProof(f.payload), EncodeProof);
        same(DecodeListenerEvent(f.payload), EncodeListenerEvent);
        if (auto events = DecodeListenerEvents(f.payload)) {
          std::vector<Bytes> encoded;
          for (const auto& e : *events) encoded.push_back(EncodeListenerEvent(e));
          if (DecodeListenerEvents(EncodeListenerEvents(encoded)) != events) std::abort();
        }
        // The same bytes as an invite code's text.
        std::string text(f.payload.begin(), f.payload.end());
        if (auto code = DecodeInviteCode(text); code && DecodeInviteCode(EncodeInviteCode(*code)) != code) std::abort();
      }
    }
  }
  return 0;
}

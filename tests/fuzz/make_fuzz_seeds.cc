// Writes seed inputs for the fuzz targets into DIR/ledger_entry,
// DIR/ledger_verify, DIR/mesh and DIR/http. Run once; the output is committed
// as the corpus.
//   make_fuzz_seeds tests/fuzz/corpus
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "protocol/frame_codec.h"
#include "protocol/handshake.h"
#include "protocol/sync_messages.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/test_household.h"

namespace {

void Write(const std::filesystem::path& p, hearth::ByteSpan b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hearth;
  using namespace hearth::testing;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  std::filesystem::path root = argv[1];
  std::filesystem::create_directories(root / "ledger_entry");
  std::filesystem::create_directories(root / "ledger_verify");

  auto a = KeyFor(1), b = KeyFor(2), c = KeyFor(3);
  Replica ra(HouseholdOf(a)), rb(HouseholdOf(a));
  ra.Write(a, MakeGenesisBody(), 1);
  ra.Write(a, MakeAdd(b, Role::kFull, true, "laptop"), 2);
  ra.Write(a, MakeAdd(c, Role::kPhone, false, "phone"), 3);
  rb.SyncFrom(ra);
  SignedEntry claim = ra.Write(a, MakeClaim(1), 4);
  rb.Write(b, MakeClaim(2), 5);
  ra.Write(a, PolicySet{2, 3, {{IdOf(c), 1000000}}}, 6);
  ra.SyncFrom(rb);
  ra.Write(b, TrackRelease{claim.id}, 7);
  ra.Write(c, MakeAdd(KeyFor(4)), 8);  // not admin: kept without effect
  Entry fork = rb.ledger.NextEntry(IdOf(b), MakeClaim(3), 9);
  SignedEntry one = SignEntry(fork, b);
  fork.body = MakeClaim(4);
  SignedEntry two = SignEntry(fork, b);
  ra.Deliver(one);
  ra.Deliver(two);  // equivocation
  ra.Write(a, DeviceRevoke{IdOf(c), "lost"}, 10);

  Bytes all;
  for (size_t i = 0; i < ra.log.size(); ++i) {
    Write(root / "ledger_entry" / ("entry-" + std::to_string(i)), ra.log[i].bytes);
    fuzz::AppendRecord(all, ra.log[i].bytes);
  }
  Write(root / "ledger_verify" / "whole-ledger", all);
  Bytes prefix;
  for (size_t i = 0; i < 5; ++i) fuzz::AppendRecord(prefix, ra.log[i].bytes);
  Write(root / "ledger_verify" / "first-five", prefix);
  // Mesh: a real M1 and M3 (for the household of key 1, to device 2), then
  // frames under the fuzz target's fixed key.
  std::filesystem::create_directories(root / "mesh");
  auto all_members = [](const DeviceId&) { return true; };
  auto [init, m1] = Handshake::Initiate(a, ra.ledger.household(), crypto::EphemeralKey::Generate(), all_members);
  Handshake resp = Handshake::Respond(b, ra.ledger.household(), crypto::EphemeralKey::Generate(), all_members);
  Bytes m3 = init.Receive(resp.Receive(m1).value()).value();
  crypto::Secret<32> frame_key{std::span<const uint8_t, 32>(ra.ledger.household().bytes)};
  FrameWriter writer(frame_key);
  Bytes mesh;
  fuzz::AppendRecord(mesh, m1);
  fuzz::AppendRecord(mesh, m3);
  fuzz::AppendRecord(mesh, writer.Encode(1, EncodeHello(Hello{1, 7601, 7602, ra.ledger.Heads()})));
  std::vector<Bytes> some;
  for (size_t i = 0; i < 4; ++i) some.push_back(ra.log[i].bytes);
  fuzz::AppendRecord(mesh, writer.Encode(2, EncodeEntryBatches(some).at(0)));
  fuzz::AppendRecord(mesh, writer.Encode(15, EncodeError(1, "no")));
  Write(root / "mesh" / "handshake-and-frames", mesh);
  // HTTP: target, form body, Range header, body size (8 bytes), free text.
  std::filesystem::create_directories(root / "http");
  auto text = [](std::string_view s) { return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  const uint8_t size_1m[8] = {0, 0, 0, 0, 0, 0x10, 0, 0};
  const std::vector<std::array<std::string_view, 3>> http = {
      {"/rest/scrobble.view?u=alice&p=enc:733363726574&id=ab&time=1764500000000&f=json", "submission=true",
       "bytes=0-99"},
      {"/api/v1/search?q=%ff%fe+caf%C3%A9&limit=99999999999999999999", "user=a&password=b+c%20d", "bytes=-500"},
      {"/rest/updatePlaylist?playlistId=pl-1&songIndexToRemove=-1&songIdToAdd=x&songIdToAdd=y", "",
       "bytes=100-,200-300"},
      {"/a/%2e%2e/b?x=1&&=&y", "a=%zz", "bytes=99999999999999999999-1"},
  };
  for (size_t i = 0; i < http.size(); ++i) {
    Bytes in;
    fuzz::AppendRecord(in, text(http[i][0]));
    fuzz::AppendRecord(in, text(http[i][1]));
    fuzz::AppendRecord(in, text(http[i][2]));
    fuzz::AppendRecord(in, ByteSpan(size_1m, 8));
    fuzz::AppendRecord(in, text("<x a=\"1\">caf\xc3\xa9 & \xff</x>"));
    Write(root / "http" / ("request-" + std::to_string(i)), in);
  }
  std::printf("wrote %zu entries\n", ra.log.size());
  return 0;
}

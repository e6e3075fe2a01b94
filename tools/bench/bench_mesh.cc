// Mesh figures, each with a same-run baseline:
//  - ledger sync: a freshly joined device receives and verifies a
//    100,000-entry ledger over the real protocol on loopback (target <= 10 s);
//    baseline: bare Ed25519 verification of the same entries.
//  - first chunk: from asking for a track held only by another node to its
//    first verified, decrypted chunk, over 50 tracks (target p50 <= 50 ms,
//    p99 <= 150 ms); baseline: a fresh loopback TCP connection fetching
//    64 KiB.
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

#include "crypto/blob_cipher.h"
#include "crypto/key_file.h"
#include "node/library/catalog.h"
#include "node/library/importer.h"
#include "node/mesh/join_client.h"
#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "tests/support/threaded_node.h"
#include "tools/bench/ledger_data.h"

namespace {

using namespace hearth;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_mesh: %s\n", what.c_str());
  std::exit(1);
}

double Since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

// A node of this benchmark, on its own thread.
class Node : public testing::ThreadedNode {
 public:
  explicit Node(const std::string& dir, std::vector<std::string> peers = {})
      : ThreadedNode(dir, Options(std::move(peers))) {}

 private:
  static mesh::MeshOptions Options(std::vector<std::string> peers) {
    mesh::MeshOptions o;
    o.listen = "127.0.0.1:0";
    o.torrent_listen = "127.0.0.1:0";
    o.peers = std::move(peers);
    if (std::getenv("BENCH_LOG"))
      o.log = [](const std::string& l) {
        std::fprintf(stderr, "%.3f %s\n", std::chrono::duration<double>(Steady::now().time_since_epoch()).count(), l.c_str());
      };
    return o;
  }
};

// Records an invite in `dir`'s database (a connection of our own) and
// returns its code.
InviteCode MakeInvite(const std::string& dir, const HouseholdId& household, const DeviceId& inviter,
                      const std::string& address) {
  InviteCode code;
  code.household = household;
  code.inviter = inviter;
  randombytes_buf(code.secret.data(), code.secret.size());
  code.addresses.push_back(*ParseInviteAddress(address));
  auto db = store::Database::Open(dir + "/hearth.db", false);
  if (!db) Die("open for invite: " + db.error().message);
  store::Invite inv;
  inv.id = InviteIdOf(code.secret);
  inv.secret = code.secret;
  inv.role = Role::kPhone;
  inv.created_us = SystemNowMicros();
  inv.expires_us = inv.created_us + 3'600'000'000LL;
  if (auto r = store::SaveInvite(*db, inv); !r) Die("save invite: " + r.error().message);
  return code;
}

// A home holding `entries` (signed by KeyFor(1..4)) with KeyFor(1)'s key.
void MakeHomeWithLedger(const std::string& dir, const std::vector<SignedEntry>& entries) {
  fs::create_directories(dir);
  const crypto::DeviceKey key = testing::KeyFor(1);
  const HouseholdId household = testing::HouseholdOf(key);
  if (!crypto::WriteKeyFile(dir + "/device.key", crypto::KeyKind::kDeviceSeed, key.ExportSeed())) Die("unexpected failure at line " + std::to_string(__LINE__));
  auto content = crypto::ContentSecret::Generate();
  if (!crypto::WriteKeyFile(dir + "/content.key", crypto::KeyKind::kContentSecret, content.secret())) Die("unexpected failure at line " + std::to_string(__LINE__));
  auto db = store::Database::Open(dir + "/hearth.db", true);
  if (!db) Die("unexpected failure at line " + std::to_string(__LINE__));
  auto meta = db->Prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  meta->Bind(1, std::string("household_id")).Bind(2, household.bytes);
  (void)meta->Run();
  meta->Reset();
  meta->Bind(1, std::string("device_id")).Bind(2, testing::IdOf(key).bytes);
  (void)meta->Run();
  auto ledger = store::LedgerStore::Load(*db, household);
  auto tx = db->Transaction([&]() -> std::expected<void, store::StoreError> {
    for (const auto& e : entries)
      if (auto r = ledger->Append(e); !r) Die("append: " + r.error().Message());
    return {};
  });
  if (!tx) Die("unexpected failure at line " + std::to_string(__LINE__));
}

void LedgerSync(const std::string& tmp) {
  const size_t n = 100000;
  std::printf("ledger sync (%zu entries)\n  generating...\n", n);
  std::fflush(stdout);
  auto entries = bench::MakeLedger(n);
  std::vector<Bytes> messages;
  for (const auto& e : entries) {
    Bytes m(kEntrySignatureDomain.begin(), kEntrySignatureDomain.end());
    m.insert(m.end(), e.bytes.begin(), e.bytes.end() - 64);
    messages.push_back(std::move(m));
  }
  auto t = Steady::now();
  for (size_t i = 0; i < entries.size(); ++i)
    if (crypto_sign_verify_detached(entries[i].signature.data(), messages[i].data(), messages[i].size(),
                                    entries[i].entry.author.bytes.data()) != 0)
      Die("unexpected failure at line " + std::to_string(__LINE__));
  const double bare = Since(t);
  MakeHomeWithLedger(tmp + "/sync-a", entries);
  Node a(tmp + "/sync-a");
  const HouseholdId household = a.home().household();
  InviteCode code = MakeInvite(tmp + "/sync-a", household, a.home().device_id(), a.address());
  auto b = store::Home::CreateJoining(tmp + "/sync-b", household);
  if (!b) Die("create joining home: " + b.error().message);
  t = Steady::now();
  auto joined = mesh::JoinHousehold(*b, code, "bench", {}, std::chrono::seconds(120), nullptr);
  const double sync = Since(t);
  if (!joined) Die("join failed: " + joined.error());
  std::printf("  baseline  bare Ed25519 verify: %6.2f s\n", bare);
  std::printf("  hearth    join + sync:         %6.2f s  (%zu entries received)  ratio %.2f  (target <= 10 s)\n",
              sync, joined->entries, bare / sync);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Baseline: connect to a loopback server and read 64 KiB, fresh each time.
std::vector<double> TcpBaseline(int rounds) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::thread server([&] {
    Bytes chunk(65536, 7);
    for (int i = 0; i < rounds; ++i) {
      auto s = acc.accept();
      asio::write(s, asio::buffer(chunk));
    }
  });
  std::vector<double> out;
  for (int i = 0; i < rounds; ++i) {
    auto t = Steady::now();
    asio::ip::tcp::socket s(io);
    s.connect(acc.local_endpoint());
    Bytes in(65536);
    asio::read(s, asio::buffer(in));
    out.push_back(Since(t) * 1000);
  }
  server.join();
  return out;
}

void FirstChunk(const std::string& tmp) {
  const int tracks = 50;
  std::printf("first chunk (%d tracks held only by another node)\n", tracks);
  const std::string lib = tmp + "/lib";
  const std::string root = HEARTH_SOURCE_DIR;
  if (std::system(("'" + root + "/tools/make-library' 52 '" + lib + "' >/dev/null 2>&1").c_str()) != 0) Die("unexpected failure at line " + std::to_string(__LINE__));
  {
    auto home = store::Home::Init(tmp + "/fetch-a", store::InitOptions{"Bench", "a"});
    if (!home) Die("unexpected failure at line " + std::to_string(__LINE__));
    library::Catalog catalog(home->db());
    library::Importer importer(*home, catalog);
    library::ImportOptions o;
    o.paths = {lib};
    o.in_place = false;  // sealed copies: the baseline
    if (!importer.Run(o)) Die("unexpected failure at line " + std::to_string(__LINE__));
  }
  Node a(tmp + "/fetch-a");
  {
    auto b = store::Home::CreateJoining(tmp + "/fetch-b", a.home().household());
    InviteCode code = MakeInvite(tmp + "/fetch-a", a.home().household(), a.home().device_id(), a.address());
    if (!b || !mesh::JoinHousehold(*b, code, "b", {}, std::chrono::seconds(30), nullptr)) Die("unexpected failure at line " + std::to_string(__LINE__));
  }
  Node b(tmp + "/fetch-b", {a.address()});
  auto db = store::Database::Open(tmp + "/fetch-b/hearth.db", false);
  library::Catalog catalog(*db);
  auto records = catalog.List({});
  if (!records) Die("unexpected failure at line " + std::to_string(__LINE__));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // connected, have-sets exchanged
  const crypto::ContentSecret* secret = b.home().content_secret();
  std::vector<double> latencies;
  for (const auto& r : *records) {
    if (static_cast<int>(latencies.size()) == tracks) break;
    std::promise<void> first;
    bool fired = false;
    auto t = Steady::now();
    boost::asio::post(b.io(), [&] {
      b.node().SetPieceObserver([&](const BlobId& blob, int piece) {
        if (blob == r.blob && piece == 0 && !fired) {
          fired = true;
          first.set_value();
        }
      });
      b.node().Want(r.blob);
    });
    if (first.get_future().wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      std::printf("  track %s: no first piece within 10 s\n", r.track.ShortHex().c_str());
      continue;
    }
    // Read the sealed chunk where it is (still partial, or already moved
    // into the blob store) and open it; a read that races the move is retried.
    crypto::BlobCipher cipher(secret->BlobKey(r.sealed_file.bytes), r.plaintext_length);
    Bytes plain(65536);
    bool opened = false;
    for (int attempt = 0; attempt < 100 && !opened; ++attempt) {
      for (const std::string& p : {tmp + "/fetch-b/partial/" + r.blob.Hex(), b.home().blobs().PathOf(r.blob)}) {
        FILE* f = std::fopen(p.c_str(), "rb");
        if (!f) continue;
        Bytes sealed(std::min<uint64_t>(65536, r.plaintext_length + 16));
        sealed.resize(std::fread(sealed.data(), 1, sealed.size(), f));
        std::fclose(f);
        if (cipher.OpenChunk(0, sealed, plain)) {
          opened = true;
          break;
        }
      }
      if (!opened) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!opened) Die("the first chunk of " + r.blob.ShortHex() + " does not open");
    latencies.push_back(Since(t) * 1000);
  }
  boost::asio::post(b.io(), [&] { b.node().SetPieceObserver(nullptr); });
  auto base = TcpBaseline(tracks);
  std::printf("  baseline  fresh loopback TCP + 64 KiB: p50 %6.2f ms  p99 %6.2f ms\n", Percentile(base, 0.5),
              Percentile(base, 0.99));
  std::printf("  hearth    want -> first decrypted chunk: p50 %6.2f ms  p99 %6.2f ms  over %zu tracks"
              "  (target p50 <= 50, p99 <= 150)\n",
              Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies.size());
}

}  // namespace

int main() {
  const std::string tmp = fs::temp_directory_path() / ("hearth-bench-mesh-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  if (!std::getenv("BENCH_SKIP_SYNC")) LedgerSync(tmp);
  FirstChunk(tmp);
  fs::remove_all(tmp);
  return 0;
}

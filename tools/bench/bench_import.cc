// Import figures, each against a baseline from the same run:
//  - importing a generated library (>= 2,000 tracks) against a bare pass
//    that reads and BLAKE2b-hashes the same files with as many threads;
//    target: import >= 50% of the bare pass's throughput;
//  - re-importing it unchanged; target <= 5% of the first import's time;
//  - search over a 100,000-track catalog (synthetic rows); target p99 <= 20 ms,
//    with a naive LIKE scan of the same table as the baseline.
//   bench_import LIBRARY_DIR
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "crypto/hash.h"
#include "node/library/catalog.h"
#include "node/library/dir_walker.h"
#include "node/library/importer.h"

namespace {

using namespace hearth;
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

// Reads and hashes every file, `threads` at a time.
double BarePass(const std::vector<library::FoundFile>& files, unsigned threads) {
  std::atomic<size_t> next{0};
  auto t = Steady::now();
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < threads; ++w) {
    pool.emplace_back([&] {
      Bytes buf;
      for (size_t i; (i = next.fetch_add(1)) < files.size();) {
        int fd = ::open(files[i].path.c_str(), O_RDONLY);
        buf.resize(files[i].size);
        size_t got = 0;
        while (got < buf.size()) {
          ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
          if (n <= 0) break;
          got += static_cast<size_t>(n);
        }
        ::close(fd);
        volatile auto d = crypto::Blake2b256(ByteSpan(buf.data(), got));
        (void)d;
      }
    });
  }
  for (auto& th : pool) th.join();
  return Since(t);
}

// Writes the same number of bytes into as many files, each fsynced, as the
// import must: the disk's durable write speed, which bounds any import.
double DurableWrite(const std::vector<library::FoundFile>& files, const std::string& dir) {
  std::filesystem::create_directories(dir);
  Bytes buf(1 << 20, 0x5a);
  auto t = Steady::now();
  for (size_t i = 0; i < files.size(); ++i) {
    int fd = ::open((dir + "/" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    for (uint64_t left = files[i].size; left > 0;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      if (::write(fd, buf.data(), n) != static_cast<ssize_t>(n)) std::abort();
      left -= n;
    }
    ::fsync(fd);
    ::close(fd);
  }
  double s = Since(t);
  std::filesystem::remove_all(dir);
  return s;
}

void SearchBench(const std::string& dir) {
  auto home = store::Home::Init(dir, store::InitOptions{"Bench", "pc"});
  if (!home) std::abort();
  std::mt19937 rng(7);
  const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "an", "bel",
                             "cor", "dun", "el", "fa", "gra", "hol", "ist", "jo", "kr"};
  auto word = [&] {
    std::string w;
    int n = 2 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) w += syllables[rng() % 20];
    return w;
  };
  auto& db = home->db();
  (void)db.Exec("BEGIN");
  auto ins = db.Prepare(
      "INSERT INTO catalog_claims (claim_id, track_id, file_id, blob_id, plaintext_length, author, "
      "claimed_us, format, codec, bitrate, sample_rate, channels, duration_ms, title, artist, "
      "album_artist, album, album_key, track_no, track_total, disc_no, disc_total, year, genre, "
      "source_path, matched, is_primary, tags_json) VALUES (?1,?1,?1,?1,1,?1,0,'mp3','mp3',0,0,0,0,"
      "?2,?3,?3,?4,?4,1,1,1,1,2000,?5,'',0,1,'[]')");
  auto fts = db.Prepare("INSERT INTO catalog_search (rowid, title, artist, album, genre) VALUES (?,?,?,?,?)");
  const char* genres[] = {"Rock", "Jazz", "Folk", "Electronic", "Classical", "Ambient"};
  std::vector<std::string> words;
  for (int i = 0; i < 100000; ++i) {
    Bytes id(32);
    crypto::RandomBytes(id.data(), id.size());
    std::string title = word() + " " + word(), artist = "The " + word() + "s", album = word() + " " + word();
    std::string genre = genres[i % 6];
    if (words.size() < 2000) words.push_back(title.substr(0, title.find(' ')));
    ins->Reset();
    ins->Bind(1, id).Bind(2, title).Bind(3, artist).Bind(4, album).Bind(5, genre);
    if (!ins->Run()) std::abort();
    fts->Reset();
    fts->Bind(1, sqlite3_last_insert_rowid(db.raw())).Bind(2, title).Bind(3, artist).Bind(4, album).Bind(5, genre);
    if (!fts->Run()) std::abort();
  }
  (void)db.Exec("COMMIT");
  library::Catalog catalog(db);
  std::vector<double> fts_ms, like_ms;
  for (int q = 0; q < 400; ++q) {
    std::string w = words[rng() % words.size()];
    std::string query = w.substr(0, 2 + rng() % (w.size() - 1));  // as typed: a prefix
    if (q % 3 == 0) query += " " + std::string(syllables[rng() % 20]);
    auto t = Steady::now();
    auto r = catalog.Search(query, 50);
    fts_ms.push_back(Since(t) * 1e3);
    if (!r) std::abort();
    if (q % 4 == 0) {
      auto st = db.Prepare("SELECT rowid FROM catalog_claims WHERE title LIKE ? OR artist LIKE ? OR album LIKE ? LIMIT 50");
      std::string like = "%" + query.substr(0, query.find(' ')) + "%";
      st->Bind(1, like).Bind(2, like).Bind(3, like);
      t = Steady::now();
      while (st->Step().value_or(false)) {
      }
      like_ms.push_back(Since(t) * 1e3);
    }
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("search (100,000-track catalog, %zu queries typed as prefixes)\n", fts_ms.size());
  std::printf("  baseline  LIKE scan:            p50 %7.2f ms   p99 %7.2f ms\n", pct(like_ms, 0.5), pct(like_ms, 0.99));
  std::printf("  hearth    FTS5 prefix search:   p50 %7.2f ms   p99 %7.2f ms  (target p99 <= 20 ms)\n",
              pct(fts_ms, 0.5), pct(fts_ms, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_import LIBRARY_DIR   (make one with tools/make-library 2000 DIR)\n");
    return 2;
  }
  std::string lib = argv[1];
  auto walk = library::WalkMusic({std::filesystem::absolute(lib).string()});
  uint64_t bytes = 0;
  for (const auto& f : walk.files) bytes += f.size;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  BarePass(walk.files, threads);  // warm the page cache for both passes
  double bare = BarePass(walk.files, threads);

  std::string tmp = std::filesystem::temp_directory_path() / ("hearth-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(tmp);
  auto home = store::Home::Init(tmp + "/home", store::InitOptions{"Bench", "pc"});
  if (!home) std::abort();
  library::Catalog catalog(home->db());
  library::Importer importer(*home, catalog);
  library::ImportOptions options;
  options.paths = {lib};
  options.in_place = false;  // sealed copies (import --copy); in place below
  auto t = Steady::now();
  auto first = importer.Run(options);
  double import_s = Since(t);
  t = Steady::now();
  auto again = importer.Run(options);
  double reimport_s = Since(t);
  if (!first || !again) std::abort();

  double files = static_cast<double>(walk.files.size());
  std::printf("import (%zu files, %.1f MB, %u threads; page cache warm for both)\n", walk.files.size(),
              static_cast<double>(bytes) / 1e6, threads);
  std::printf("  baseline  read + BLAKE2b:   %8.1f tracks/s  %8.1f MB/s\n", files / bare, bytes / bare / 1e6);
  std::printf("  hearth    import:           %8.1f tracks/s  %8.1f MB/s   ratio %.2f  (target >= 0.50)\n",
              files / import_s, bytes / import_s / 1e6, bare / import_s);
  std::printf("            imported %zu, matched %zu, duplicate %zu, failed %zu\n", first->imported,
              first->matched, first->duplicate, first->failed);
  std::printf("  hearth    re-import:        %8.3f s   = %.1f%% of the first import  (target <= 5%%)\n",
              reimport_s, 100 * reimport_s / import_s);
  // The same library kept in place: no sealed copy written.
  {
    auto home2 = store::Home::Init(tmp + "/home-in-place", store::InitOptions{"Bench", "pc"});
    if (!home2) std::abort();
    library::Catalog catalog2(home2->db());
    library::Importer in_place(*home2, catalog2);
    library::ImportOptions o2 = options;
    o2.in_place = true;
    BarePass(walk.files, threads);  // the page cache as warm as for the first
    const double bare2 = BarePass(walk.files, threads);
    t = Steady::now();
    auto done = in_place.Run(o2);
    const double s2 = Since(t);
    if (!done) std::abort();
    uint64_t home_bytes = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::recursive_directory_iterator(tmp + "/home-in-place", ec))
      if (f.is_regular_file(ec)) home_bytes += f.file_size(ec);
    std::printf("  baseline  read + BLAKE2b:   %8.1f tracks/s  %8.1f MB/s   (again, just before)\n", files / bare2,
                bytes / bare2 / 1e6);
    std::printf("  hearth    import in place:  %8.1f tracks/s  %8.1f MB/s   ratio %.2f  (target >= 0.50)\n",
                files / s2, bytes / s2 / 1e6, bare2 / s2);
    std::printf("            the home afterwards: %.1f MB = %.2f%% of the library  (target <= 1%%)\n",
                static_cast<double>(home_bytes) / 1e6, 100.0 * static_cast<double>(home_bytes) / static_cast<double>(bytes));
  }
  double durable = DurableWrite(walk.files, tmp + "/durable");
  std::printf("  bound     durable write of the same bytes (write + fsync per file): %.1f MB/s;\n"
              "            import reaches %.0f%% of it. An import must make every blob durable\n"
              "            before its claim, so it cannot outrun this disk.\n",
              bytes / durable / 1e6, 100 * durable / import_s);

  SearchBench(tmp + "/search");
  std::filesystem::remove_all(tmp);
  return 0;
}

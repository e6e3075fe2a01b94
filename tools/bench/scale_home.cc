// scale_home: the synthetic households tools/bench/bench_scale measures.
//
//   scale_home make DIR TRACKS [PER_ALBUM]
//     A home in DIR whose ledger claims TRACKS tracks (artists of 5 albums of
//     PER_ALBUM tracks, 10 unless given, as a real library is shaped), with
//     sealed details a member can open, and its catalog built. No audio: the
//     figures are about the ledger, the catalog and what the node keeps in
//     memory. tests/http builds it too, for the web player's test of 10,000
//     albums (PER_ALBUM 1).
//   scale_home verify-baseline DIR
//     The baseline of ledger figures: bare Ed25519 verification of every
//     entry stored in DIR, on every core. Prints "entries seconds".
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "crypto/signing.h"
#include "node/library/catalog.h"
#include "node/library/track_record.h"
#include "node/store/home.h"
#include "node/store/ledger_store.h"
#include "protocol/claim_details.h"

namespace hearth {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename Id>
Id Derived(const char* what, size_t i) {
  std::string s = std::string(what) + std::to_string(i);
  crypto::Digest d = crypto::Blake2b256(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  Id id;
  std::copy(d.begin(), d.end(), id.bytes.begin());
  return id;
}

// Track i of the household: album a = i/per_album, artist a/5, that
// artist's album a%5, track i%per_album.
ClaimDetails DetailsOf(size_t i, size_t per_album) {
  const size_t artist = i / per_album / 5, album = i / per_album % 5, track = i % per_album + 1;
  library::AudioInfo audio;
  audio.format = "flac";
  audio.codec = "flac";
  audio.sample_rate = 44100;
  audio.channels = 2;
  audio.bitrate = 900000;
  audio.duration_ms = 180000 + (i % 97) * 1000;
  audio.track = Derived<TrackId>("track", i);
  const std::string artist_name = "Artist " + std::to_string(artist);
  library::TagList tags = {
      {"album", "Album " + std::to_string(album) + " of " + artist_name},
      {"albumartist", artist_name},
      {"artist", artist_name},
      {"date", std::to_string(1960 + artist % 60)},
      {"genre", artist % 3 == 0 ? "Jazz" : (artist % 3 == 1 ? "Rock" : "Classical")},
      {"title", "Song " + std::to_string(i) + " number " + std::to_string(track)},
      {"tracknumber", std::to_string(track)},
  };
  const FileId file = Derived<FileId>("file", i);
  const std::string path = "/music/" + artist_name + "/Album " + std::to_string(album) + "/" +
                           std::to_string(track) + ".flac";
  return library::MakeClaimDetails(audio, tags, file, path, std::nullopt, std::nullopt, std::nullopt, 0);
}

int Make(const std::string& dir, size_t tracks, size_t per_album) {
  auto t0 = std::chrono::steady_clock::now();
  auto home = store::Home::Init(dir, store::InitOptions{"Scale", "pc"});
  if (!home) {
    std::fprintf(stderr, "scale_home: %s\n", home.error().message.c_str());
    return 1;
  }
  const crypto::DeviceKey& key = home->device_key();
  const DeviceId me = home->device_id();
  const HouseholdId household = home->household();
  AuthorHead head = home->ledger().ledger().HeadOf(me);
  constexpr size_t kBatch = 20000;
  for (size_t start = 0; start < tracks; start += kBatch) {
    const size_t n = std::min(kBatch, tracks - start);
    // Details are sealed on every core; the chain is signed in order (each
    // entry names the one before).
    std::vector<TrackClaim> claims(n);
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
      pool.emplace_back([&] {
        for (size_t k; (k = next++) < n;) {
          const size_t i = start + k;
          TrackClaim& c = claims[k];
          c.blob = Derived<BlobId>("blob", i);
          c.plaintext_length = 4'000'000 + i % 1'000'000;
          c.sealed_details =
              SealClaimDetails(*home->content_secret(), household, me, c.blob, DetailsOf(i, per_album));
        }
      });
    }
    for (auto& th : pool) th.join();
    std::vector<SignedEntry> batch;
    batch.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      Entry e;
      e.household = household;
      e.author = me;
      e.seq = head.seq + 1;
      e.prev = head.id;
      e.time_us = 1'700'000'000'000'000 + static_cast<int64_t>(start + k);
      e.body = std::move(claims[k]);
      batch.push_back(SignEntry(std::move(e), key));
      head.seq = batch.back().entry.seq;
      head.id = batch.back().id;
    }
    auto r = home->ledger().AppendBatch(batch);
    if (!r) {
      std::fprintf(stderr, "scale_home: %s\n", r.error().message.c_str());
      return 1;
    }
    for (const auto& outcome : *r) {
      if (outcome) {
        std::fprintf(stderr, "scale_home: an entry was refused: %s\n", outcome->error.Message().c_str());
        return 1;
      }
    }
    std::fprintf(stderr, "\r  %zu of %zu claims written (%.0f s)", start + n, tracks, Since(t0));
  }
  std::fprintf(stderr, "\n");
  library::Catalog catalog(home->db());
  auto synced = catalog.Sync(home->ledger().ledger().state(), home->content_secret());
  if (!synced) {
    std::fprintf(stderr, "scale_home: %s\n", synced.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "  catalog of %zu tracks built; %.0f s in all\n", synced->added, Since(t0));
  return 0;
}

int VerifyBaseline(const std::string& dir) {
  auto db = store::Database::Open(dir + "/hearth.db", false);
  if (!db) {
    std::fprintf(stderr, "scale_home: %s\n", db.error().message.c_str());
    return 1;
  }
  std::vector<SignedEntry> entries;
  auto st = db->Prepare("SELECT bytes FROM ledger_entries ORDER BY arrival");
  if (!st) return 1;
  (void)st->ForEach([&](const store::Statement& row) {
    if (auto e = DecodeEntry(row.Blob(0))) entries.push_back(std::move(*e));
  });
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0}, bad{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < entries.size();)
        if (!VerifyEntrySignature(entries[i])) ++bad;
    });
  }
  for (auto& th : pool) th.join();
  std::printf("%zu %.3f\n", entries.size(), Since(t0));
  return bad == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hearth

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "make" && (argc == 4 || argc == 5)) {
    const size_t per_album = argc == 5 ? std::stoul(argv[4]) : 10;
    if (per_album > 0) return hearth::Make(argv[2], std::stoul(argv[3]), per_album);
  }
  if (cmd == "verify-baseline" && argc == 3) return hearth::VerifyBaseline(argv[2]);
  std::fprintf(stderr, "usage: scale_home make DIR TRACKS [PER_ALBUM] | scale_home verify-baseline DIR\n");
  return 2;
}

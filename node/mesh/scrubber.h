// Scrubber: verifies the blobs this device holds against their ids, slowly,
// on a thread of its own. A blob's id is the v2 info-hash of its
// deterministic torrent (node/swarm/blob_torrent.h), so reading the blob and
// rebuilding that torrent checks every byte of it -- on any device, with no
// content key. It goes round every held blob once per `full_pass` (one day
// by default), never using more than `cpu_share` of one core (10%), and
// checks a blob at once when asked (a read that failed authentication).
//
// Threads: Start/Stop/CheckNow from the owner's thread; `damaged` is called
// on the scrubber's thread (the owner posts it where it belongs). The
// BlobStore is copied (it is a directory name), so the home may go on being
// used meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "node/store/blob_store.h"

namespace hearth::mesh {

struct ScrubOptions {
  bool enabled = true;                    // false: never (tests that model a node that does not check)
  std::chrono::seconds full_pass{86400};  // every held blob verified once in this long
  double cpu_share = 0.10;                // at most this share of one core (1.0: full speed)
};

// Whether the blob at `path` is whole: its bytes make the torrent whose id is
// `id`. An error when it cannot be read (gone meanwhile, an I/O error).
std::expected<bool, std::string> VerifyBlob(const std::string& path, const BlobId& id);

class Scrubber {
 public:
  using Damaged = std::function<void(const BlobId&, const std::string& why)>;
  Scrubber(store::BlobStore blobs, ScrubOptions options, Damaged damaged);
  ~Scrubber();  // stops and joins
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  void Start();
  void Stop();
  // Verifies `blob` next, before the round goes on.
  void CheckNow(const BlobId& blob);
  uint64_t verified() const { return verified_; }  // blobs checked so far

 private:
  void Run();
  void Check(const BlobId& blob, uint64_t& bytes);
  // Waits `d`, or less when stopped or asked to check a blob now.
  void Pause(std::chrono::nanoseconds d);

  store::BlobStore blobs_;
  ScrubOptions options_;
  Damaged damaged_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<BlobId> urgent_;
  std::atomic<uint64_t> verified_{0};
  std::thread thread_;
};

}  // namespace hearth::mesh

#include "node/mesh/scrubber.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "node/swarm/blob_torrent.h"

namespace hearth::mesh {

std::expected<bool, std::string> VerifyBlob(const std::string& path, const BlobId& id) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected("cannot open " + path);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  swarm::BlobTorrentBuilder builder;
  Bytes piece(swarm::kPieceSize);
  uint64_t offset = 0;
  bool any = false;
  for (;;) {
    size_t got = 0;
    while (got < piece.size()) {
      const ssize_t n = ::pread(fd, piece.data() + got, piece.size() - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return std::unexpected("cannot read " + path);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == 0) break;
    builder.AddPiece(ByteSpan(piece.data(), got));
    any = true;
    offset += got;
    if (got < piece.size()) break;
  }
  ::close(fd);
  if (!any) return false;  // an empty file is no blob
  auto torrent = builder.Finish();
  return torrent && torrent->id == id;
}

Scrubber::Scrubber(store::BlobStore blobs, ScrubOptions options, Damaged damaged)
    : blobs_(std::move(blobs)), options_(options), damaged_(std::move(damaged)) {}

Scrubber::~Scrubber() { Stop(); }

void Scrubber::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Scrubber::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scrubber::CheckNow(const BlobId& blob) {
  {
    std::lock_guard lock(mu_);
    // Asked again before its check (one stream, many chunks): once is enough.
    if (std::find(urgent_.begin(), urgent_.end(), blob) != urgent_.end()) return;
    urgent_.push_back(blob);
  }
  cv_.notify_all();
}

void Scrubber::Pause(std::chrono::nanoseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stop_ || !urgent_.empty(); });
}

void Scrubber::Check(const BlobId& blob, uint64_t& bytes) {
  const std::string path = blobs_.PathOf(blob);
  auto size = blobs_.SizeOf(blob);
  bytes = size.value_or(0);
  auto whole = VerifyBlob(path, blob);
  if (!whole) return;  // gone meanwhile (dropped, already quarantined): nothing to say
  ++verified_;
  if (!*whole && blobs_.Has(blob)) damaged_(blob, "its bytes do not match its id");
}

void Scrubber::Run() {
  using Clock = std::chrono::steady_clock;
  const double share = std::clamp(options_.cpu_share, 0.001, 1.0);
  for (;;) {
    auto listed = blobs_.List();
    std::vector<BlobId> round = listed ? std::move(*listed) : std::vector<BlobId>{};
    uint64_t total = 0;
    for (const BlobId& b : round) total += blobs_.SizeOf(b).value_or(0);
    // The pace that verifies everything once per pass.
    const double bytes_per_s =
        std::max(1.0, static_cast<double>(total) / static_cast<double>(std::max<int64_t>(1, options_.full_pass.count())));
    size_t next = 0;
    for (;;) {
      BlobId blob;
      bool scheduled = false;
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
        if (!urgent_.empty()) {
          blob = urgent_.front();
          urgent_.pop_front();
        } else if (next < round.size()) {
          blob = round[next];
          scheduled = true;
        } else {
          break;  // the round is done: list again
        }
      }
      if (scheduled) {
        // Its turn comes at the pace that verifies everything once per pass
        // (so a node that starts does not begin by reading its whole disk);
        // a blob asked for meanwhile goes first.
        const uint64_t size = blobs_.SizeOf(blob).value_or(0);
        const auto due = Clock::now() + std::chrono::nanoseconds(
                                            static_cast<int64_t>(static_cast<double>(size) / bytes_per_s * 1e9));
        Pause(due - Clock::now());
        {
          std::lock_guard lock(mu_);
          if (stop_) return;
          if (!urgent_.empty() || Clock::now() < due) continue;  // asked for another first; this one's turn stays
        }
        ++next;
      }
      const auto t0 = Clock::now();
      uint64_t bytes = 0;
      Check(blob, bytes);
      // At most `share` of a core.
      const auto busy = Clock::now() - t0;
      Pause(std::chrono::duration_cast<std::chrono::nanoseconds>(busy * ((1.0 - share) / share)));
    }
    // Nothing held yet: look again in a while (blobs that arrive meanwhile
    // are in the next round).
    if (round.empty()) Pause(std::min<std::chrono::nanoseconds>(std::chrono::seconds(60), options_.full_pass));
  }
}

}  // namespace hearth::mesh

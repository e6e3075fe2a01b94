// MeshNode: chunk reads for players. A player asks for sealed chunk i of a
// blob; it comes from the store, from a fetch's verified pieces, or over
// the control session of a device that holds it (READ/DATA: no wait for the
// swarm's unchoke tick), while the blob is fetched in order behind it.
#include <fcntl.h>
#include <unistd.h>

#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "node/swarm/blob_torrent.h"

namespace hearth::mesh {
namespace {

constexpr uint32_t kReadAhead = 4;  // chunks asked per READ: 256 KiB
constexpr auto kReadRetry = std::chrono::milliseconds(1500);

std::optional<Bytes> ReadFileRange(const std::string& path, uint64_t offset, size_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Bytes out(length);
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done == 0) return std::nullopt;
  out.resize(done);
  return out;
}

}  // namespace

std::optional<Bytes> MeshNode::LocalChunk(const BlobId& blob, uint32_t index) {
  const uint64_t offset = uint64_t{index} * swarm::kPieceSize;
  if (home_.blobs().Has(blob)) {
    auto bytes = home_.blobs().Read(blob, offset, swarm::kPieceSize);
    if (bytes && !bytes->empty()) return std::move(*bytes);
    return std::nullopt;
  }
  if (swarm_ && swarm_->HavePiece(blob, index)) {
    // The partial file holds every verified piece; the last one is short.
    auto status = swarm_->Status(blob);
    size_t length = swarm::kPieceSize;
    if (status && status->total > offset) length = std::min<uint64_t>(length, status->total - offset);
    if (auto bytes = ReadFileRange(swarm_->PartialPath(blob), offset, length)) return bytes;
    // Moved into the store meanwhile.
    if (home_.blobs().Has(blob)) {
      auto stored = home_.blobs().Read(blob, offset, swarm::kPieceSize);
      if (stored && !stored->empty()) return std::move(*stored);
    }
  }
  return std::nullopt;
}

void MeshNode::ReadChunk(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done) {
  if (stopping_) return done(std::unexpected(std::string("the node is stopping")));
  if (auto local = LocalChunk(blob, index)) return done(std::move(*local));
  chunk_waiters_[{blob, index}].push_back({std::move(done), SteadyNow() + wait});
  // Fetch the whole blob behind the player (sequentially, from this chunk
  // on); the wanted row makes a restarted node finish it.
  if (!fetches_.contains(blob)) {
    auto wanted = store::IsWanted(home_.db(), blob);
    if (wanted && !*wanted) (void)store::AddWanted(home_.db(), blob, store::WantedReason::kStream, Now());
    DriveFetches();
  }
  if (swarm_) swarm_->Prioritize(blob, index, 8);
  RequestChunk(blob, index);
}

void MeshNode::RequestChunk(const BlobId& blob, uint32_t index) {
  const auto now = SteadyNow();
  auto sent = chunk_reads_sent_.find({blob, index});
  if (sent != chunk_reads_sent_.end() && now - sent->second < kReadRetry) return;
  // Any online holder will do; the first in key order keeps one peer busy
  // rather than splitting a stream's chunks over several.
  for (auto& [device, raw] : members_) {
    auto held = peer_blobs_.find(device);
    if (held == peer_blobs_.end() || !held->second.contains(blob)) continue;
    raw->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, index, kReadAhead}));
    for (uint32_t i = index; i < index + kReadAhead; ++i) chunk_reads_sent_[{blob, i}] = now;
    return;
  }
}

void MeshNode::DeliverChunk(const BlobId& blob, uint32_t index, const Bytes& sealed) {
  chunk_reads_sent_.erase({blob, index});
  auto it = chunk_waiters_.find({blob, index});
  if (it == chunk_waiters_.end()) return;
  auto waiters = std::move(it->second);
  chunk_waiters_.erase(it);
  for (auto& w : waiters) w.done(sealed);
}

void MeshNode::OnPieceForReaders(const BlobId& blob, int piece) {
  if (piece < 0 || !chunk_waiters_.contains({blob, static_cast<uint32_t>(piece)})) return;
  if (auto bytes = LocalChunk(blob, static_cast<uint32_t>(piece)))
    DeliverChunk(blob, static_cast<uint32_t>(piece), *bytes);
}

void MeshNode::OnBlobForReaders(const BlobId& blob) {
  for (auto it = chunk_waiters_.lower_bound({blob, 0}); it != chunk_waiters_.end() && it->first.first == blob;) {
    const uint32_t index = it->first.second;
    ++it;
    if (auto bytes = LocalChunk(blob, index)) DeliverChunk(blob, index, *bytes);
  }
}

bool MeshNode::IsBeingRead(const BlobId& blob) const {
  auto w = chunk_waiters_.lower_bound({blob, 0});
  return w != chunk_waiters_.end() && w->first.first == blob;
}

void MeshNode::ChunkTick(std::chrono::steady_clock::time_point now) {
  std::vector<ChunkKey> retry;
  for (auto it = chunk_waiters_.begin(); it != chunk_waiters_.end();) {
    auto& waiters = it->second;
    std::vector<ChunkWaiter> expired;
    std::erase_if(waiters, [&](ChunkWaiter& w) {
      if (now < w.deadline && !stopping_) return false;
      expired.push_back(std::move(w));
      return true;
    });
    const ChunkKey key = it->first;
    if (waiters.empty()) it = chunk_waiters_.erase(it);
    else {
      retry.push_back(key);
      ++it;
    }
    for (auto& w : expired)
      w.done(std::unexpected(stopping_ ? std::string("the node is stopping")
                                       : "no reachable device sent chunk " + std::to_string(key.second) +
                                             " of blob " + key.first.ShortHex() + " in time"));
  }
  for (const auto& [blob, index] : retry) RequestChunk(blob, index);
  std::erase_if(chunk_reads_sent_, [&](const auto& kv) { return now - kv.second > std::chrono::seconds(30); });
}

}  // namespace hearth::mesh

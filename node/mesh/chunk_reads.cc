#include "node/mesh/chunk_reads.h"

#include <fcntl.h>
#include <unistd.h>

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

std::optional<Bytes> ChunkReads::LocalChunk(const BlobId& blob, uint32_t index) {
  const uint64_t offset = uint64_t{index} * swarm::kPieceSize;
  store::BlobStore& blobs = ctx_.home.blobs();
  if (blobs.Has(blob)) {
    auto bytes = blobs.Read(blob, offset, swarm::kPieceSize);
    if (bytes && !bytes->empty()) return std::move(*bytes);
    return std::nullopt;
  }
  swarm::BlobTransfer* transfer = fetcher_.transfer();
  if (transfer && transfer->HavePiece(blob, index)) {
    // The partial file holds every verified piece; the last one is short.
    auto status = transfer->Status(blob);
    size_t length = swarm::kPieceSize;
    if (status && status->total > offset) length = std::min<uint64_t>(length, status->total - offset);
    if (auto bytes = ReadFileRange(transfer->PartialPath(blob), offset, length)) return bytes;
    // Moved into the store meanwhile.
    if (blobs.Has(blob)) {
      auto stored = blobs.Read(blob, offset, swarm::kPieceSize);
      if (stored && !stored->empty()) return std::move(*stored);
    }
  }
  return std::nullopt;
}

void ChunkReads::Read(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done,
                      bool elsewhere) {
  if (ctx_.stopping) return done(std::unexpected(MeshError{MeshErrc::kStopping, "the node is stopping"}));
  if (!elsewhere)
    if (auto local = LocalChunk(blob, index)) return done(std::move(*local));
  waiters_[{blob, index}].push_back({std::move(done), ctx_.SteadyNow() + wait});
  if (!elsewhere) fetcher_.Stream(blob, index);
  Request(blob, index);
}

void ChunkReads::Request(const BlobId& blob, uint32_t index) {
  const auto now = ctx_.SteadyNow();
  auto sent = reads_sent_.find({blob, index});
  if (sent != reads_sent_.end() && now - sent->second < kReadRetry) return;
  // Any online holder will do; the first in key order keeps one peer busy
  // rather than splitting a stream's chunks over several.
  for (auto& [device, raw] : peers_.members()) {
    if (!have_.Lists(device, blob)) continue;
    raw->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, index, kReadAhead}));
    for (uint32_t i = index; i < index + kReadAhead; ++i) reads_sent_[{blob, i}] = now;
    return;
  }
}

void ChunkReads::Deliver(const BlobId& blob, uint32_t index, const Bytes& sealed) {
  reads_sent_.erase({blob, index});
  auto it = waiters_.find({blob, index});
  if (it == waiters_.end()) return;
  auto waiters = std::move(it->second);
  waiters_.erase(it);
  for (auto& w : waiters) w.done(sealed);
}

void ChunkReads::OnPiece(const BlobId& blob, int piece) {
  if (piece < 0 || !waiters_.contains({blob, static_cast<uint32_t>(piece)})) return;
  if (auto bytes = LocalChunk(blob, static_cast<uint32_t>(piece))) Deliver(blob, static_cast<uint32_t>(piece), *bytes);
}

void ChunkReads::OnBlob(const BlobId& blob) {
  for (auto it = waiters_.lower_bound({blob, 0}); it != waiters_.end() && it->first.first == blob;) {
    const uint32_t index = it->first.second;
    ++it;
    if (auto bytes = LocalChunk(blob, index)) Deliver(blob, index, *bytes);
  }
}

bool ChunkReads::IsBeingRead(const BlobId& blob) const {
  auto w = waiters_.lower_bound({blob, 0});
  return w != waiters_.end() && w->first.first == blob;
}

void ChunkReads::Tick(std::chrono::steady_clock::time_point now) {
  std::vector<ChunkKey> retry;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto& waiters = it->second;
    std::vector<Waiter> expired;
    std::erase_if(waiters, [&](Waiter& w) {
      if (now < w.deadline && !ctx_.stopping) return false;
      expired.push_back(std::move(w));
      return true;
    });
    const ChunkKey key = it->first;
    if (waiters.empty()) it = waiters_.erase(it);
    else {
      retry.push_back(key);
      ++it;
    }
    for (auto& w : expired)
      w.done(std::unexpected(ctx_.stopping ? MeshError{MeshErrc::kStopping, "the node is stopping"}
                                           : MeshError{MeshErrc::kChunkTimedOut,
                                                       "no reachable device sent chunk " + std::to_string(key.second) +
                                                           " of blob " + key.first.ShortHex() + " in time"}));
  }
  for (const auto& [blob, index] : retry) Request(blob, index);
  std::erase_if(reads_sent_, [&](const auto& kv) { return now - kv.second > std::chrono::seconds(30); });
}

void ChunkReads::OnRead(const DeviceId& from, const ReadRequest& read) {
  Connection* c = peers_.SessionOf(from);
  if (!c) return;
  for (uint32_t i = read.first; i < read.first + read.count; ++i) {
    ChunkData d{read.blob, i, std::nullopt};
    if (have_.HoldsLocally(read.blob)) {
      auto bytes = ctx_.home.blobs().Read(read.blob, uint64_t{i} * swarm::kPieceSize, swarm::kPieceSize);
      if (bytes && !bytes->empty()) d.sealed = std::move(*bytes);
    }
    c->Send(MessageType::kData, EncodeData(d));
    if (!d.sealed) break;
  }
}

void ChunkReads::OnData(const DeviceId&, const ChunkData& data) {
  // A holder that lacks it: asked again (maybe elsewhere) after the retry delay.
  if (!data.sealed) return;
  Deliver(data.blob, data.index, *data.sealed);
  fetcher_.OfferChunk(data.blob, data.index, *data.sealed);
}

}  // namespace hearth::mesh

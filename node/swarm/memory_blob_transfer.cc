#include "node/swarm/memory_blob_transfer.h"

#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

namespace hearth::swarm {

class MemoryBlobTransfer final : public BlobTransfer {
 public:
  MemoryBlobTransfer(MemoryBlobNetwork& net, std::string host, SwarmOptions options, std::shared_ptr<SwarmGuard> guard)
      : net_(net), host_(std::move(host)), options_(std::move(options)), guard_(std::move(guard)) {
    port_ = net_.next_port_++;
    net_.transfers_[{host_, port_}] = this;
  }
  ~MemoryBlobTransfer() override { net_.transfers_.erase({host_, port_}); }

  uint16_t port() const override { return port_; }
  std::expected<void, std::string> Seed(const BlobId& blob, ByteSpan) override {
    if (seeds_.insert(blob).second) Say(SwarmEvent{SwarmEvent::Kind::kSeedReady, blob, "", 0, -1, false});
    return {};
  }
  bool SeedReady(const BlobId& blob) const override { return seeds_.contains(blob); }
  std::expected<void, std::string> Fetch(const BlobId& blob, ByteSpan) override {
    if (!seeds_.contains(blob)) fetches_.insert(blob);
    return {};
  }
  bool Has(const BlobId& blob) const override { return seeds_.contains(blob) || fetches_.contains(blob); }

  void ConnectPeer(const BlobId& blob, const std::string& host, uint16_t port) override {
    if (!fetches_.contains(blob)) return;
    auto it = net_.transfers_.find({host, port});
    if (it == net_.transfers_.end() || !it->second->seeds_.contains(blob)) return;
    MemoryBlobTransfer& seed = *it->second;
    // The seed's guard admits only devices whose swarm token it accepted
    // from a live mesh session (as the BitTorrent extension handshake does).
    if (!seed.guard_->Permits(guard_->me(), guard_->my_proof())) return seed.guard_->CountRefusal();
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path from = seed.StoredPath(blob), partial = PartialPath(blob), to = StoredPath(blob);
    fs::create_directories(partial.parent_path(), ec);
    if (!ec && seed.options_.in_place && seed.options_.in_place(blob)) {
      // An original kept in place: its sealed bytes are made as they are read.
      if (!seed.CopyInPlace(blob, partial.string())) {
        fetches_.erase(blob);
        return Say(SwarmEvent{SwarmEvent::Kind::kFailed, blob, "the seed could not read its original", 0, -1, false});
      }
    } else if (!ec) {
      fs::copy_file(from, partial, fs::copy_options::overwrite_existing, ec);
    }
    if (!ec) fs::create_directories(to.parent_path(), ec);
    if (!ec) fs::rename(partial, to, ec);
    if (ec) {
      fetches_.erase(blob);
      const bool full = ec == std::errc::no_space_on_device;
      return Say(SwarmEvent{SwarmEvent::Kind::kFailed, blob, ec.message(), 0, -1, full});
    }
    const auto size = fs::file_size(to, ec);
    net_.bytes_copied_ += ec ? 0 : size;
    fetches_.erase(blob);
    seeds_.insert(blob);
    Say(SwarmEvent{SwarmEvent::Kind::kFetched, blob, "", ec ? 0 : size, -1, false});
  }
  void AddPiece(const BlobId&, uint32_t, ByteSpan) override {}  // whole blobs only
  bool HavePiece(const BlobId& blob, uint32_t) const override { return seeds_.contains(blob); }
  void Prioritize(const BlobId&, uint32_t, uint32_t) override {}
  void Remove(const BlobId& blob) override {
    seeds_.erase(blob);
    fetches_.erase(blob);
  }
  void DiscardFetch(const BlobId& blob) override {
    std::error_code ec;
    if (fetches_.erase(blob) > 0) std::filesystem::remove(PartialPath(blob), ec);
    seeds_.erase(blob);
  }
  std::optional<TransferStatus> Status(const BlobId& blob) const override {
    if (!Has(blob)) return std::nullopt;
    return TransferStatus{0, 0, 0, seeds_.contains(blob)};
  }
  std::vector<BlobId> IdleSeeds(int64_t, int64_t) override { return {}; }
  std::vector<SwarmEvent> Poll() override { return std::exchange(events_, {}); }
  void Sweep() override {}
  std::string PartialPath(const BlobId& blob) const override { return options_.partial_dir + "/" + blob.Hex(); }

 private:
  bool CopyInPlace(const BlobId& blob, const std::string& to) const {
    std::FILE* out = std::fopen(to.c_str(), "wb");
    if (!out) return false;
    constexpr uint64_t kStep = 1 << 20;
    bool ok = true;
    for (uint64_t at = 0;; at += kStep) {
      auto bytes = options_.in_place_read(blob, at, kStep);
      ok = bytes && std::fwrite(bytes->data(), 1, bytes->size(), out) == bytes->size();
      if (!ok || bytes->size() < kStep) break;
    }
    return std::fclose(out) == 0 && ok;
  }
  std::string StoredPath(const BlobId& blob) const {
    const std::string hex = blob.Hex();
    return options_.blob_dir + "/" + hex.substr(0, 2) + "/" + hex;
  }
  void Say(SwarmEvent e) {
    events_.push_back(std::move(e));
    if (options_.notify) options_.notify();
  }

  MemoryBlobNetwork& net_;
  std::string host_;
  uint16_t port_ = 0;
  SwarmOptions options_;
  std::shared_ptr<SwarmGuard> guard_;
  std::set<BlobId> seeds_, fetches_;
  std::vector<SwarmEvent> events_;
};

MemoryBlobNetwork::Factory MemoryBlobNetwork::FactoryFor(std::string host) {
  return [this, host](SwarmOptions options, std::shared_ptr<SwarmGuard> guard)
             -> std::expected<std::unique_ptr<BlobTransfer>, std::string> {
    return std::make_unique<MemoryBlobTransfer>(*this, host, std::move(options), std::move(guard));
  };
}

}  // namespace hearth::swarm

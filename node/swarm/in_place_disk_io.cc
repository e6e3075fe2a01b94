#include "node/swarm/in_place_disk_io.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include <boost/asio/post.hpp>
#include <libtorrent/disk_buffer_holder.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/storage_defs.hpp>

#include "node/swarm/blob_torrent.h"

namespace hearth::swarm {
namespace {

// Absolute, so that libtorrent keeps it as it is (it makes relative save
// paths absolute); nothing is ever created there.
constexpr char kPrefix[] = "/hearth-in-place/";
constexpr int kBlock = 16384;

std::optional<BlobId> BlobOfPath(const std::string& path) {
  const std::string_view prefix = kPrefix;
  if (!path.starts_with(prefix)) return std::nullopt;
  return BlobId::FromHex(std::string_view(path).substr(prefix.size()));
}

lt::storage_error ReadError(lt::operation_t op) {
  return lt::storage_error(lt::error_code(boost::system::errc::io_error, boost::system::generic_category()),
                           lt::file_index_t{0}, op);
}

// Worker threads for the reads and hashes of in-place seeds: sealing a
// piece is CPU work, so two (a sealed copy's reads are only I/O).
class Worker {
 public:
  static constexpr int kThreads = 2;
  Worker() {
    for (int i = 0; i < kThreads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Worker() { Stop(); }
  void Post(std::function<void()> job) {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
    cv_.notify_one();
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

class InPlaceDiskIo final : public lt::disk_interface, public lt::buffer_allocator_interface {
 public:
  InPlaceDiskIo(lt::io_context& ioc, lt::settings_interface const& settings, lt::counters& counters,
                InPlaceReader read)
      : ioc_(ioc), inner_(lt::posix_disk_io_constructor(ioc, settings, counters)), read_(std::move(read)) {}

  lt::storage_holder new_torrent(lt::storage_params const& p, std::shared_ptr<void> const& torrent) override {
    const lt::storage_index_t idx{next_++};
    if (auto blob = BlobOfPath(p.path)) slots_.emplace(idx, *blob);
    else slots_.emplace(idx, inner_->new_torrent(p, torrent));
    return lt::storage_holder(idx, *this);
  }
  void remove_torrent(lt::storage_index_t idx) override { slots_.erase(idx); }

  void async_read(lt::storage_index_t idx, lt::peer_request const& r,
                  std::function<void(lt::disk_buffer_holder, lt::storage_error const&)> handler,
                  lt::disk_job_flags_t flags) override {
    if (auto inner = Inner(idx)) return inner_->async_read(*inner, r, std::move(handler), flags);
    const BlobId blob = Blob(idx);
    const int piece = static_cast<int>(r.piece);
    worker_.Post([this, blob, piece, start = r.start, length = r.length, handler = std::move(handler)]() mutable {
      auto bytes = Piece(blob, piece);
      boost::asio::post(ioc_, [this, bytes = std::move(bytes), start, length, handler = std::move(handler)]() mutable {
        if (!*bytes) return handler(lt::disk_buffer_holder(), ReadError(lt::operation_t::file_read));
        // libtorrent asks for a whole block at the short end of a v2 blob:
        // what lies past the end reads as zeros, as from a file.
        char* buf = new char[static_cast<size_t>(length)]();
        const Bytes& all = **bytes;
        const size_t from = std::min(all.size(), static_cast<size_t>(start));
        std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(from),
                    std::min(all.size() - from, static_cast<size_t>(length)), buf);
        handler(lt::disk_buffer_holder(*this, buf, length), lt::storage_error());
      });
    });
  }

  bool async_write(lt::storage_index_t idx, lt::peer_request const& r, char const* buf,
                   std::shared_ptr<lt::disk_observer> o, std::function<void(lt::storage_error const&)> handler,
                   lt::disk_job_flags_t flags) override {
    if (auto inner = Inner(idx)) return inner_->async_write(*inner, r, buf, std::move(o), std::move(handler), flags);
    boost::asio::post(ioc_, [handler = std::move(handler)] { handler(ReadError(lt::operation_t::file_write)); });
    return false;
  }

  void async_hash(lt::storage_index_t idx, lt::piece_index_t piece, lt::span<lt::sha256_hash> v2,
                  lt::disk_job_flags_t flags,
                  std::function<void(lt::piece_index_t, lt::sha1_hash const&, lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_hash(*inner, piece, v2, flags, std::move(handler));
    const BlobId blob = Blob(idx);
    worker_.Post([this, blob, piece, v2, handler = std::move(handler)]() mutable {
      const auto cached = Piece(blob, static_cast<int>(piece));
      const auto& bytes = *cached;
      lt::storage_error error;
      if (!bytes) {
        error = ReadError(lt::operation_t::file_read);
      } else {
        // v2 block hashes: SHA-256 of each 16 KiB block of the piece.
        for (size_t b = 0; b < static_cast<size_t>(v2.size()); ++b) {
          const size_t at = b * kBlock;
          const size_t n = at < bytes->size() ? std::min<size_t>(kBlock, bytes->size() - at) : 0;
          // Past the end of the blob (the short last piece): no block, a
          // zero hash -- libtorrent pads the Merkle tree itself.
          v2[static_cast<std::ptrdiff_t>(b)] =
              n == 0 ? lt::sha256_hash()
                     : lt::hasher256(reinterpret_cast<const char*>(bytes->data() + at), static_cast<int>(n)).final();
        }
      }
      boost::asio::post(ioc_, [piece, error, handler = std::move(handler)] { handler(piece, lt::sha1_hash(), error); });
    });
  }

  void async_hash2(lt::storage_index_t idx, lt::piece_index_t piece, int offset, lt::disk_job_flags_t flags,
                   std::function<void(lt::piece_index_t, lt::sha256_hash const&, lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_hash2(*inner, piece, offset, flags, std::move(handler));
    const BlobId blob = Blob(idx);
    worker_.Post([this, blob, piece, offset, handler = std::move(handler)]() mutable {
      const auto cached = Piece(blob, static_cast<int>(piece));
      const auto& bytes = *cached;
      lt::storage_error error;
      lt::sha256_hash hash;
      if (!bytes) {
        error = ReadError(lt::operation_t::file_read);
      } else {
        const size_t at = std::min(bytes->size(), static_cast<size_t>(offset));
        hash = lt::hasher256(reinterpret_cast<const char*>(bytes->data() + at),
                             static_cast<int>(std::min<size_t>(kBlock, bytes->size() - at)))
                   .final();
      }
      boost::asio::post(ioc_, [piece, hash, error, handler = std::move(handler)] { handler(piece, hash, error); });
    });
  }

  void async_move_storage(lt::storage_index_t idx, std::string p, lt::move_flags_t flags,
                          std::function<void(lt::status_t, std::string const&, lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_move_storage(*inner, std::move(p), flags, std::move(handler));
    boost::asio::post(ioc_, [handler = std::move(handler)] {
      handler(lt::status_t::fatal_disk_error, std::string(), ReadError(lt::operation_t::file_rename));
    });
  }

  void async_release_files(lt::storage_index_t idx, std::function<void()> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_release_files(*inner, std::move(handler));
    if (handler) boost::asio::post(ioc_, std::move(handler));
  }

  void async_check_files(lt::storage_index_t idx, lt::add_torrent_params const* resume,
                         lt::aux::vector<std::string, lt::file_index_t> links,
                         std::function<void(lt::status_t, lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_check_files(*inner, resume, std::move(links), std::move(handler));
    boost::asio::post(ioc_, [handler = std::move(handler)] { handler(lt::status_t::no_error, lt::storage_error()); });
  }

  void async_stop_torrent(lt::storage_index_t idx, std::function<void()> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_stop_torrent(*inner, std::move(handler));
    if (handler) boost::asio::post(ioc_, std::move(handler));
  }

  void async_rename_file(lt::storage_index_t idx, lt::file_index_t index, std::string name,
                         std::function<void(std::string const&, lt::file_index_t, lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_rename_file(*inner, index, std::move(name), std::move(handler));
    boost::asio::post(ioc_, [index, name = std::move(name), handler = std::move(handler)] {
      handler(name, index, lt::storage_error());
    });
  }

  void async_delete_files(lt::storage_index_t idx, lt::remove_flags_t options,
                          std::function<void(lt::storage_error const&)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_delete_files(*inner, options, std::move(handler));
    // Never the user's original.
    boost::asio::post(ioc_, [handler = std::move(handler)] { handler(lt::storage_error()); });
  }

  void async_set_file_priority(
      lt::storage_index_t idx, lt::aux::vector<lt::download_priority_t, lt::file_index_t> prio,
      std::function<void(lt::storage_error const&, lt::aux::vector<lt::download_priority_t, lt::file_index_t>)> handler)
      override {
    if (auto inner = Inner(idx)) return inner_->async_set_file_priority(*inner, std::move(prio), std::move(handler));
    boost::asio::post(ioc_, [prio = std::move(prio), handler = std::move(handler)]() mutable {
      handler(lt::storage_error(), std::move(prio));
    });
  }

  void async_clear_piece(lt::storage_index_t idx, lt::piece_index_t index,
                         std::function<void(lt::piece_index_t)> handler) override {
    if (auto inner = Inner(idx)) return inner_->async_clear_piece(*inner, index, std::move(handler));
    boost::asio::post(ioc_, [index, handler = std::move(handler)] { handler(index); });
  }

  void update_stats_counters(lt::counters& c) const override { inner_->update_stats_counters(c); }
  std::vector<lt::open_file_state> get_status(lt::storage_index_t idx) const override {
    auto it = slots_.find(idx);
    if (it != slots_.end())
      if (auto* holder = std::get_if<lt::storage_holder>(&it->second)) return inner_->get_status(*holder);
    return {};
  }
  void abort(bool wait) override {
    worker_.Stop();
    inner_->abort(wait);
  }
  void submit_jobs() override { inner_->submit_jobs(); }
  void settings_updated() override { inner_->settings_updated(); }

  void free_disk_buffer(char* b) override { delete[] b; }

 private:
  // The inner back-end's index for a torrent it keeps, else nullopt.
  std::optional<lt::storage_index_t> Inner(lt::storage_index_t idx) const {
    auto it = slots_.find(idx);
    if (it == slots_.end()) return std::nullopt;
    if (auto* holder = std::get_if<lt::storage_holder>(&it->second)) return static_cast<lt::storage_index_t>(*holder);
    return std::nullopt;
  }
  BlobId Blob(lt::storage_index_t idx) const {
    auto it = slots_.find(idx);
    if (it == slots_.end()) return BlobId{};
    return std::get<BlobId>(it->second);
  }

  lt::io_context& ioc_;
  std::unique_ptr<lt::disk_interface> inner_;
  InPlaceReader read_;
  std::map<lt::storage_index_t, std::variant<lt::storage_holder, BlobId>> slots_;  // network thread only

  // The worker's last sealed pieces: libtorrent reads a piece a 16 KiB block
  // at a time and hashes it whole, so each piece is sealed from the original
  // (and checked against its digest) once, not once per block. Only pieces
  // read whole and verified are kept, so a piece cached before the original
  // changed is still the blob's true ciphertext. Worker threads; the cache
  // under its mutex (two threads may seal the same piece at once: both get
  // the same bytes).
  using PieceBytes = std::shared_ptr<const std::expected<Bytes, std::string>>;
  PieceBytes Piece(const BlobId& blob, int piece) {
    {
      std::lock_guard lock(cache_mu_);
      for (const auto& [b, p, bytes] : cache_)
        if (p == piece && b == blob) return bytes;
    }
    auto bytes = std::make_shared<const std::expected<Bytes, std::string>>(
        read_(blob, uint64_t(static_cast<unsigned>(piece)) * kPieceSize, kPieceSize));
    if (bytes->has_value()) {
      std::lock_guard lock(cache_mu_);
      cache_.emplace_front(blob, piece, bytes);
      if (cache_.size() > kCachedPieces) cache_.pop_back();
    }
    return bytes;
  }
  static constexpr size_t kCachedPieces = 64;  // 4 MiB
  std::mutex cache_mu_;
  std::deque<std::tuple<BlobId, int, PieceBytes>> cache_;
  std::uint32_t next_ = 0;
  Worker worker_;
};

}  // namespace

std::string InPlaceSavePath(const BlobId& blob) { return kPrefix + blob.Hex(); }

lt::disk_io_constructor_type InPlaceDiskIoConstructor(InPlaceReader read) {
  return [read = std::move(read)](lt::io_context& ioc, lt::settings_interface const& settings, lt::counters& counters) {
    return std::unique_ptr<lt::disk_interface>(new InPlaceDiskIo(ioc, settings, counters, read));
  };
}

}  // namespace hearth::swarm

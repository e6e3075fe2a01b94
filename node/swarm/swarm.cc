#include "node/swarm/swarm.h"

#include <chrono>
#include <filesystem>
#include <utility>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/extensions/smart_ban.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "node/swarm/blob_torrent.h"

namespace hearth::swarm {
namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

lt::settings_pack Settings(const std::string& listen) {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, listen);
  s.set_str(lt::settings_pack::user_agent, "hearth/0.1");
  s.set_str(lt::settings_pack::peer_fingerprint, "-HR0100-");
  // Peers come only from the mesh: nothing that finds or announces peers.
  s.set_bool(lt::settings_pack::enable_dht, false);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::enable_ip_notifier, false);
  // TCP only: on loopback and LANs it is about twice as fast as uTP.
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, false);
  // Several household devices may share one address (one machine, one NAT).
  s.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  // New connections wait for the next tick; the 500 ms default costs that
  // much on every fetch.
  s.set_int(lt::settings_pack::tick_interval, 20);
  s.set_int(lt::settings_pack::send_buffer_watermark, 4 * 1024 * 1024);
  s.set_int(lt::settings_pack::send_buffer_low_watermark, 1024 * 1024);
  s.set_int(lt::settings_pack::send_buffer_watermark_factor, 150);
  s.set_int(lt::settings_pack::max_queued_disk_bytes, 8 * 1024 * 1024);
  s.set_int(lt::settings_pack::unchoke_slots_limit, -1);
  s.set_int(lt::settings_pack::active_downloads, -1);
  s.set_int(lt::settings_pack::active_seeds, -1);
  s.set_int(lt::settings_pack::active_limit, -1);
  s.set_int(lt::settings_pack::connection_speed, 200);
  s.set_bool(lt::settings_pack::smooth_connects, false);
  // Replication starts hundreds of fetches at once, each one connection:
  // with libtorrent's listen backlog of 5 most SYNs were dropped and retried
  // a second later (measured: ~1 s stalls per wave of fetches), and its
  // 200-connection limit left fetches waiting a minute for idle seeds to go.
  s.set_int(lt::settings_pack::listen_queue_size, 512);
  s.set_int(lt::settings_pack::connections_limit, 2000);
  // No RC4 obfuscation: blobs are sealed end to end already, and its
  // Diffie-Hellman handshake cost two round trips and a modexp per
  // connection (hundreds at once when a library replicates).
  s.set_int(lt::settings_pack::out_enc_policy, lt::settings_pack::pe_disabled);
  // A connection can be refused while the holder's seed is still being
  // checked (fetches connect the moment they start, see Add): try again a
  // second later, not libtorrent's default of a minute.
  s.set_int(lt::settings_pack::min_reconnect_time, 1);
  // Fetchers connect to holders, never the other way round: a seed that
  // dialled back the peers it had served (both seeds by then) would only be
  // hung up on, again and again.
  s.set_bool(lt::settings_pack::seeding_outgoing_connections, false);
  const lt::alert_category_t mask = lt::alert_category::error | lt::alert_category::status |
                                    lt::alert_category::storage | lt::alert_category::peer |
                                    lt::alert_category::piece_progress;
  s.set_int(lt::settings_pack::alert_mask, static_cast<int>(static_cast<std::uint32_t>(mask)));
  // One piece_finished alert per 64 KiB: a library moving at once makes tens
  // of thousands within seconds, and libtorrent drops alerts past this limit
  // (2000 by default) -- a dropped torrent_finished would leave a fetch
  // undone. Sweep() also catches any that are lost.
  s.set_int(lt::settings_pack::alert_queue_size, 1 << 17);
  return s;
}

}  // namespace

std::expected<std::unique_ptr<Swarm>, std::string> Swarm::Start(SwarmOptions options,
                                                                 std::shared_ptr<SwarmGuard> guard) {
  std::error_code ec;
  std::filesystem::create_directories(options.partial_dir, ec);
  if (ec) return std::unexpected("cannot create " + options.partial_dir + ": " + ec.message());
  std::unique_ptr<Swarm> swarm(new Swarm(std::move(options), guard));
  lt::settings_pack settings = Settings(swarm->options_.listen);
  if (swarm->options_.download_limit > 0)
    settings.set_int(lt::settings_pack::download_rate_limit, swarm->options_.download_limit);
  lt::session_params params(std::move(settings));
  // pread/pwrite, not libtorrent's default memory-mapped files: writing
  // into a mapped hole of a file on a full disk raises SIGBUS and kills the
  // node (again on every restart, as it re-checks the partial file); a
  // failed pwrite is an error the fetch reports (ENOSPC) instead.
  params.disk_io_constructor = swarm->options_.in_place_read
                                    ? InPlaceDiskIoConstructor(swarm->options_.in_place_read)
                                    : lt::disk_io_constructor_type(lt::posix_disk_io_constructor);
  params.extensions.clear();  // no ut_metadata, no ut_pex
  params.extensions.push_back(guard);
  try {
    swarm->session_ = std::make_unique<lt::session>(std::move(params));
    swarm->session_->add_extension(&lt::create_smart_ban_plugin);
  } catch (const std::exception& e) {
    return std::unexpected(std::string("cannot start the BitTorrent session: ") + e.what());
  }
  if (swarm->options_.download_limit > 0) {
    // libtorrent leaves peers on the local network (household devices at
    // home, loopback) out of the global limit: give them the same one.
    lt::peer_class_info local = swarm->session_->get_peer_class(lt::session::local_peer_class_id);
    local.download_limit = swarm->options_.download_limit;
    swarm->session_->set_peer_class(lt::session::local_peer_class_id, local);
  }
  if (swarm->session_->listen_port() == 0)
    return std::unexpected("cannot listen for BitTorrent connections on " + swarm->options_.listen);
  if (swarm->options_.notify) swarm->session_->set_alert_notify(swarm->options_.notify);
  swarm->fsync_ = std::make_unique<FsyncWorker>(swarm->options_.notify);
  return swarm;
}

Swarm::~Swarm() {
  if (session_) session_->set_alert_notify([] {});
}

uint16_t Swarm::port() const { return session_->listen_port(); }

std::string Swarm::PartialPath(const BlobId& blob) const { return options_.partial_dir + "/" + blob.Hex(); }
std::string Swarm::StoredDir(const BlobId& blob) const { return options_.blob_dir + "/" + blob.Hex().substr(0, 2); }
std::string Swarm::StoredPath(const BlobId& blob) const { return StoredDir(blob) + "/" + blob.Hex(); }

std::expected<void, std::string> Swarm::Add(const BlobId& blob, ByteSpan torrent, bool fetch) {
  if (torrents_.contains(blob)) return {};
  auto id = BlobIdOfTorrent(torrent);
  if (!id) return std::unexpected("bad torrent for blob " + blob.ShortHex() + ": " + id.error());
  if (*id != blob) return std::unexpected("the torrent offered for blob " + blob.ShortHex() + " is for another blob");
  lt::add_torrent_params p;
  lt::error_code ec;
  p.ti = std::make_shared<lt::torrent_info>(
      lt::span<const char>(reinterpret_cast<const char*>(torrent.data()), static_cast<long>(torrent.size())), ec,
      lt::from_span);
  if (ec) return std::unexpected("bad torrent for blob " + blob.ShortHex() + ": " + ec.message());
  const bool in_place = !fetch && options_.in_place && options_.in_place(blob);
  p.save_path = fetch ? options_.partial_dir : in_place ? InPlaceSavePath(blob) : StoredDir(blob);
  p.renamed_files[lt::file_index_t{0}] = blob.Hex();
  p.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused);
  // libtorrent makes outgoing connections on its once-a-second tick, except
  // when a torrent is resumed: then it connects to its known peers at once
  // ("connect boost"). So a new fetch starts paused and is resumed as soon
  // as it is checked, by when ConnectPeer has given it its peers -- the
  // first bytes flow within milliseconds instead of up to a second later
  // (measured: ~0.9 s on every replication). A fetch whose partial file
  // exists is not paused: its full check only runs while it is unpaused.
  std::error_code exists_ec;
  const bool start_paused = fetch && !std::filesystem::exists(PartialPath(blob), exists_ec);
  if (start_paused) p.flags |= lt::torrent_flags::paused;
  // Fetches go in order, so a player can start on the first pieces.
  if (fetch) p.flags |= lt::torrent_flags::sequential_download;
  if (!fetch && options_.verify_seeds) p.flags |= lt::torrent_flags::seed_mode;
  if (!fetch && !options_.verify_seeds) p.have_pieces.resize(p.ti->num_pieces(), true);
  lt::torrent_handle h = session_->add_torrent(std::move(p), ec);
  if (ec) return std::unexpected("cannot add blob " + blob.ShortHex() + " to the swarm: " + ec.message());
  torrents_[blob] = Torrent{h, fetch, NowUs()};
  torrents_[blob].paused = start_paused;
  by_handle_[h] = blob;
  return {};
}

std::expected<void, std::string> Swarm::Seed(const BlobId& blob, ByteSpan torrent) { return Add(blob, torrent, false); }
std::expected<void, std::string> Swarm::Fetch(const BlobId& blob, ByteSpan torrent) { return Add(blob, torrent, true); }

void Swarm::ConnectPeer(const BlobId& blob, const std::string& host, uint16_t port) {
  auto it = torrents_.find(blob);
  if (it == torrents_.end() || port == 0) return;
  boost::system::error_code ec;
  auto address = lt::make_address(host, ec);
  if (ec) return;
  it->second.handle.connect_peer(lt::tcp::endpoint(address, port));
  it->second.last_active_us = NowUs();
}

void Swarm::AddPiece(const BlobId& blob, uint32_t index, ByteSpan data) {
  auto it = torrents_.find(blob);
  if (it == torrents_.end() || !it->second.fetching) return;
  if (!it->second.checked) {
    it->second.pending.emplace_back(index, Bytes(data.begin(), data.end()));
    return;
  }
  std::vector<char> bytes(data.begin(), data.end());
  // libtorrent 2.0 reads a whole piece's worth of blocks from the buffer even
  // for the short last piece (found by measurement: unpadded, the last piece
  // never passed); the padding is not written, only the piece's own bytes.
  bytes.resize(kPieceSize, 0);
  it->second.handle.add_piece(lt::piece_index_t{static_cast<int>(index)}, std::move(bytes));
}

bool Swarm::HavePiece(const BlobId& blob, uint32_t index) const {
  auto it = torrents_.find(blob);
  return it != torrents_.end() && it->second.handle.have_piece(lt::piece_index_t{static_cast<int>(index)});
}

void Swarm::Prioritize(const BlobId& blob, uint32_t first, uint32_t count) {
  auto it = torrents_.find(blob);
  if (it == torrents_.end() || !it->second.fetching) return;
  auto ti = it->second.handle.torrent_file();
  if (!ti) return;
  const uint32_t pieces = static_cast<uint32_t>(ti->num_pieces());
  for (uint32_t i = first; i < first + count && i < pieces; ++i) {
    lt::piece_index_t p{static_cast<int>(i)};
    if (!it->second.handle.have_piece(p)) it->second.handle.set_piece_deadline(p, static_cast<int>(i - first) * 50);
  }
}

void Swarm::Remove(const BlobId& blob) {
  auto it = torrents_.find(blob);
  if (it == torrents_.end()) return;
  session_->remove_torrent(it->second.handle);
  by_handle_.erase(it->second.handle);
  torrents_.erase(it);
}

void Swarm::DiscardFetch(const BlobId& blob) {
  auto it = torrents_.find(blob);
  if (it == torrents_.end()) return;
  if (!it->second.fetching || it->second.moving) return Remove(blob);
  session_->remove_torrent(it->second.handle, lt::session::delete_files);
  by_handle_.erase(it->second.handle);
  torrents_.erase(it);
}

std::optional<TransferStatus> Swarm::Status(const BlobId& blob) const {
  auto it = torrents_.find(blob);
  if (it == torrents_.end()) return std::nullopt;
  lt::torrent_status st = it->second.handle.status();
  return TransferStatus{static_cast<uint64_t>(st.total_wanted), static_cast<uint64_t>(st.total_wanted_done),
                        st.num_peers, st.is_seeding};
}

std::vector<BlobId> Swarm::IdleSeeds(int64_t now_us, int64_t idle_us) {
  std::vector<BlobId> out;
  for (auto& [blob, t] : torrents_) {
    if (t.fetching) continue;
    if (t.handle.status().num_peers > 0) t.last_active_us = NowUs();
    else if (NowUs() - t.last_active_us > idle_us) out.push_back(blob);
  }
  (void)now_us;
  return out;
}

std::optional<BlobId> Swarm::BlobOf(const lt::torrent_handle& h) const {
  auto it = by_handle_.find(h);
  if (it == by_handle_.end()) return std::nullopt;
  return it->second;
}

bool Swarm::SeedReady(const BlobId& blob) const {
  auto it = torrents_.find(blob);
  return it != torrents_.end() && !it->second.fetching && it->second.checked;
}

void Swarm::OnChecked(const BlobId& blob, std::vector<SwarmEvent>& events) {
  Torrent& t = torrents_[blob];
  if (t.checked) return;
  t.checked = true;
  if (!t.fetching) events.push_back({SwarmEvent::Kind::kSeedReady, blob, {}});
  if (t.paused) {
    t.paused = false;
    t.handle.resume();
  }
  auto pending = std::move(t.pending);
  for (auto& [index, bytes] : pending) AddPiece(blob, index, bytes);
}

void Swarm::OnFinished(const BlobId& blob) {
  Torrent& t = torrents_[blob];
  if (!t.fetching || t.moving) return;
  t.moving = true;
  std::error_code ec;
  std::filesystem::create_directories(StoredDir(blob), ec);
  t.downloaded = static_cast<uint64_t>(t.handle.status().total_payload_download);
  t.handle.move_storage(StoredDir(blob), lt::move_flags_t::dont_replace);
}

void Swarm::OnMoved(const BlobId& blob) {
  Torrent& t = torrents_[blob];
  if (!t.fetching) return;
  t.fetching = false;
  t.last_active_us = NowUs();
  fsync_->Submit({blob, StoredPath(blob), StoredDir(blob), t.downloaded});
}

void Swarm::Sweep() {
  for (auto& [blob, t] : torrents_) {
    if (!t.fetching && t.checked) continue;
    const lt::torrent_status st = t.handle.status(lt::torrent_handle::query_save_path);
    if (t.moving) {
      if (st.save_path == StoredDir(blob) && !st.moving_storage) OnMoved(blob);
      continue;
    }
    if (!t.checked && st.state != lt::torrent_status::checking_resume_data &&
        st.state != lt::torrent_status::checking_files)
      OnChecked(blob, swept_);
    if (t.fetching && st.is_finished) OnFinished(blob);
  }
}

std::vector<SwarmEvent> Swarm::Poll() {
  std::vector<SwarmEvent> events = std::exchange(swept_, {});
  std::vector<lt::alert*> alerts;
  session_->pop_alerts(&alerts);
  for (lt::alert* a : alerts) {
    if (auto* f = lt::alert_cast<lt::torrent_finished_alert>(a)) {
      if (auto blob = BlobOf(f->handle)) OnFinished(*blob);
    } else if (auto* m = lt::alert_cast<lt::storage_moved_alert>(a)) {
      if (auto blob = BlobOf(m->handle)) OnMoved(*blob);
    } else if (auto* mf = lt::alert_cast<lt::storage_moved_failed_alert>(a)) {
      if (auto blob = BlobOf(mf->handle))
        events.push_back({SwarmEvent::Kind::kFailed, *blob, "cannot move the fetched blob into place: " + mf->message()});
    } else if (auto* tc = lt::alert_cast<lt::torrent_checked_alert>(a)) {
      if (auto blob = BlobOf(tc->handle)) OnChecked(*blob, events);
    } else if (auto* pf = lt::alert_cast<lt::piece_finished_alert>(a)) {
      auto blob = BlobOf(pf->handle);
      if (blob && torrents_[*blob].fetching)
        events.push_back({SwarmEvent::Kind::kPieceDone, *blob, {}, 0, static_cast<int>(pf->piece_index)});
    } else if (auto* hf = lt::alert_cast<lt::hash_failed_alert>(a)) {
      if (auto blob = BlobOf(hf->handle))
        events.push_back({SwarmEvent::Kind::kHashFailed, *blob,
                          "piece " + std::to_string(static_cast<int>(hf->piece_index)) + " failed its hash check"});
    } else if (auto* pb = lt::alert_cast<lt::peer_ban_alert>(a)) {
      if (auto blob = BlobOf(pb->handle)) {
        const std::string at = pb->endpoint.address().to_string() + ":" + std::to_string(pb->endpoint.port());
        SwarmEvent e{SwarmEvent::Kind::kPeerBanned, *blob, at};
        e.peer = guard_->DeviceAt(pb->endpoint);
        events.push_back(std::move(e));
      }
    } else if (auto* te = lt::alert_cast<lt::torrent_error_alert>(a)) {
      if (auto blob = BlobOf(te->handle)) {
        SwarmEvent e{SwarmEvent::Kind::kFailed, *blob, te->message()};
        e.disk_full = te->error == boost::system::errc::no_space_on_device ||
                      te->error == boost::system::errc::file_too_large ||
                      te->error.value() == EDQUOT;
        events.push_back(std::move(e));
      }
    }
  }
  for (const FsyncWorker::Job& job : fsync_->TakeDone()) {
    if (job.ok) events.push_back({SwarmEvent::Kind::kFetched, job.blob, {}, job.downloaded});
    else events.push_back({SwarmEvent::Kind::kFailed, job.blob, "cannot make the fetched blob durable"});
  }
  return events;
}

}  // namespace hearth::swarm

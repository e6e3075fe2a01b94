#include "node/http/service.h"

#include <sodium.h>

#include "crypto/bytes.h"
#include "node/http/listener_book.h"
#include "node/library/catalog.h"
#include "node/store/mesh_tables.h"

namespace hearth::http {
namespace {

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return std::nullopt;
}

// A decoded path that could climb out of where it points.
bool Climbs(const std::string& path) {
  if (path.find('\\') != std::string::npos) return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg(path.data() + start, (slash == std::string::npos ? path.size() : slash) - start);
    if (seg == "..") return true;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> BasicCredentials(std::string_view header) {
  if (!header.starts_with("Basic ")) return std::nullopt;
  std::string_view b64 = header.substr(6);
  std::string raw(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), b64.data(), b64.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  raw.resize(len);
  size_t colon = raw.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{raw.substr(0, colon), raw.substr(colon + 1)};
}

HttpService::HttpService(asio::io_context& io, asio::thread_pool& workers, ServiceOptions options)
    : io_(io), workers_(workers), options_(std::move(options)) {}

HttpService::~HttpService() { *alive_ = false; }

std::expected<void, std::string> HttpService::Open() {
  auto home = store::Home::Open(options_.home_dir);
  if (!home) return std::unexpected(home.error().message);
  home_ = std::make_unique<store::Home>(std::move(*home));
  if (!home_->content_secret())
    return std::unexpected("this is a storage device: it holds no content secret, so it cannot play music");
  catalog_ = std::make_unique<library::Catalog>(home_->db());
  library_ = std::make_unique<LibraryIndex>(home_->db());
  users_ = std::make_unique<Users>(home_->db(), home_->device_key());
  imports_ = std::make_unique<ImportJobs>(options_.home_dir);
  MigrateDeviceListeners();
  data_version_ = -1;
  ledger_size_ = UINT64_MAX;
  Refresh();
  return {};
}

void HttpService::MigrateDeviceListeners() {
  // Listeners this device had on its own before household listeners: an
  // admin device moves them into the ledger; elsewhere they keep working here.
  auto log = [&](const std::string& line) {
    if (options_.log) options_.log(line);
  };
  auto migrated = ListenerBook(*home_).MigrateDeviceListeners(options_.clock());
  if (!migrated) {
    if (migrated.error().code != ListenerBookErrc::kNotAdmin)
      log("http: cannot move this device's listeners into the household: " + migrated.error().message);
    return;
  }
  for (const auto& name : migrated->moved)
    log("http: listener " + name + " of this device is now a household listener, known on every device");
  for (const auto& name : migrated->dropped)
    log("http: this device's own listener " + name + " was dropped: the household has a listener of that name");
}

void HttpService::Refresh() {
  const int64_t version = home_->db().DataVersion();
  if (version == data_version_) return;
  data_version_ = version;
  // Another process (the mesh, the CLI) wrote: new ledger entries may have
  // changed the catalog, and have-sets may have moved.
  if (auto r = home_->ledger().CatchUp(); !r && options_.log)
    options_.log("http: cannot read the ledger: " + r.error().message);
  const uint64_t ledger_size = home_->ledger().ledger().size();
  if (ledger_size != ledger_size_) {
    users_->Sync(home_->ledger().ledger().state(), home_->content_secret());
    if (auto synced = catalog_->Sync(home_->ledger().ledger().state(), home_->content_secret()); !synced) {
      if (options_.log) options_.log("http: cannot sync the catalog: " + synced.error().message);
      data_version_ = -1;  // try again at the next request
    } else {
      ledger_size_ = ledger_size;
    }
  }
}

asio::awaitable<void> HttpService::Handle(Exchange& ex) {
  const Request& req = ex.request();
  auto target = ParseTarget(std::string_view(req.target().data(), req.target().size()));
  if (!target) {
    co_await ex.Send(TextResponse(req, bhttp::status::bad_request, "bad request target\n"));
    co_return;
  }
  if (Climbs(target->path)) {
    co_await ex.Send(TextResponse(req, bhttp::status::bad_request, "bad path: it may not contain \"..\"\n"));
    co_return;
  }
  Refresh();
  if (target->path == "/rest" || target->path.starts_with("/rest/")) {
    co_await HandleSubsonic(ex, std::move(*target));
  } else if (target->path.starts_with("/api/v1/") || target->path == "/api/v1") {
    co_await HandleApi(ex, *target);
  } else if (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) {
    co_await HandleWeb(ex, *target);
  } else {
    co_await ex.Send(TextResponse(req, bhttp::status::method_not_allowed, "method not allowed\n"));
  }
}

std::expected<User, AuthFailure> HttpService::CheckLogin(
    const std::string& client, const std::string& name,
    const std::function<std::expected<User, AuthFailure>()>& check) {
  if (throttle_.WaitUs(client, name) > 0) return std::unexpected(AuthFailure::kThrottled);
  auto u = check();
  if (u) throttle_.Succeeded(client, name);
  else if (u.error() == AuthFailure::kWrongCredentials) throttle_.Failed(client, name);
  return u;
}

std::string HttpService::ThrottledMessage(const std::string& client, const std::string& name) {
  const int64_t seconds = (throttle_.WaitUs(client, name) + 999'999) / 1'000'000;
  return "too many wrong passwords from this address or for this user: try again in " + std::to_string(seconds) +
         " s";
}

std::expected<User, AuthFailure> HttpService::ApiUser(const Request& req, const Params& params,
                                                      const std::string& client) {
  std::string_view auth(req[bhttp::field::authorization].data(), req[bhttp::field::authorization].size());
  if (auth.starts_with("Bearer ")) return users_->CheckApiKey(std::string(auth.substr(7)));
  if (auto basic = BasicCredentials(auth))
    return CheckLogin(client, basic->first, [&] { return users_->CheckPassword(basic->first, basic->second); });
  std::string_view cookies(req[bhttp::field::cookie].data(), req[bhttp::field::cookie].size());
  if (auto key = CookieValue(cookies, "hearth_key")) {
    auto u = users_->CheckApiKey(*key);
    if (u) return *u;
  }
  if (auto key = Get(params, "key")) {
    auto u = users_->CheckApiKey(*key);
    if (u) return *u;
  }
  return std::unexpected(AuthFailure::kWrongCredentials);
}

void HttpService::PeerStreams(const DeviceId& device, const std::vector<StreamSlot>& slots) {
  slots_.SetPeer(device, slots, options_.clock());
}

std::optional<StreamRefusal> HttpService::TakeStreamSlot(const User& user, const std::string& client,
                                                         const library::TrackRecord& song) {
  const uint32_t limit = home_->ledger().ledger().state().policy.stream_limit;
  // Every live claim of the track is an owned copy.
  uint32_t copies = 1;
  if (limit > 0)
    if (auto claims = catalog_->ClaimsOf(song.track); claims && !claims->empty())
      copies = static_cast<uint32_t>(claims->size());
  const int64_t now = options_.clock();
  auto taken = slots_.Acquire(user.name, client, song.track, static_cast<int64_t>(song.duration_ms) * 1000, limit,
                              copies, now);
  if (!taken) {
    if (options_.log) options_.log("http: refused a stream for " + user.name + ": " + taken.error().Message());
    return taken.error();
  }
  if (*taken && options_.streams_changed) options_.streams_changed(slots_.Local(now));
  return std::nullopt;
}

bool HttpService::HeldHere(const BlobId& blob) { return home_->blobs().Has(blob); }

std::vector<std::string> HttpService::HolderNames(const BlobId& blob) {
  std::vector<std::string> out;
  const auto& members = home_->ledger().ledger().state().members;
  auto name = [&](const DeviceId& d) {
    auto m = members.find(d);
    return m == members.end() ? d.ShortHex() : m->second.name;
  };
  if (HeldHere(blob)) out.push_back(name(home_->device_id()));
  if (auto holders = store::PeerHoldersOf(home_->db(), blob))
    for (const DeviceId& d : *holders) out.push_back(name(d));
  return out;
}

std::optional<crypto::Secret<32>> HttpService::BlobKeyOf(const library::TrackRecord& r) const {
  if (!home_->content_secret()) return std::nullopt;
  return home_->content_secret()->BlobKey(r.sealed_file.bytes);
}

media::ChunkReader HttpService::AnyThreadChunks() {
  return [store = &home_->blobs(), remote = options_.remote_chunks](const BlobId& blob, uint32_t index,
                                                                     media::ChunkCallback done) {
    if (store->Has(blob)) {
      auto bytes = store->Read(blob, uint64_t{index} * crypto::kSealedChunkSize, crypto::kSealedChunkSize);
      if (bytes && !bytes->empty()) return done(std::move(*bytes));
    }
    if (remote) return remote(blob, index, std::move(done));
    done(std::unexpected(std::string("this device does not hold the track and is not connected to the mesh")));
  };
}

nlohmann::json HttpService::SongJson(const library::TrackRecord& r) { return SongJson(r, library_->AlbumOf(r)); }

nlohmann::json HttpService::SongJson(const library::TrackRecord& r, const AlbumInfo& album) {
  nlohmann::json j = {
      {"id", LibraryIndex::SongId(r)},
      {"title", r.title},
      {"artist", r.artist},
      {"album", album.name},
      {"albumId", album.id},
      {"albumArtist", album.artist},
      {"artistId", album.artist_id},
      {"track", r.track_no},
      {"disc", r.disc_no},
      {"year", r.year},
      {"genre", r.genre},
      {"duration", static_cast<double>(r.duration_ms) / 1000.0},
      {"format", r.format},
      {"codec", r.codec},
      {"bitrate", r.bitrate / 1000},
      {"size", r.plaintext_length},
      {"cover", r.cover ? nlohmann::json(LibraryIndex::CoverId(*r.cover)) : nlohmann::json(nullptr)},
      {"blob", r.blob.Hex()},
      {"here", HeldHere(r.blob)},
      {"holders", HolderNames(r.blob)},
  };
  return j;
}

}  // namespace hearth::http

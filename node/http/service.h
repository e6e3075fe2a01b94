// HttpService: what a node serves to players over HTTP --
//
//   /            the web player (static files built into the binary)
//   /api/v1/...  the JSON API (docs/api.md)
//   /rest/...    the OpenSubsonic API (subsonic.cc)
//
// It opens its own connection to the home (the mesh has another; the ledger
// in memory is only heads and membership), syncs the catalog when the ledger
// grows, reads blobs through a
// ChunkReader (the local store first, then the mesh), and transcodes on a
// worker pool so that no request blocks the others.
//
// Threads: Handle() and everything it touches run on the HTTP io_context's
// one thread, except transcoding steps, which run on `workers`.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http/import_jobs.h"
#include "node/http/library_index.h"
#include "node/http/login_throttle.h"
#include "node/http/query.h"
#include "node/http/server.h"
#include "node/http/stream_slots.h"
#include "node/http/users.h"
#include "node/media/blob_reader.h"
#include "node/store/clock.h"
#include "node/store/home.h"

namespace hearth::http {

struct ServiceOptions {
  std::string home_dir;
  // Reads chunks this device does not hold (the mesh); null: local only.
  media::ChunkReader remote_chunks;
  // Reads a chunk from another device even when this one holds the blob:
  // the copy here failed authentication. Null: no way around it.
  media::ChunkReader chunks_elsewhere;
  // A chunk of this device's copy of a blob failed authentication: the node
  // verifies the blob at once and repairs it (node/mesh/blob_repair.h).
  std::function<void(const BlobId&)> damaged_blob;
  // How long a player waits for a chunk no device can send, before a clear
  // error (the track's holders are all away).
  std::chrono::milliseconds chunk_wait{8000};
  Clock clock = SystemNowMicros;
  std::function<void(const std::string&)> log;
  // Asks the node to keep a blob here (pin) or lets it go (unpin): the
  // service writes the pins/wanted tables itself; this only wakes the node.
  std::function<void(const BlobId&)> wake_fetch;
  // This device's streams changed (stream_slots.h): tell the other members
  // (the mesh's STREAMS). Called on the HTTP thread.
  std::function<void(std::vector<StreamSlot>)> streams_changed;
  // Where this device's mesh listens (HOST:PORT), for the invites the control
  // room makes; "" until it listens. Called on the HTTP thread.
  std::function<std::string()> mesh_address;
};

// JSON answers of the API (api_v1.cc): `body` as JSON, and {"error": message}.
Response JsonResponse(const Request& req, bhttp::status status, const nlohmann::json& body);
Response JsonError(const Request& req, bhttp::status status, const std::string& message);

// The MIME type of an original in `format` (mp3, m4a, flac, ogg, opus, wav).
std::string AudioMime(const std::string& format);

// The user and password of an "Authorization: Basic" header.
std::optional<std::pair<std::string, std::string>> BasicCredentials(std::string_view header);

class HttpService {
 public:
  HttpService(asio::io_context& io, asio::thread_pool& workers, ServiceOptions options);
  ~HttpService();

  // Opens the home; an error says why (no home, no content secret).
  std::expected<void, std::string> Open();
  asio::awaitable<void> Handle(Exchange& ex);

  // What member `device` says its players play now (the mesh's STREAMS).
  // On the HTTP thread.
  void PeerStreams(const DeviceId& device, const std::vector<StreamSlot>& slots);

  // For tests and the CLI.
  Users& users() { return *users_; }
  store::Home& home() { return *home_; }

 private:
  // Shared (service.cc).
  void Refresh();
  void MigrateDeviceListeners();
  // Takes (or renews) the stream slot for `user` on `client` playing `song`,
  // unless the household's stream limit says no (stream_slots.h).
  std::optional<StreamRefusal> TakeStreamSlot(const User& user, const std::string& client,
                                              const library::TrackRecord& song);
  // Who a JSON API request comes from (bearer key, Basic password, cookie,
  // ?key=); `client` is its address, for the login throttle.
  std::expected<User, AuthFailure> ApiUser(const Request& req, const Params& params, const std::string& client);
  // `check` (a password or token check for `name`), unless `client` or
  // `name` must wait after too many wrong ones (kThrottled).
  std::expected<User, AuthFailure> CheckLogin(const std::string& client, const std::string& name,
                                              const std::function<std::expected<User, AuthFailure>()>& check);
  // "try again in N s" for a throttled login.
  std::string ThrottledMessage(const std::string& client, const std::string& name);
  nlohmann::json SongJson(const library::TrackRecord& song);
  // The same, with its album already read (AlbumOf).
  nlohmann::json SongJson(const library::TrackRecord& song, const AlbumInfo& album);
  bool HeldHere(const BlobId& blob);
  std::vector<std::string> HolderNames(const BlobId& blob);
  std::optional<crypto::Secret<32>> BlobKeyOf(const library::TrackRecord& r) const;
  // Lets a transcode or cover read a chunk that fails authentication here
  // from another device, and sets off the repair (options_.chunks_elsewhere).
  void WithFallback(media::PlainBlob& plain);
  media::ChunkReader AnyThreadChunks();
  // Chunk `index` of `blob` from another device (options_.chunks_elsewhere).
  asio::awaitable<media::SealedChunk> ReadSealedElsewhere(const BlobId& blob, uint32_t index);

  // Streaming (streaming.cc).
  asio::awaitable<media::SealedChunk> ReadSealed(const BlobId& blob, uint32_t index);
  // `r` is a copy: the index may be replaced while the stream runs.
  asio::awaitable<void> StreamOriginal(Exchange& ex, library::TrackRecord r);
  asio::awaitable<void> StreamOpus(Exchange& ex, library::TrackRecord r, int bitrate_kbps,
                                   double start_seconds);
  // The decrypted image and its MIME type, if this device has that cover.
  std::optional<std::pair<Bytes, std::string>> CoverImage(const std::string& cover_id);
  static Response ImageResponse(const Request& req, std::pair<Bytes, std::string> image);
  // What a request asks to be played (answered by streaming, not a Response).
  struct PlayAction {
    // The song to stream: a copy, valid whatever the index becomes meanwhile.
    std::optional<library::TrackRecord> song;
    bool opus = false;
    int bitrate_kbps = 128;
    double start_seconds = 0;
    // A cover this device does not have: read from a track's blob instead.
    std::optional<crypto::Digest> cover;
    std::optional<std::string> subsonic_format;  // how to say "not found" (else JSON API)
  };
  // The cover `digest` from the embedded picture of a track that has it
  // (from wherever its blob is); checked against the digest and kept.
  asio::awaitable<std::optional<std::pair<Bytes, std::string>>> CoverFromTrack(const crypto::Digest& digest);
  Response ApiResponse(const Request& req, const Target& target, PlayAction& play, const std::string& client);
  Response SubsonicResponse(const Request& req, Target& target, PlayAction& play, const std::string& client);
  // The control room's calls (api_admin.cc: health, policy, invites, revoke,
  // folders): nullopt if `parts` names none of them.
  std::optional<Response> AdminApiResponse(const Request& req, const std::vector<std::string>& parts, const User& user);
  // Sends `res`, or the stream `play` asks for.
  asio::awaitable<void> Answer(Exchange& ex, Response res, const PlayAction& play);

  // The JSON API (api_v1.cc) and OpenSubsonic (subsonic.cc).
  asio::awaitable<void> HandleApi(Exchange& ex, const Target& target);
  asio::awaitable<void> HandleSubsonic(Exchange& ex, Target target);
  asio::awaitable<void> HandleWeb(Exchange& ex, const Target& target);

  friend struct SubsonicRequest;

  asio::io_context& io_;
  asio::thread_pool& workers_;
  ServiceOptions options_;
  std::unique_ptr<store::Home> home_;
  std::unique_ptr<library::Catalog> catalog_;
  std::unique_ptr<Users> users_;
  StreamSlots slots_;
  LoginThrottle throttle_{[this] { return options_.clock(); }};
  std::unique_ptr<ImportJobs> imports_;
  // The library as players see it, read from the catalog tables on each
  // call; what it answers are values, so nothing a request holds can be
  // pulled from under it when the catalog changes.
  std::unique_ptr<LibraryIndex> library_;
  int64_t data_version_ = -1;
  uint64_t ledger_size_ = UINT64_MAX;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hearth::http

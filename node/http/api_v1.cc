// HttpService: the JSON API under /api/v1 (documented in docs/api.md).
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "node/http/service.h"
#include "node/store/import_roots.h"
#include "node/store/mesh_tables.h"
#include "node/store/live_claims.h"
#include "protocol/entry_body.h"

namespace hearth::http {
namespace {

using nlohmann::json;

Response Json(const Request& req, bhttp::status status, const json& body) { return JsonResponse(req, status, body); }
Response Error(const Request& req, bhttp::status status, const std::string& message) {
  return JsonError(req, status, message);
}

// 429 with Retry-After (whole seconds, from the message's "in N s").
Response Throttled(const Request& req, const std::string& message) {
  Response res = Error(req, bhttp::status::too_many_requests, message);
  const size_t in = message.rfind(" in ");
  if (in != std::string::npos) res.set(bhttp::field::retry_after, message.substr(in + 4, message.size() - in - 6));
  return res;
}

// "/api/v1/albums/al-1234" -> {"albums", "al-1234"}
std::vector<std::string> Parts(const std::string& path) {
  std::vector<std::string> out;
  std::string_view rest = std::string_view(path).substr(std::string_view("/api/v1").size());
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    size_t slash = rest.find('/');
    out.emplace_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  return out;
}

json AlbumSummary(const AlbumInfo& a) {
  return json{{"id", a.id},
              {"name", a.name},
              {"artist", a.artist},
              {"artistId", a.artist_id},
              {"year", a.year},
              {"genre", a.genre},
              {"songCount", a.song_count},
              {"duration", static_cast<double>(a.duration_ms) / 1000.0},
              {"cover", a.cover ? json(LibraryIndex::CoverId(*a.cover)) : json(nullptr)}};
}

}  // namespace

Response JsonResponse(const Request& req, bhttp::status status, const json& body) {
  // Text that is not UTF-8 (a query of "%ff") is answered with U+FFFD, not
  // with an exception.
  return TextResponse(req, status, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                      "application/json");
}

Response JsonError(const Request& req, bhttp::status status, const std::string& message) {
  return JsonResponse(req, status, json{{"error", message}});
}

Response HttpService::ApiResponse(const Request& req, const Target& target, PlayAction& play,
                                  const std::string& client) {
  const auto parts = Parts(target.path);
  const auto method = req.method();
  Params params = target.params;

  if (parts.size() == 1 && parts[0] == "login") {
    if (method != bhttp::verb::post) {
      return Error(req, bhttp::status::method_not_allowed, "POST a user and password to log in");
    }
    std::string user, password;
    auto body = json::parse(req.body(), nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
      user = body.value("user", "");
      password = body.value("password", "");
    } else if (Params form; ParseForm(req.body(), form)) {
      user = Get(form, "user").value_or("");
      password = Get(form, "password").value_or("");
    }
    auto u = CheckLogin(client, user, [&] { return users_->CheckPassword(user, password); });
    if (!u && u.error() == AuthFailure::kThrottled) return Throttled(req, ThrottledMessage(client, user));
    if (!u) {
      return Error(req, bhttp::status::unauthorized, "wrong user name or password");
    }
    Response res = Json(req, bhttp::status::ok, json{{"user", u->name}, {"admin", u->admin}, {"token", u->api_key}});
    res.set(bhttp::field::set_cookie, "hearth_key=" + u->api_key + "; Path=/; HttpOnly; SameSite=Strict");
    return res;
  }
  if (parts.size() == 1 && parts[0] == "logout") {
    Response res = Json(req, bhttp::status::ok, json{{"ok", true}});
    res.set(bhttp::field::set_cookie, "hearth_key=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return res;
  }

  auto user = ApiUser(req, params, client);
  if (!user && user.error() == AuthFailure::kThrottled) {
    std::string_view auth(req[bhttp::field::authorization].data(), req[bhttp::field::authorization].size());
    auto basic = BasicCredentials(auth);
    return Throttled(req, ThrottledMessage(client, basic ? basic->first : std::string()));
  }
  if (!user) {
    Response res = Error(req, bhttp::status::unauthorized,
                         "log in first: POST /api/v1/login, then send the token as \"Authorization: Bearer TOKEN\"");
    res.set(bhttp::field::www_authenticate, "Bearer realm=\"hearth\"");
    return res;
  }
  const bool get = method == bhttp::verb::get || method == bhttp::verb::head;
  auto not_found = [&](const std::string& what) { return Error(req, bhttp::status::not_found, what); };

  if (auto answered = AdminApiResponse(req, parts, *user)) return std::move(*answered);
  if (get && parts.size() == 1 && parts[0] == "streams") {
    // What plays across the household now, as far as this device knows.
    const int64_t now = options_.clock();
    json playing = json::array();
    for (const auto& [track, n] : slots_.AllPlaying(now)) {
      auto s = library_->Song(track.Hex());
      playing.push_back({{"track", track.Hex()}, {"title", s ? json(s->title) : json(nullptr)}, {"streams", n}});
    }
    return Json(req, bhttp::status::ok,
                json{{"stream_limit", home_->ledger().ledger().state().policy.stream_limit}, {"playing", playing}});
  }
  if (get && parts.size() == 1 && parts[0] == "me") {
    const auto& members = home_->ledger().ledger().state().members;
    auto me = members.find(home_->device_id());
    json device = {{"id", home_->device_id().Hex()}};
    if (me != members.end()) {
      device["name"] = me->second.name;
      device["role"] = std::string(RoleName(me->second.role));
    }
    return Json(req, bhttp::status::ok, json{{"user", user->name}, {"admin", user->admin}, {"device", device}});
  }
  if (get && parts.size() == 1 && parts[0] == "tracks") {
    const int offset = IntParam(params, "offset", 0, 0, INT32_MAX);
    const int limit = IntParam(params, "limit", 100, 1, 1000);
    json tracks = json::array();
    for (const auto& r : library_->Songs(static_cast<size_t>(offset), static_cast<size_t>(limit)))
      tracks.push_back(SongJson(r));
    return Json(req, bhttp::status::ok, json{{"total", library_->SongCount()}, {"offset", offset}, {"tracks", tracks}});
  }
  if (parts.size() >= 2 && parts[0] == "tracks") {
    auto song = library_->Song(parts[1]);
    if (!song) {
      return not_found("no track with id " + parts[1]);
    }
    if (get && parts.size() == 2) {
      return Json(req, bhttp::status::ok, SongJson(*song));
    }
    if (get && parts.size() == 3 && parts[2] == "stream") {
      if (auto refused = TakeStreamSlot(*user, client, *song)) {
        return Json(req, bhttp::status::too_many_requests,
                    json{{"error", refused->Message()},
                         {"stream_limit", refused->limit},
                         {"playing", refused->playing},
                         {"copies", refused->copies}});
      }
      play.song = std::move(*song);
      play.opus = Get(params, "format").value_or("original") == "opus";
      play.bitrate_kbps = IntParam(params, "bitrate", 128, 64, 192);
      play.start_seconds = SecondsParam(params, "start");
      return Response{};
    }
  }
  if (get && parts.size() == 1 && parts[0] == "albums") {
    // A page of albums by name (offset, limit <= 500; 100 by default).
    const int offset = IntParam(params, "offset", 0, 0, INT32_MAX);
    const int limit = IntParam(params, "limit", 100, 1, 500);
    json albums = json::array();
    for (const AlbumInfo& a : library_->Albums(AlbumOrder::kName, static_cast<size_t>(offset), static_cast<size_t>(limit)))
      albums.push_back(AlbumSummary(a));
    return Json(req, bhttp::status::ok, json{{"total", library_->AlbumCount()}, {"offset", offset}, {"albums", albums}});
  }
  if (get && parts.size() == 2 && parts[0] == "albums") {
    auto a = library_->Album(parts[1]);
    if (!a) {
      return not_found("no album with id " + parts[1]);
    }
    json j = AlbumSummary(*a);
    j["tracks"] = json::array();
    for (const auto& s : library_->AlbumSongs(*a)) j["tracks"].push_back(SongJson(s, *a));
    return Json(req, bhttp::status::ok, j);
  }
  if (get && parts.size() == 1 && parts[0] == "artists") {
    const int offset = IntParam(params, "offset", 0, 0, INT32_MAX);
    const int limit = IntParam(params, "limit", 100, 1, 500);
    json artists = json::array();
    for (const ArtistInfo& a : library_->Artists(static_cast<size_t>(offset), static_cast<size_t>(limit)))
      artists.push_back({{"id", a.id}, {"name", a.name}, {"albumCount", a.album_count}, {"songCount", a.song_count}});
    return Json(req, bhttp::status::ok, json{{"total", library_->ArtistCount()}, {"offset", offset}, {"artists", artists}});
  }
  if (get && parts.size() == 2 && parts[0] == "artists") {
    auto a = library_->Artist(parts[1]);
    if (!a) {
      return not_found("no artist with id " + parts[1]);
    }
    json albums = json::array();
    for (const AlbumInfo& album : library_->ArtistAlbums(*a)) albums.push_back(AlbumSummary(album));
    return Json(req, bhttp::status::ok, json{{"id", a->id}, {"name", a->name}, {"albums", albums}});
  }
  if (get && parts.size() == 1 && parts[0] == "search") {
    const std::string q = Get(params, "q").value_or("");
    const int limit = IntParam(params, "limit", 50, 1, 500);
    json tracks = json::array(), albums = json::array(), artists = json::array();
    std::set<std::string> seen_albums, seen_artists;
    for (const auto& r : library_->SearchSongs(q, static_cast<size_t>(limit))) {
      const AlbumInfo a = library_->AlbumOf(r);
      tracks.push_back(SongJson(r, a));
      if (seen_albums.insert(a.id).second) albums.push_back(AlbumSummary(a));
      if (seen_artists.insert(a.artist_id).second) artists.push_back({{"id", a.artist_id}, {"name", a.artist}});
    }
    return Json(req, bhttp::status::ok,
                          json{{"query", q}, {"tracks", tracks}, {"albums", albums}, {"artists", artists}});
  }
  if (get && parts.size() == 2 && parts[0] == "covers") {
    auto image = CoverImage(parts[1]);
    if (!image) {
      auto digest = parts[1].starts_with("co-") ? library::ParseHexDigest(parts[1].substr(3)) : std::nullopt;
      if (!digest) return not_found("no cover " + parts[1]);
      play.cover = digest;  // read it from a track's blob
      return Response{};
    }
    return ImageResponse(req, std::move(*image));
  }
  if (get && parts.size() == 1 && parts[0] == "devices") {
    const auto& state = home_->ledger().ledger().state();
    std::map<DeviceId, store::PeerRecord> peers;
    if (auto list = store::ListPeers(home_->db())) for (auto& p : *list) peers[p.device] = p;
    std::map<DeviceId, size_t> counts;
    if (auto c = store::PeerBlobCounts(home_->db())) counts = std::move(*c);
    json devices = json::array();
    for (const auto& [id, m] : state.members) {
      json d = {{"id", id.Hex()},   {"name", m.name},       {"role", std::string(RoleName(m.role))},
                {"admin", m.admin}, {"revoked", m.revoked}, {"self", id == home_->device_id()}};
      if (auto p = peers.find(id); p != peers.end()) {
        d["online"] = p->second.online;
        d["lastSeen"] = p->second.last_seen_us / 1'000'000;
        d["address"] = p->second.host;
      } else {
        d["online"] = id == home_->device_id();
      }
      d["blobs"] = id == home_->device_id() ? json(nullptr) : json(counts[id]);
      devices.push_back(d);
    }
    return Json(req, bhttp::status::ok, json{{"devices", devices}});
  }
  if (parts.size() >= 1 && parts[0] == "pins") {
    if (get && parts.size() == 1) {
      json tracks = json::array();
      if (auto pins = store::ListPins(home_->db())) {
        for (const BlobId& blob : *pins)
          if (auto r = catalog_->AnyClaimOfBlob(blob); r && *r) tracks.push_back(SongJson(**r));
      }
      return Json(req, bhttp::status::ok, json{{"tracks", tracks}});
    }
    if (parts.size() == 2 && (method == bhttp::verb::put || method == bhttp::verb::delete_)) {
      auto r = library_->Song(parts[1]);
      if (!r) {
        return not_found("no track with id " + parts[1]);
      }
      const bool pin = method == bhttp::verb::put;
      auto done = store::SetPinned(home_->db(), r->blob, pin, options_.clock());
      if (done && pin && !HeldHere(r->blob)) done = store::AddWanted(home_->db(), r->blob, store::WantedReason::kPin, options_.clock());
      if (!done) {
        return Error(req, bhttp::status::internal_server_error, done.error().message);
      }
      if (pin && options_.wake_fetch) options_.wake_fetch(r->blob);
      return Json(req, bhttp::status::ok, json{{"id", parts[1]}, {"pinned", pin}, {"here", HeldHere(r->blob)}});
    }
  }
  if (parts.size() >= 1 && parts[0] == "imports") {
    // Where a job reads is the admins' business: other listeners see its progress only.
    auto shown = [&](json job) {
      if (!user->admin) job.erase("path");
      return job;
    };
    if (get && parts.size() == 1) {
      json jobs = json::array();
      for (const auto& job : imports_->List()) jobs.push_back(shown(job));
      return Json(req, bhttp::status::ok, json{{"imports", jobs}});
    }
    if (get && parts.size() == 2) {
      int id = 0;
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), id);
      auto job = imports_->Find(id);
      return job ? Json(req, bhttp::status::ok, shown(*job)) : not_found("no import " + parts[1]);
    }
    if (method == bhttp::verb::post && parts.size() == 1) {
      if (!user->admin) return Error(req, bhttp::status::forbidden, "only an admin listener may start imports");
      auto body = json::parse(req.body(), nullptr, false);
      const std::string path = body.is_object() ? body.value("path", "") : "";
      if (path.empty() || path.front() != '/') return Error(req, bhttp::status::bad_request, "give an absolute path to import");
      // Only inside the folders this device imports from (`hearth import`
      // adds one), symlinks resolved: never any file the node can read.
      auto resolved = store::ImportRootOf(path);
      if (!resolved) return Error(req, bhttp::status::bad_request, "no such file or folder: " + path);
      std::error_code ec;
      const std::string inside = std::filesystem::canonical(path, ec).string();
      auto roots = store::ListImportRoots(home_->db());
      if (!roots) return Error(req, bhttp::status::internal_server_error, roots.error().message);
      if (ec || std::none_of(roots->begin(), roots->end(), [&](const std::string& r) { return store::PathInside(r, inside); })) {
        std::string list;
        for (const auto& r : *roots) list += (list.empty() ? "" : ", ") + r;
        return Error(req, bhttp::status::forbidden,
                     "imports over the API only read inside the folders this device imports from (" +
                         (list.empty() ? std::string("none yet") : list) + "); `hearth import FOLDER` on the device adds one");
      }
      const bool copy = body.is_object() && body.value("copy", false);
      auto started = imports_->Start(inside, copy);
      if (!started) return Error(req, bhttp::status::bad_request, started.error());
      return Json(req, bhttp::status::accepted, *started);
    }
  }
  if (get && parts.size() == 1 && parts[0] == "ledger") {
    const Ledger& ledger = home_->ledger().ledger();
    const auto& state = ledger.state();
    auto live = store::CountLive(home_->db());
    if (!live) return Error(req, bhttp::status::internal_server_error, live.error().message);
    const uint64_t claims = live->claims;
    return Json(req, bhttp::status::ok,
                          json{{"household", home_->household().Hex()},
                               {"entries", ledger.size()},
                               {"effective", ledger.effective_count()},
                               {"members", state.members.size()},
                               {"claims", claims},
                               {"copies", state.policy.copies}});
  }
  return not_found("no such API endpoint: " + std::string(bhttp::to_string(method)) + " " + target.path);
}

asio::awaitable<void> HttpService::HandleApi(Exchange& ex, const Target& target) {
  PlayAction play;
  (void)library_->TakeError();
  Response res = ApiResponse(ex.request(), target, play, LoginThrottle::ClientKey(ex.remote().address()));
  // A read of the library failed: the answer would be silently short.
  if (auto failed = library_->TakeError()) {
    res = Error(ex.request(), bhttp::status::internal_server_error, "cannot read the library: " + *failed);
    play = PlayAction{};
  }
  co_await Answer(ex, std::move(res), play);
}

}  // namespace hearth::http

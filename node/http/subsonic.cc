// HttpService: the OpenSubsonic API under /rest. Requests: GET or POST form,
// "/rest/NAME" or "/rest/NAME.view"; auth by u+p (plain or enc:), u+t+s
// (token) or apiKey; f=json or XML. Errors are status="failed" envelopes
// with the spec's codes (HTTP 200, as the spec has it).
#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>
#include <set>

#include "node/http/subsonic_calls.h"
#include "node/http/subsonic_format.h"
#include "node/http/service.h"
#include "crypto/bytes.h"
#include "protocol/byte_io.h"
#include "crypto/sodium.h"
#include "node/store/play_tables.h"

namespace hearth::http {

using nlohmann::json;

Response HttpService::SubsonicResponse(const Request& req, Target& target, PlayAction& play,
                                       const std::string& client) {
  Params& p = target.params;
  if (req.method() == bhttp::verb::post) {
    std::string_view type(req[bhttp::field::content_type].data(), req[bhttp::field::content_type].size());
    if (type.starts_with("application/x-www-form-urlencoded") && !ParseForm(req.body(), p)) {
      return (TextResponse(req, bhttp::status::bad_request, "the form body does not decode\n"));
    }
  } else if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    return (TextResponse(req, bhttp::status::method_not_allowed, "use GET or POST\n"));
  }
  std::string op = target.path.size() > 6 ? target.path.substr(6) : "";
  if (op.ends_with(".view")) op.resize(op.size() - 5);
  const std::string format = Get(p, "f").value_or("xml");
  auto reply = [&](const json& response) {
    auto rendered = subsonic::Render(response, format);
    return TextResponse(req, bhttp::status::ok, std::move(rendered.body), rendered.content_type);
  };

  // The spec lets anyone ask which extensions this server has.
  if (op == "getOpenSubsonicExtensions") return reply(subsonic::Ok(OpenSubsonicExtensions()));

  // Who is asking.
  std::expected<User, AuthFailure> user = std::unexpected(AuthFailure::kWrongCredentials);
  auto name = Get(p, "u");
  if (auto key = Get(p, "apiKey")) {
    if (name) {
      return reply(subsonic::Failed(subsonic::kConflictingAuth, "give either apiKey or u, not both"));
    }
    user = users_->CheckApiKey(*key);
    if (!user) {
      return reply(subsonic::Failed(subsonic::kInvalidApiKey, "invalid API key"));
    }
  } else {
    if (!name) {
      return reply(subsonic::Failed(subsonic::kMissingParameter, "required parameter is missing: u (or apiKey)"));
    }
    auto token = Get(p, "t"), salt = Get(p, "s"), password = Get(p, "p");
    if (token && salt) user = CheckLogin(client, *name, [&] { return users_->CheckToken(*name, *token, *salt); });
    else if (password) user = CheckLogin(client, *name, [&] { return users_->CheckPassword(*name, *password); });
    else {
      return reply(subsonic::Failed(subsonic::kMissingParameter, "required parameter is missing: p, or t and s"));
    }
    if (!user && user.error() == AuthFailure::kThrottled)
      return reply(subsonic::Failed(subsonic::kGeneric, ThrottledMessage(client, *name)));
    if (!user) {
      return reply(subsonic::Failed(subsonic::kWrongCredentials, "wrong username or password"));
    }
  }

  // Binary answers.
  if (op == "stream" || op == "download") {
    auto id = Get(p, "id");
    auto r = id ? library_->Song(*id) : std::nullopt;
    if (!r) {
      return reply(id ? subsonic::Failed(subsonic::kNotFound, "song not found: " + *id)
                        : subsonic::Failed(subsonic::kMissingParameter, "required parameter is missing: id"));
    }
    const std::string want = Get(p, "format").value_or("");
    const int64_t max_rate = IntParam(p, "maxBitRate", 0, 0, 10'000);
    const bool transcode = op == "stream" && want != "raw" &&
                           (want == "opus" || (max_rate > 0 && max_rate < r->bitrate / 1000));
    if (transcode) {
      const int kbps = static_cast<int>(std::clamp<int64_t>(max_rate > 0 ? max_rate : 128, 64, 192));
      play.opus = true;
      play.bitrate_kbps = kbps;
      play.start_seconds = SecondsParam(p, "timeOffset");
    }
    if (auto refused = TakeStreamSlot(*user, client, *r))
      return reply(subsonic::Failed(subsonic::kGeneric, refused->Message()));
    play.song = *r;
    return Response{};
  }
  if (op == "getCoverArt") {
    auto id = Get(p, "id");
    if (!id) {
      return reply(subsonic::Failed(subsonic::kMissingParameter, "required parameter is missing: id"));
    }
    std::string cover = *id;
    if (auto a = library_->Album(*id); a && a->cover) cover = LibraryIndex::CoverId(*a->cover);
    if (auto r = library_->Song(*id); r && r->cover) cover = LibraryIndex::CoverId(*r->cover);
    auto image = CoverImage(cover);
    if (!image) {
      auto digest = cover.starts_with("co-") ? library::ParseHexDigest(cover.substr(3)) : std::nullopt;
      if (!digest) return reply(subsonic::Failed(subsonic::kNotFound, "cover art not found: " + *id));
      play.cover = digest;  // read it from a track's blob
      play.subsonic_format = format;
      return Response{};
    }
    return ImageResponse(req, std::move(*image));
  }

  auto result = RunSubsonicCall(*this, *user, p, op);
  if (!result) return reply(subsonic::Failed(subsonic::kNotFound, "not implemented by this server: " + op));
  if (auto failed = library_->TakeError())
    return reply(subsonic::Failed(subsonic::kGeneric, "cannot read the library: " + *failed));
  return reply(*result ? subsonic::Ok(**result) : subsonic::Failed(result->error().code, result->error().message));
}

asio::awaitable<void> HttpService::HandleSubsonic(Exchange& ex, Target target) {
  PlayAction play;
  (void)library_->TakeError();
  Response res = SubsonicResponse(ex.request(), target, play, LoginThrottle::ClientKey(ex.remote().address()));
  co_await Answer(ex, std::move(res), play);
}

}  // namespace hearth::http

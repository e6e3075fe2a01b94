// The OpenSubsonic calls that answer with JSON, for
// HttpService::SubsonicResponse, which does auth, envelopes and the binary
// answers (stream, download, getCoverArt). The calls themselves are grouped
// by idea behind subsonic_request.h.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/http/query.h"

namespace hearth::http {

class HttpService;
struct User;

// A call that failed: the spec's error code and a message for the client.
struct SubsonicFailure {
  int code;
  std::string message;
};

// The OpenSubsonic extensions this server has (getOpenSubsonicExtensions's
// payload); the spec lets anyone ask, without credentials.
nlohmann::json OpenSubsonicExtensions();

// Answers call `op` for `user`; nullopt when this server has no such call.
// Runs on the HTTP thread; `svc` must outlive the call.
std::optional<std::expected<nlohmann::json, SubsonicFailure>> RunSubsonicCall(HttpService& svc, const User& user,
                                                                              const Params& p, const std::string& op);

}  // namespace hearth::http

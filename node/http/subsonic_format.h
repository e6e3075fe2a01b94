// OpenSubsonic responses: the envelope, and rendering one response tree as
// JSON or XML. Pure.
//
// A response is built once as JSON, as the spec's JSON form has it; XML is
// derived from it the way Subsonic maps the two: a scalar member is an
// attribute, an object member a child element, an array member repeated
// child elements, and a member named "value" the element's text.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::http::subsonic {

inline constexpr std::string_view kApiVersion = "1.16.1";

// The spec's error codes.
enum ErrorCode : int {
  kGeneric = 0,
  kMissingParameter = 10,
  kWrongCredentials = 40,
  kAuthNotSupported = 42,
  kConflictingAuth = 43,
  kInvalidApiKey = 44,
  kNotAuthorized = 50,
  kNotFound = 70,
};

// {"status":"ok", "version":..., "type":"hearth", ..., + payload members}
nlohmann::json Ok(nlohmann::json payload = nlohmann::json::object());
nlohmann::json Failed(int code, const std::string& message);

// The body and its content type for format `f` ("json", "jsonp" is not
// served: it falls back to JSON; anything else: XML).
struct Rendered {
  std::string body;
  std::string content_type;
};
Rendered Render(const nlohmann::json& response, std::string_view format);

}  // namespace hearth::http::subsonic

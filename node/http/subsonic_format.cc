#include "node/http/subsonic_format.h"

#include "protocol/byte_io.h"

namespace hearth::http::subsonic {
namespace {

using nlohmann::json;

// Text made safe for XML 1.0: markup characters escaped, control
// characters as spaces, bytes that are not UTF-8 as \xNN (a document that
// declares UTF-8 must be UTF-8, or clients refuse all of it).
void Escape(std::string& out, std::string_view raw) {
  const std::string s = ToUtf8Lossy(raw);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += ' ';
        else out += c;
    }
  }
}

// An XML name from a key: the names this layer writes are ASCII words and
// stay as they are; anything else (a key a client made up and an echo
// carried over) becomes a well-formed name -- other bytes as '_', and a
// leading '_' where the name would start with a digit, '-' or '.'.
std::string XmlName(std::string_view key) {
  std::string out;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9') || out[0] == '-' || out[0] == '.') out.insert(0, 1, '_');
  return out;
}

std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

void Element(std::string& out, const std::string& key, const json& obj) {
  const std::string name = XmlName(key);
  out += '<';
  out += name;
  const json* text = nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key() == "value" && !it->is_object() && !it->is_array()) {
      text = &*it;
      continue;
    }
    if (it->is_object() || it->is_array() || it->is_null()) continue;
    out += ' ';
    out += XmlName(it.key());
    out += "=\"";
    Escape(out, Scalar(*it));
    out += '"';
  }
  std::string children;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->is_object()) {
      Element(children, it.key(), *it);
    } else if (it->is_array()) {
      for (const json& item : *it) {
        if (item.is_object()) {
          Element(children, it.key(), item);
        } else {
          const std::string item_name = XmlName(it.key());
          children += '<' + item_name + '>';
          Escape(children, Scalar(item));
          children += "</" + item_name + '>';
        }
      }
    }
  }
  if (!text && children.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  if (text) Escape(out, Scalar(*text));
  out += children;
  out += "</" + name + '>';
}

}  // namespace

json Ok(json payload) {
  json r = {{"status", "ok"},
            {"version", std::string(kApiVersion)},
            {"type", "hearth"},
            {"serverVersion", "0.1.0"},
            {"openSubsonic", true}};
  for (auto it = payload.begin(); it != payload.end(); ++it) r[it.key()] = *it;
  return r;
}

json Failed(int code, const std::string& message) {
  json r = Ok();
  r["status"] = "failed";
  r["error"] = {{"code", code}, {"message", message}};
  return r;
}

Rendered Render(const json& response, std::string_view format) {
  if (format == "json" || format == "jsonp")
    return {json{{"subsonic-response", response}}.dump(-1, ' ', false, json::error_handler_t::replace),
            "application/json"};
  json root = response;
  root["xmlns"] = "http://subsonic.org/restapi";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  Element(out, "subsonic-response", root);
  out += '\n';
  return {std::move(out), "text/xml; charset=utf-8"};
}

}  // namespace hearth::http::subsonic

// HttpService: the control room's calls of the JSON API (docs/api.md,
// "Control room"), for admin listeners: the household's health, the policy,
// invites (with their QR code), revoking a device, the import folders.
// Writes go through node/admin, as `hearth` does, so they check the same
// things; the device serving must itself be an admin to write.
#include <set>

#include "crypto/base32.h"
#include "node/admin/device_admin.h"
#include "node/admin/health_json.h"
#include "node/admin/invites.h"
#include "node/admin/qr_code.h"
#include "node/http/listener_book.h"
#include "node/http/service.h"
#include "node/store/import_roots.h"
#include "protocol/time_text.h"

namespace hearth::http {
namespace {

using nlohmann::json;

bhttp::status StatusOf(admin::AdminErrc code) {
  switch (code) {
    case admin::AdminErrc::kNotAllowed: return bhttp::status::forbidden;
    case admin::AdminErrc::kBadRequest: return bhttp::status::bad_request;
    case admin::AdminErrc::kNotFound: return bhttp::status::not_found;
    case admin::AdminErrc::kConflict: return bhttp::status::conflict;
    case admin::AdminErrc::kStore: return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

// A device as the API names it (DeviceText: base32 of its id).
std::optional<DeviceId> ParseDeviceText(const std::string& text) {
  auto bytes = crypto::Base32Decode(text);
  if (!bytes || bytes->size() != DeviceId{}.bytes.size()) return std::nullopt;
  DeviceId id;
  std::copy(bytes->begin(), bytes->end(), id.bytes.begin());
  return id;
}

// Applies a list of {"device": ID, "bytes": N} to `list` (0 bytes removes).
std::optional<std::string> ApplySizes(const json& given, const char* what, auto& list) {
  if (!given.is_array()) return std::string(what) + " must be a list of {\"device\": ID, \"bytes\": N}";
  for (const json& e : given) {
    if (!e.is_object() || !e.contains("device") || !e["device"].is_string() || !e.contains("bytes") ||
        !e["bytes"].is_number_unsigned())
      return std::string(what) + " must be a list of {\"device\": ID, \"bytes\": N}";
    auto device = ParseDeviceText(e["device"].get<std::string>());
    if (!device) return std::string(what) + ": no such device id " + e["device"].get<std::string>();
    admin::SetDeviceSize(list, *device, e["bytes"].get<uint64_t>());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Response> HttpService::AdminApiResponse(const Request& req, const std::vector<std::string>& parts,
                                                      const User& user) {
  static const std::set<std::string> kCalls = {"health", "policy", "invites", "folders"};
  const bool revoke = parts.size() == 3 && parts[0] == "devices" && parts[2] == "revoke";
  if (!revoke && (parts.size() != 1 || !kCalls.contains(parts[0]))) return std::nullopt;
  if (!user.admin)
    return JsonError(req, bhttp::status::forbidden, "only an admin listener may use the control room");
  const auto method = req.method();
  const bool get = method == bhttp::verb::get || method == bhttp::verb::head;
  auto failed = [&](const admin::AdminError& e) { return JsonError(req, StatusOf(e.code), e.message); };
  auto body = json::parse(req.body().empty() ? std::string("{}") : req.body(), nullptr, false);
  if (!get && !body.is_object()) return JsonError(req, bhttp::status::bad_request, "send a JSON object");
  const LedgerState& state = home_->ledger().ledger().state();

  if (parts[0] == "health" && get) {
    auto health = admin::ComputeHealth(*home_, true);
    if (!health) return JsonError(req, bhttp::status::internal_server_error, health.error());
    json j = admin::HealthJson(*home_, *health);
    j["this_device_admin"] = static_cast<bool>(admin::RequireAdmin(*home_));
    return JsonResponse(req, bhttp::status::ok, j);
  }
  if (parts[0] == "policy" && get) return JsonResponse(req, bhttp::status::ok, admin::PolicyJson(state, state.policy));
  if (parts[0] == "policy" && method == bhttp::verb::put) {
    // Only what the body names changes; budgets and capacities are set one
    // device at a time (0 bytes removes the device's entry).
    PolicySet policy = state.policy;
    if (body.contains("copies")) {
      if (!body["copies"].is_number_unsigned() || body["copies"].get<uint64_t>() > 255)
        return JsonError(req, bhttp::status::bad_request, "copies must be 1..16");
      policy.copies = static_cast<uint8_t>(body["copies"].get<uint64_t>());
    }
    if (body.contains("stream_limit")) {
      if (!body["stream_limit"].is_number_unsigned() || body["stream_limit"].get<uint64_t>() > 65535)
        return JsonError(req, bhttp::status::bad_request, "stream_limit must be 0..1000");
      policy.stream_limit = static_cast<uint16_t>(body["stream_limit"].get<uint64_t>());
    }
    if (body.contains("budgets"))
      if (auto bad = ApplySizes(body["budgets"], "budgets", policy.budgets))
        return JsonError(req, bhttp::status::bad_request, *bad);
    if (body.contains("capacities"))
      if (auto bad = ApplySizes(body["capacities"], "capacities", policy.capacities))
        return JsonError(req, bhttp::status::bad_request, *bad);
    if (auto written = admin::WritePolicy(*home_, policy, options_.clock()); !written) return failed(written.error());
    if (options_.log) options_.log("http: " + user.name + " set the policy");
    const LedgerState& now = home_->ledger().ledger().state();
    return JsonResponse(req, bhttp::status::ok, admin::PolicyJson(now, now.policy));
  }
  if (parts[0] == "invites" && method == bhttp::verb::post) {
    if (body.contains("role") && !body["role"].is_string())
      return JsonError(req, bhttp::status::bad_request, "the role must be full, phone or storage");
    auto role = admin::ParseRoleName(body.value("role", std::string("full")));
    if (!role) return failed(role.error());
    admin::InviteRequest request{.role = *role};
    if (body.contains("ttl_s")) {
      if (!body["ttl_s"].is_number_integer()) return JsonError(req, bhttp::status::bad_request, "ttl_s must be seconds");
      request.ttl_s = body["ttl_s"].get<int64_t>();
    }
    if (body.contains("addresses") && body["addresses"].is_array()) {
      for (const json& a : body["addresses"])
        if (a.is_string()) request.addresses.push_back(a.get<std::string>());
    }
    if (request.addresses.empty() && options_.mesh_address)
      if (std::string own = options_.mesh_address(); !own.empty()) request.addresses.push_back(own);
    auto created = admin::CreateInvite(*home_, request, options_.clock());
    if (!created) return failed(created.error());
    // In capitals: the QR code holds them in its compact alphanumeric mode.
    std::string upper = created->text;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto svg = admin::QrSvg(upper);
    json addresses = json::array();
    for (const auto& a : created->code.addresses) addresses.push_back(a.ToString());
    if (options_.log) options_.log("http: " + user.name + " made an invite for a " + std::string(RoleName(*role)) + " device");
    return JsonResponse(req, bhttp::status::created,
                        json{{"code", created->text},
                             {"role", std::string(RoleName(*role))},
                             {"expires", FormatTime(created->invite.expires_us)},
                             {"expires_us", created->invite.expires_us},
                             {"addresses", addresses},
                             {"qr_svg", svg ? json(*svg) : json(nullptr)},
                             {"join", "hearth join " + created->text}});
  }
  if (revoke && method == bhttp::verb::post) {
    auto device = ParseDeviceText(parts[1]);
    if (!device) return JsonError(req, bhttp::status::not_found, "no device " + parts[1]);
    if (body.contains("reason") && !body["reason"].is_string())
      return JsonError(req, bhttp::status::bad_request, "the reason must be text");
    const std::string reason = body.value("reason", std::string("revoked by ") + user.name + " from the control room");
    auto revoked = admin::RevokeDevice(*home_, *device, reason, options_.clock());
    if (!revoked) return failed(revoked.error());
    size_t rotated = 0;
    json out = {{"revoked", DeviceText(*device)}, {"name", revoked->name}, {"entry", revoked->entry.Hex()}};
    if (revoked->knew_listener_secrets) {
      // It could read the listeners' app passwords and API keys: new ones.
      auto r = ListenerBook(*home_).RotateSecrets(options_.clock());
      if (r) rotated = *r;
      else out["rotate_error"] = r.error().message;
    }
    out["listeners_rotated"] = rotated;
    if (options_.log) options_.log("http: " + user.name + " revoked " + revoked->name);
    // This connection's own writes do not move the data version Refresh()
    // watches: learn the new keys now.
    users_->Sync(home_->ledger().ledger().state(), home_->content_secret());
    // The admin's own key was replaced too: their session goes on with the new one.
    std::optional<User> fresh = rotated > 0 ? users_->Find(user.name) : std::nullopt;
    if (fresh) out["token"] = fresh->api_key;
    Response res = JsonResponse(req, bhttp::status::ok, out);
    if (fresh) res.set(bhttp::field::set_cookie, "hearth_key=" + fresh->api_key + "; Path=/; HttpOnly; SameSite=Strict");
    return res;
  }
  if (parts[0] == "folders" && get) {
    auto roots = store::ListImportRoots(home_->db());
    if (!roots) return JsonError(req, bhttp::status::internal_server_error, roots.error().message);
    return JsonResponse(req, bhttp::status::ok, json{{"folders", *roots}});
  }
  return JsonError(req, bhttp::status::method_not_allowed,
                   "no such API call: " + std::string(bhttp::to_string(method)) + " /api/v1/" + parts[0]);
}

}  // namespace hearth::http

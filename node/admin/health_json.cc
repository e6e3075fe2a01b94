#include "node/admin/health_json.h"

#include <algorithm>

#include "node/library/catalog.h"
#include "protocol/byte_io.h"
#include "protocol/time_text.h"

namespace hearth::admin {

std::string MemberName(const LedgerState& state, const DeviceId& d) {
  auto m = state.members.find(d);
  return m == state.members.end() || m->second.name.empty() ? DeviceShort(d) : m->second.name;
}

namespace {

nlohmann::json BlobListJson(store::Home& home, const std::vector<BlobHealth>& list, size_t listed) {
  const LedgerState& state = home.ledger().ledger().state();
  library::Catalog catalog(home.db());
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < list.size() && i < listed; ++i) {
    const BlobHealth& b = list[i];
    nlohmann::json holders = nlohmann::json::array();
    for (const DeviceId& d : b.holders) holders.push_back(MemberName(state, d));
    nlohmann::json j = {{"blob", b.blob.Hex()}, {"bytes", b.bytes}, {"copies", b.replicas}, {"holders", holders}};
    if (auto t = catalog.AnyClaimOfBlob(b.blob); t && *t) {
      j["track"] = (*t)->track.Hex();
      j["title"] = (*t)->title;
      j["artist"] = (*t)->artist;
    }
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json MissingJson(store::Home& home, const Health& h) {
  const LedgerState& state = home.ledger().ledger().state();
  library::Catalog catalog(home.db());
  nlohmann::json out = nlohmann::json::array();
  for (const MissingOriginalHealth& m : h.missing) {
    nlohmann::json holders = nlohmann::json::array();
    for (const DeviceId& d : m.blob.holders) holders.push_back(MemberName(state, d));
    nlohmann::json j = {{"path", ToUtf8Lossy(m.path)}, {"reason", m.reason}, {"since", FormatTime(m.since_us)},
                        {"claim", m.claim.Hex()},       {"blob", m.blob.blob.Hex()}, {"holders", holders},
                        {"copy_left", !m.blob.holders.empty()}};
    if (auto t = catalog.AnyClaimOfBlob(m.blob.blob); t && *t) {
      j["track"] = (*t)->track.Hex();
      j["title"] = (*t)->title;
      j["artist"] = (*t)->artist;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

size_t NoCopyLeft(const Health& h) {
  return static_cast<size_t>(std::count_if(h.missing.begin(), h.missing.end(),
                                           [](const MissingOriginalHealth& m) { return m.blob.holders.empty(); }));
}

nlohmann::json HealthJson(store::Home& home, const Health& h, size_t listed) {
  nlohmann::json devices = nlohmann::json::array();
  for (const DeviceHealth& d : h.devices) {
    nlohmann::json j = {{"id", DeviceText(d.id)},       {"name", d.name},
                        {"role", RoleName(d.role)},     {"this_device", d.this_device},
                        {"online", d.online},           {"held_bytes", d.held_bytes},
                        {"held_blobs", d.held_blobs},   {"capacity", nullptr},
                        {"room", nullptr},              {"availability", nullptr},
                        {"disk_full", d.disk_full}};
    if (d.capacity) j["capacity"] = *d.capacity;
    if (d.room) j["room"] = *d.room;
    if (d.reported) j["availability"] = d.availability / 1000.0;
    if (d.last_seen_us > 0) j["last_seen"] = FormatTime(d.last_seen_us);
    j["admin"] = d.admin;
    j["address"] = d.address;
    j["path"] = d.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.path);
    j["via"] = d.via ? nlohmann::json(MemberName(home.ledger().ledger().state(), *d.via)) : nlohmann::json(nullptr);
    devices.push_back(std::move(j));
  }
  nlohmann::json lacks = nullptr;
  if (h.short_of_room > 0) lacks = {{"blobs", h.short_of_room}, {"bytes", h.short_bytes}};
  return {{"copies", h.copies},
          {"replica_devices", h.replica_devices},
          {"tracks", h.blobs},
          {"under_replicated", h.under_replicated.size()},
          {"under_replicated_tracks", BlobListJson(home, h.under_replicated, listed)},
          {"only_away", h.only_away.size()},
          {"only_away_tracks", BlobListJson(home, h.only_away, listed)},
          {"no_copy", h.no_copy.size()},
          {"no_copy_tracks", BlobListJson(home, h.no_copy, listed)},
          {"damaged", h.damaged.size()},
          {"damaged_tracks", BlobListJson(home, h.damaged, listed)},
          {"missing_originals", MissingJson(home, h)},
          {"missing_no_copy_left", NoCopyLeft(h)},
          {"lacks_room", lacks},
          {"devices", devices}};
}

}  // namespace hearth::admin

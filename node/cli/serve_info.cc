#include "node/cli/serve_info.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "node/cli/describe.h"

namespace hearth::cli {
namespace {
std::string PathOf(const std::string& home_dir) { return home_dir + "/serve.json"; }
}  // namespace

bool WriteServeInfo(const std::string& home_dir, const ServeInfo& info) {
  nlohmann::json j = {{"pid", info.pid}, {"control", info.control}, {"torrent_port", info.torrent_port},
                      {"device", info.device}, {"started_us", info.started_us}};
  if (!info.http.empty()) j["http"] = info.http;
  if (!info.reach.is_null()) j["reach"] = info.reach;
  const std::string tmp = PathOf(home_dir) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), PathOf(home_dir).c_str()) == 0;
}

nlohmann::json ReachJson(const reach::ReachStatus& s) {
  nlohmann::json j = {{"policy", s.policy}, {"dht", s.dht}, {"dht_port", s.dht_port}, {"dht_nodes", s.dht_nodes},
                      {"published", s.published}, {"stored_on", s.stored_on}};
  j["external_address"] = s.external_address.empty() ? nlohmann::json() : nlohmann::json(s.external_address);
  j["published_at"] = s.published_us == 0 ? nlohmann::json() : nlohmann::json(FormatTime(s.published_us));
  j["error"] = s.error.empty() ? nlohmann::json() : nlohmann::json(s.error);
  j["mapped"] = s.mapped;
  j["reachable_from_outside"] = !s.outside_address.empty();
  j["outside_address"] = s.outside_address.empty() ? nlohmann::json() : nlohmann::json(s.outside_address);
  return j;
}

void RemoveServeInfo(const std::string& home_dir) { ::unlink(PathOf(home_dir).c_str()); }

std::optional<ServeInfo> RunningNode(const std::string& home_dir) {
  std::ifstream in(PathOf(home_dir));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ServeInfo info;
  info.pid = j.value("pid", 0);
  info.control = j.value("control", "");
  info.torrent_port = j.value("torrent_port", uint16_t{0});
  info.device = j.value("device", "");
  info.started_us = j.value("started_us", int64_t{0});
  info.http = j.value("http", "");
  if (j.contains("reach")) info.reach = j["reach"];
  if (info.pid <= 0) return std::nullopt;
  if (::kill(info.pid, 0) != 0 && errno == ESRCH) return std::nullopt;
  return info;
}

}  // namespace hearth::cli

// serve.json: how CLI commands find the node (`hearth serve`) running on
// their home. Written atomically when the node starts listening, removed
// when it stops; a file whose process is gone is ignored.
//
//   {"pid": 123, "control": "127.0.0.1:7601", "torrent_port": 7602,
//    "device": "<base32 id>", "started_us": 1790000000000000,
//    "http": "127.0.0.1:7600",   (absent when the node serves no HTTP)
//    "reach": {...}}             (ReachJson; rewritten as it changes)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/reach/dht.h"

namespace hearth::cli {

struct ServeInfo {
  int pid = 0;
  std::string control;  // HOST:PORT of the mesh listener
  uint16_t torrent_port = 0;
  std::string device;
  int64_t started_us = 0;
  std::string http;  // HOST:PORT of the players' HTTP side; empty: none
  nlohmann::json reach;  // null until the node says
};

// The node's reach as `hearth status --json` shows it: {"policy": bool,
// "dht": bool, "dht_port", "dht_nodes", "external_address" (null until DHT
// nodes said), "published": [HOST:PORT...], "published_at" (null: never),
// "stored_on", "error" (null: none), "mapped": ["LOCAL->OUTSIDE" TCP ports
// the router forwards], "reachable_from_outside" (the router forwards the
// mesh port and said its address), "outside_address" (null unless so)}.
nlohmann::json ReachJson(const reach::ReachStatus& s);

bool WriteServeInfo(const std::string& home_dir, const ServeInfo& info);
void RemoveServeInfo(const std::string& home_dir);
// The running node of this home, if any.
std::optional<ServeInfo> RunningNode(const std::string& home_dir);

}  // namespace hearth::cli

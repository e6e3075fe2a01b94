// serve.json: how CLI commands find the node (`hearth serve`) running on
// their home. Written atomically when the node starts listening, removed
// when it stops; a file whose process is gone is ignored.
//
//   {"pid": 123, "control": "127.0.0.1:7601", "torrent_port": 7602,
//    "device": "<base32 id>", "started_us": 1790000000000000,
//    "http": "127.0.0.1:7600"}   (absent when the node serves no HTTP)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hearth::cli {

struct ServeInfo {
  int pid = 0;
  std::string control;  // HOST:PORT of the mesh listener
  uint16_t torrent_port = 0;
  std::string device;
  int64_t started_us = 0;
  std::string http;  // HOST:PORT of the players' HTTP side; empty: none
};

bool WriteServeInfo(const std::string& home_dir, const ServeInfo& info);
void RemoveServeInfo(const std::string& home_dir);
// The running node of this home, if any.
std::optional<ServeInfo> RunningNode(const std::string& home_dir);

}  // namespace hearth::cli

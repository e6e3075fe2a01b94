// How tracks are shown: JSON for --json and a one-line text form.
#pragma once

#include <nlohmann/json.hpp>

#include "node/library/track_record.h"

namespace hearth::cli {

nlohmann::json TrackJson(const library::TrackRecord& r);
// "3f2a9c01b2d4  Björk — Homogenic  1-03  Jóga  5:05  flac"
std::string TrackLine(const library::TrackRecord& r);
std::string Duration(uint64_t ms);

}  // namespace hearth::cli

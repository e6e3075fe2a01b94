#include "node/cli/track_json.h"

#include <fmt/format.h>

#include "node/cli/describe.h"

namespace hearth::cli {

std::string Duration(uint64_t ms) {
  uint64_t s = (ms + 500) / 1000;
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

nlohmann::json TrackJson(const library::TrackRecord& r) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : r.tags) {
    if (tags.contains(k)) {
      if (!tags[k].is_array()) tags[k] = nlohmann::json::array({tags[k]});
      tags[k].push_back(v);
    } else {
      tags[k] = v;
    }
  }
  nlohmann::json j = {{"id", r.track.Hex()},
                      {"title", r.title},
                      {"artist", r.artist},
                      {"album_artist", r.album_artist},
                      {"album", r.album},
                      {"track", r.track_no},
                      {"track_total", r.track_total},
                      {"disc", r.disc_no},
                      {"disc_total", r.disc_total},
                      {"year", r.year},
                      {"genre", r.genre},
                      {"duration_ms", r.duration_ms},
                      {"format", r.format},
                      {"codec", r.codec},
                      {"bitrate", r.bitrate},
                      {"sample_rate", r.sample_rate},
                      {"channels", r.channels},
                      {"cover", r.cover ? nlohmann::json(ToHex(*r.cover)) : nlohmann::json()},
                      {"claim", r.claim.Hex()},
                      {"blob", r.blob.Hex()},
                      {"file_id", r.file.Hex()},
                      {"size", r.plaintext_length},
                      {"source_path", r.source_path},
                      {"claimed_by", DeviceText(r.author)},
                      {"claimed_at", FormatTime(r.claimed_us)},
                      {"matched", r.matched},
                      {"tags", tags}};
  return j;
}

std::string TrackLine(const library::TrackRecord& r) {
  std::string who = r.album_artist.empty() ? r.artist : r.album_artist;
  std::string number = r.track_no ? (r.disc_no ? fmt::format("{}-{:02}", r.disc_no, r.track_no)
                                               : fmt::format("{:02}", r.track_no))
                                  : "--";
  return fmt::format("{}  {} — {}  {}  {}  {}  {}", r.track.ShortHex(), who.empty() ? "?" : who,
                     r.album.empty() ? "?" : r.album, number, r.title, Duration(r.duration_ms), r.format);
}

}  // namespace hearth::cli

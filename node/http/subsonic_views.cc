#include "node/http/subsonic_views.h"

#include <cctype>
#include <ctime>

#include "node/http/service.h"

namespace hearth::http {

using nlohmann::json;

std::string SubsonicTime(int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&t));
  return std::string(buf) + "." + std::to_string(1000 + (us / 1000) % 1000).substr(1) + "Z";
}

void SubsonicViews::Starred(json& j, const std::string& kind, const std::string& id) {
  if (auto it = stars.find(kind + ":" + id); it != stars.end()) j["starred"] = SubsonicTime(it->second);
}

json SubsonicViews::Child(const library::TrackRecord& r) {
  const AlbumInfo a = index_.AlbumOf(r);
  const std::string id = LibraryIndex::SongId(r);
  json j = {{"id", id},
            {"parent", a.id},
            {"isDir", false},
            {"title", r.title},
            {"album", a.name},
            {"artist", r.artist.empty() ? a.artist : r.artist},
            {"albumId", a.id},
            {"artistId", a.artist_id},
            {"size", r.plaintext_length},
            {"contentType", AudioMime(r.format)},
            {"suffix", r.format},
            {"duration", (r.duration_ms + 500) / 1000},
            {"bitRate", r.bitrate / 1000},
            {"samplingRate", r.sample_rate},
            {"channelCount", r.channels},
            {"path", a.artist + "/" + a.name + "/" + r.title + "." + r.format},
            {"created", SubsonicTime(r.claimed_us)},
            {"type", "music"},
            {"mediaType", "song"},
            {"isVideo", false}};
  if (r.track_no > 0) j["track"] = r.track_no;
  if (r.disc_no > 0) j["discNumber"] = r.disc_no;
  if (r.year > 0) j["year"] = r.year;
  if (!r.genre.empty()) j["genre"] = r.genre;
  if (r.cover) j["coverArt"] = LibraryIndex::CoverId(*r.cover);
  if (auto it = plays.find(r.track); it != plays.end()) {
    j["playCount"] = it->second.count;
    j["played"] = SubsonicTime(it->second.last_us);
  }
  Starred(j, "song", id);
  return j;
}

json SubsonicViews::Album(const AlbumInfo& a) {
  json j = {{"id", a.id},
            {"name", a.name},
            {"artist", a.artist},
            {"artistId", a.artist_id},
            {"songCount", a.song_count},
            {"duration", (a.duration_ms + 500) / 1000},
            {"created", SubsonicTime(a.created_us)}};
  if (a.year > 0) j["year"] = a.year;
  if (!a.genre.empty()) j["genre"] = a.genre;
  if (a.cover) j["coverArt"] = LibraryIndex::CoverId(*a.cover);
  Starred(j, "album", a.id);
  return j;
}

json SubsonicViews::AlbumDir(const AlbumInfo& a) {
  json j = {{"id", a.id}, {"parent", a.artist_id}, {"isDir", true}, {"title", a.name},
            {"album", a.name}, {"artist", a.artist}, {"created", SubsonicTime(a.created_us)}};
  if (a.year > 0) j["year"] = a.year;
  if (a.cover) j["coverArt"] = LibraryIndex::CoverId(*a.cover);
  Starred(j, "album", a.id);
  return j;
}

json SubsonicViews::Artist(const ArtistInfo& a) {
  json j = {{"id", a.id}, {"name", a.name}, {"albumCount", a.album_count}};
  if (a.cover) j["coverArt"] = LibraryIndex::CoverId(*a.cover);
  Starred(j, "artist", a.id);
  return j;
}

json SubsonicViews::ArtistEntry(const ArtistInfo& a) {
  json j = {{"id", a.id}, {"name", a.name}};  // the spec's Artist has no album count or cover
  Starred(j, "artist", a.id);
  return j;
}

json SubsonicViews::Indexed(bool id3) {
  std::map<std::string, json> groups;
  // The protocol has no pages here: every artist, read as one list.
  for (const ArtistInfo& a : index_.Artists(0, index_.ArtistCount())) {
    std::string letter = a.name.empty() ? "#" : std::string(1, static_cast<char>(std::toupper(
                                                                    static_cast<unsigned char>(a.name[0]))));
    if (!std::isalpha(static_cast<unsigned char>(letter[0]))) letter = "#";
    groups[letter].push_back(id3 ? Artist(a) : ArtistEntry(a));
  }
  json list = json::array();
  for (auto& [name, artists] : groups) list.push_back({{"name", name}, {"artist", artists}});
  return list;
}

}  // namespace hearth::http

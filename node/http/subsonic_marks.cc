// OpenSubsonic's stars and plays: star, unstar, getStarred(2) and scrobble.
// Each star, unstar and play is a listener event the mesh carries.
#include <vector>

#include "node/http/subsonic_request.h"
#include "node/store/play_tables.h"

namespace hearth::http {
namespace {

namespace ss = subsonic;

struct MarkCalls : SubsonicRequest {
  using SubsonicRequest::SubsonicRequest;

  Result Star(bool on) {
    std::vector<store::StarRow> rows;
    for (const std::string& id : GetAll(p, "id")) {
      if (index().Song(id)) rows.push_back({"song", id, 0});
      else if (index().Album(id)) rows.push_back({"album", id, 0});
      else if (index().Artist(id)) rows.push_back({"artist", id, 0});
      else return std::unexpected(Failure{ss::kNotFound, "nothing with id " + id});
    }
    for (const std::string& id : GetAll(p, "albumId")) {
      if (!index().Album(id)) return std::unexpected(Failure{ss::kNotFound, "album not found: " + id});
      rows.push_back({"album", id, 0});
    }
    for (const std::string& id : GetAll(p, "artistId")) {
      if (!index().Artist(id)) return std::unexpected(Failure{ss::kNotFound, "artist not found: " + id});
      rows.push_back({"artist", id, 0});
    }
    if (rows.empty()) return std::unexpected(MissingParameter("id, albumId or artistId"));
    for (const auto& r : rows) {
      ListenerEvent e;
      e.kind = on ? ListenerKind::kStar : ListenerKind::kUnstar;
      e.item_kind = r.kind;
      e.item = r.item;
      if (auto done = Record(std::move(e)); !done) return std::unexpected(done.error());
    }
    return json::object();
  }
  json StarredLists(bool id3) {
    LoadMarks();
    json artists = json::array(), albums = json::array(), songs = json::array();
    for (const auto& [key, us] : stars) {
      const size_t colon = key.find(':');
      const std::string kind = key.substr(0, colon), id = key.substr(colon + 1);
      if (kind == "song") {
        if (auto song = index().Song(id)) songs.push_back(Child(*song));
      } else if (kind == "album") {
        if (auto a = index().Album(id)) albums.push_back(id3 ? Album(*a) : AlbumDir(*a));
      } else if (kind == "artist") {
        if (auto a = index().Artist(id)) artists.push_back(id3 ? Artist(*a) : ArtistEntry(*a));
      }
    }
    return json{{"artist", artists}, {"album", albums}, {"song", songs}};
  }
  Result Scrobble() {
    auto ids = GetAll(p, "id");
    if (ids.empty()) return std::unexpected(MissingParameter("id"));
    auto times = GetAll(p, "time");
    if (Get(p, "submission").value_or("true") == "false") return json::object();  // "now playing" only
    for (size_t k = 0; k < ids.size(); ++k) {
      auto r = index().Song(ids[k]);
      if (!r) return std::unexpected(Failure{ss::kNotFound, "song not found: " + ids[k]});
      ListenerEvent e;
      e.kind = ListenerKind::kPlay;
      e.track = r->track;
      if (k < times.size()) {
        // Milliseconds since 1970, up to the year 9999: any later is no time
        // a play happened (and would overflow in microseconds).
        constexpr int64_t kLastMs = 253'402'300'799'999;
        auto ms = IntIn(times[k], 1, kLastMs);
        if (!ms)
          return std::unexpected(Failure{ss::kGeneric, "time must be milliseconds since 1970 (1 to " +
                                                           std::to_string(kLastMs) + "): " + times[k]});
        e.at_us = *ms * 1000;
      }
      if (auto done = Record(std::move(e)); !done) return std::unexpected(done.error());
    }
    return json::object();
  }
  Result StarOn() { return Star(true); }
  Result StarOff() { return Star(false); }
  Result Starred() { return json{{"starred", StarredLists(false)}}; }
  Result Starred2() { return json{{"starred2", StarredLists(true)}}; }
};

}  // namespace

void AddMarkCalls(SubsonicCallTable& table) {
  using M = MarkCalls;
  table.emplace("star", GroupCall(&M::StarOn));
  table.emplace("unstar", GroupCall(&M::StarOff));
  // StarredLists loads the marks itself.
  table.emplace("getStarred", GroupCall(&M::Starred, false));
  table.emplace("getStarred2", GroupCall(&M::Starred2, false));
  table.emplace("scrobble", GroupCall(&M::Scrobble));
}

}  // namespace hearth::http

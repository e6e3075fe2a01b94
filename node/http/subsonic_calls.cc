// The OpenSubsonic calls answered with JSON (or XML rendered from it):
// browsing, lists, search, playlists, stars and scrobbles. Auth, envelopes
// and binary answers are in subsonic.cc.
#include "node/http/subsonic_calls.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "crypto/sodium.h"
#include "node/http/service.h"
#include "node/http/subsonic_format.h"
#include "node/http/subsonic_views.h"
#include "protocol/byte_io.h"

namespace hearth::http {
namespace {

using nlohmann::json;
namespace ss = subsonic;

using Failure = SubsonicFailure;
using Result = std::expected<json, Failure>;

Failure Missing(const std::string& name) { return {ss::kMissingParameter, "required parameter is missing: " + name}; }

bool MatchesWords(const std::string& text, const std::vector<std::string>& words) {
  const std::string l = AsciiLower(text);
  for (const auto& w : words)
    if (l.find(w) == std::string::npos) return false;
  return true;
}

}  // namespace

// Everything /rest answers with JSON, with access to the service's state
// (a friend of HttpService). One request; the views it inherits show
// library items with this listener's stars and plays.
struct SubsonicCalls : SubsonicViews {
  SubsonicCalls(HttpService& service, const User& u, const Params& params)
      : SubsonicViews(service.index_), svc(service), user(u), p(params) {}

  HttpService& svc;
  const User& user;
  const Params& p;

  store::Database& db() { return svc.home_->db(); }

  // Every change to stars, plays and playlists is a listener event, which
  // the mesh carries to the household's other devices.
  std::expected<void, Failure> Record(ListenerEvent e) {
    e.user = user.name;
    if (e.at_us == 0) e.at_us = svc.options_.clock();
    auto r = store::RecordListenerEvent(db(), svc.home_->device_id(), std::move(e));
    if (!r) return std::unexpected(Failure{ss::kGeneric, r.error().message});
    return {};
  }
  std::expected<void, Failure> SavePlaylist(const store::PlaylistRow& pl) {
    ListenerEvent e;
    e.kind = ListenerKind::kPlaylist;
    e.item = pl.id;
    e.name = pl.name;
    e.comment = pl.comment;
    e.is_public = pl.is_public;
    e.created_us = pl.created_us;
    e.tracks = pl.tracks;
    e.at_us = pl.changed_us;
    return Record(std::move(e));
  }

  void LoadMarks() {
    if (auto list = store::ListStars(db(), user.name))
      for (const auto& s : *list) stars[s.kind + ":" + s.item] = s.starred_us;
    if (auto counts = store::PlayCounts(db(), user.name)) plays = std::move(*counts);
  }

  Result Ping() { return json::object(); }
  Result License() { return json{{"license", {{"valid", true}}}}; }
  Result Extensions() {
    return json{{"openSubsonicExtensions",
                 json::array({{{"name", "apiKeyAuthentication"}, {"versions", {1}}},
                              {{"name", "formPost"}, {"versions", {1}}},
                              {{"name", "transcodeOffset"}, {"versions", {1}}}})}};
  }
  Result TokenInfo() { return json{{"tokenInfo", {{"username", user.name}}}}; }
  Result MusicFolders() {
    return json{{"musicFolders", {{"musicFolder", json::array({{{"id", 1}, {"name", "Music"}}})}}}};
  }
  Result GetUser() {
    const std::string name = Get(p, "username").value_or(user.name);
    if (name != user.name && !user.admin) return std::unexpected(Failure{ss::kNotAuthorized, "only an admin may look up other users"});
    auto row = store::FindUser(db(), name);
    if (!row || !*row) return std::unexpected(Failure{ss::kNotFound, "no user named " + name});
    return json{{"user",
                 {{"username", name},
                  {"scrobblingEnabled", true},
                  {"adminRole", (*row)->admin},
                  {"settingsRole", false},
                  {"downloadRole", true},
                  {"uploadRole", false},
                  {"playlistRole", true},
                  {"coverArtRole", false},
                  {"commentRole", false},
                  {"podcastRole", false},
                  {"streamRole", true},
                  {"jukeboxRole", false},
                  {"shareRole", false},
                  {"videoConversionRole", false},
                  {"folder", json::array({1})}}}};
  }
  Result ScanStatus() { return json{{"scanStatus", {{"scanning", false}, {"count", index().songs().size()}}}}; }
  Result Indexes() {
    return json{{"indexes",
                 {{"lastModified", svc.options_.clock() / 1000}, {"ignoredArticles", ""}, {"index", Indexed(false)}}}};
  }
  Result Artists() { return json{{"artists", {{"ignoredArticles", ""}, {"index", Indexed(true)}}}}; }
  Result GetArtist() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(Missing("id"));
    const ArtistInfo* a = index().Artist(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "artist not found: " + *id});
    json j = Artist(*a);
    j["album"] = json::array();
    for (size_t i : a->albums) j["album"].push_back(Album(index().albums()[i]));
    return json{{"artist", j}};
  }
  Result GetAlbum() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(Missing("id"));
    const AlbumInfo* a = index().Album(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "album not found: " + *id});
    json j = Album(*a);
    j["song"] = json::array();
    for (size_t s : a->songs) j["song"].push_back(Child(s));
    return json{{"album", j}};
  }
  Result GetSong() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(Missing("id"));
    auto i = index().SongIndex(*id);
    if (!i) return std::unexpected(Failure{ss::kNotFound, "song not found: " + *id});
    return json{{"song", Child(*i)}};
  }
  Result Directory() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(Missing("id"));
    if (const ArtistInfo* a = index().Artist(*id)) {
      json children = json::array();
      for (size_t i : a->albums) children.push_back(AlbumDir(index().albums()[i]));
      return json{{"directory", {{"id", a->id}, {"parent", "1"}, {"name", a->name}, {"child", children}}}};
    }
    if (const AlbumInfo* a = index().Album(*id)) {
      json children = json::array();
      for (size_t s : a->songs) children.push_back(Child(s));
      return json{{"directory", {{"id", a->id}, {"parent", a->artist_id}, {"name", a->name}, {"child", children}}}};
    }
    if (*id == "1") {
      json children = json::array();
      for (const ArtistInfo& a : index().artists())
        children.push_back({{"id", a.id}, {"parent", "1"}, {"isDir", true}, {"title", a.name}, {"artist", a.name}});
      return json{{"directory", {{"id", "1"}, {"name", "Music"}, {"child", children}}}};
    }
    return std::unexpected(Failure{ss::kNotFound, "directory not found: " + *id});
  }

  // getAlbumList / getAlbumList2: the albums of one list type, paged.
  std::expected<std::vector<size_t>, Failure> AlbumList() {
    auto type = Get(p, "type");
    if (!type) return std::unexpected(Missing("type"));
    const auto& albums = index().albums();
    std::vector<size_t> all;
    for (size_t i = 0; i < albums.size(); ++i) all.push_back(i);
    auto album_plays = [&](size_t i, bool last) {
      int64_t v = 0;
      for (size_t s : albums[i].songs)
        if (auto it = plays.find(index().songs()[s].track); it != plays.end())
          v = last ? std::max(v, it->second.last_us) : v + it->second.count;
      return v;
    };
    if (*type == "random") {
      std::shuffle(all.begin(), all.end(), std::mt19937(std::random_device{}()));
    } else if (*type == "newest") {
      std::stable_sort(all.begin(), all.end(), [&](size_t x, size_t y) { return albums[x].created_us > albums[y].created_us; });
    } else if (*type == "alphabeticalByName") {
      // already by name
    } else if (*type == "alphabeticalByArtist") {
      std::stable_sort(all.begin(), all.end(),
                       [&](size_t x, size_t y) { return AsciiLower(albums[x].artist) < AsciiLower(albums[y].artist); });
    } else if (*type == "frequent" || *type == "recent") {
      const bool last = *type == "recent";
      std::erase_if(all, [&](size_t i) { return album_plays(i, last) == 0; });
      std::stable_sort(all.begin(), all.end(), [&](size_t x, size_t y) { return album_plays(x, last) > album_plays(y, last); });
    } else if (*type == "starred") {
      std::erase_if(all, [&](size_t i) { return !stars.contains("album:" + albums[i].id); });
    } else if (*type == "highest") {
      all.clear();  // no ratings in Hearth
    } else if (*type == "byYear") {
      auto from = IntOf(Get(p, "fromYear")), to = IntOf(Get(p, "toYear"));
      if (!from || !to) return std::unexpected(Missing(from ? "toYear" : "fromYear"));
      const int64_t lo = std::min(*from, *to), hi = std::max(*from, *to);
      std::erase_if(all, [&](size_t i) { return albums[i].year < lo || albums[i].year > hi; });
      std::stable_sort(all.begin(), all.end(), [&](size_t x, size_t y) {
        return *from <= *to ? albums[x].year < albums[y].year : albums[x].year > albums[y].year;
      });
    } else if (*type == "byGenre") {
      auto genre = Get(p, "genre");
      if (!genre) return std::unexpected(Missing("genre"));
      std::erase_if(all, [&](size_t i) {
        for (size_t s : albums[i].songs)
          if (("; " + index().songs()[s].genre + "; ").find("; " + *genre + "; ") != std::string::npos) return false;
        return true;
      });
    } else {
      return std::unexpected(Failure{ss::kGeneric, "unknown album list type: " + *type});
    }
    const size_t size = static_cast<size_t>(IntParam(p, "size", 10, 0, 500));
    const size_t offset = static_cast<size_t>(IntParam(p, "offset", 0, 0, INT32_MAX));
    std::vector<size_t> page;
    for (size_t i = offset; i < all.size() && page.size() < size; ++i) page.push_back(all[i]);
    return page;
  }
  // getAlbumList2 (id3: albums) and getAlbumList (albums as directories).
  Result AlbumListAnswer(bool id3) {
    auto list = AlbumList();
    if (!list) return std::unexpected(list.error());
    json albums = json::array();
    for (size_t i : *list) albums.push_back(id3 ? Album(index().albums()[i]) : AlbumDir(index().albums()[i]));
    return json{{id3 ? "albumList2" : "albumList", {{"album", albums}}}};
  }
  Result RandomSongs() {
    const size_t size = static_cast<size_t>(IntParam(p, "size", 10, 0, 500));
    auto genre = Get(p, "genre");
    auto from = IntOf(Get(p, "fromYear")), to = IntOf(Get(p, "toYear"));
    std::vector<size_t> pool;
    for (size_t i = 0; i < index().songs().size(); ++i) {
      const auto& r = index().songs()[i];
      if (genre && ("; " + r.genre + "; ").find("; " + *genre + "; ") == std::string::npos) continue;
      if (from && r.year < *from) continue;
      if (to && r.year > *to) continue;
      pool.push_back(i);
    }
    std::shuffle(pool.begin(), pool.end(), std::mt19937(std::random_device{}()));
    json songs = json::array();
    for (size_t k = 0; k < pool.size() && k < size; ++k) songs.push_back(Child(pool[k]));
    return json{{"randomSongs", {{"song", songs}}}};
  }
  Result Genres() {
    json genres = json::array();
    for (const GenreInfo& g : index().genres())
      genres.push_back({{"value", g.name}, {"songCount", g.songs}, {"albumCount", g.albums}});
    return json{{"genres", {{"genre", genres}}}};
  }
  Result Search3() {
    std::string query = Get(p, "query").value_or("");
    // Clients ask for everything with an empty query, some as a literal "".
    if (query == "\"\"" || query == "''") query.clear();
    std::vector<std::string> words;
    for (size_t start = 0; start < query.size();) {
      size_t sp = query.find(' ', start);
      std::string w = AsciiLower(query.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
      std::erase(w, '*');
      if (!w.empty()) words.push_back(w);
      if (sp == std::string::npos) break;
      start = sp + 1;
    }
    auto page = [&](std::string_view count_key, std::string_view offset_key, size_t total, auto&& emit) {
      const size_t count = static_cast<size_t>(IntParam(p, count_key, 20, 0, 1000));
      const size_t offset = static_cast<size_t>(IntParam(p, offset_key, 0, 0, INT32_MAX));
      for (size_t i = offset; i < total && i < offset + count; ++i) emit(i);
    };
    json artists = json::array(), albums = json::array(), songs = json::array();
    std::vector<size_t> artist_hits, album_hits, song_hits;
    for (size_t i = 0; i < index().artists().size(); ++i)
      if (MatchesWords(index().artists()[i].name, words)) artist_hits.push_back(i);
    for (size_t i = 0; i < index().albums().size(); ++i)
      if (MatchesWords(index().albums()[i].name + " " + index().albums()[i].artist, words)) album_hits.push_back(i);
    if (words.empty()) {
      for (size_t i = 0; i < index().songs().size(); ++i) song_hits.push_back(i);
    } else if (auto found = svc.catalog_->Search(query, 1000)) {
      for (const auto& r : *found)
        if (auto i = index().SongIndex(LibraryIndex::SongId(r))) song_hits.push_back(*i);
    }
    page("artistCount", "artistOffset", artist_hits.size(), [&](size_t i) { artists.push_back(Artist(index().artists()[artist_hits[i]])); });
    page("albumCount", "albumOffset", album_hits.size(), [&](size_t i) { albums.push_back(Album(index().albums()[album_hits[i]])); });
    page("songCount", "songOffset", song_hits.size(), [&](size_t i) { songs.push_back(Child(song_hits[i])); });
    return json{{"searchResult3", {{"artist", artists}, {"album", albums}, {"song", songs}}}};
  }

  // Playlists.
  json PlaylistJson(const store::PlaylistRow& pl, bool with_songs) {
    uint64_t duration = 0;
    json entries = json::array();
    size_t count = 0;
    for (const TrackId& t : pl.tracks) {
      auto i = index().SongIndex(t.Hex());
      if (!i) continue;  // released since
      ++count;
      duration += index().songs()[*i].duration_ms;
      if (with_songs) entries.push_back(Child(*i));
    }
    json j = {{"id", pl.id}, {"name", pl.name},          {"comment", pl.comment},
              {"owner", pl.owner},           {"public", pl.is_public},   {"songCount", count},
              {"duration", (duration + 500) / 1000}, {"created", SubsonicTime(pl.created_us)}, {"changed", SubsonicTime(pl.changed_us)}};
    if (with_songs) j["entry"] = entries;
    return j;
  }
  std::expected<store::PlaylistRow, Failure> LoadPlaylist(std::string_view key, bool for_writing) {
    auto id = Get(p, key);
    if (!id) return std::unexpected(Missing(std::string(key)));
    auto found = store::FindPlaylist(db(), *id);
    if (!found || !*found || (!(*found)->is_public && (*found)->owner != user.name))
      return std::unexpected(Failure{ss::kNotFound, "playlist not found: " + *id});
    if (for_writing && (*found)->owner != user.name)
      return std::unexpected(Failure{ss::kNotAuthorized, "only its owner may change a playlist"});
    return std::move(**found);
  }
  std::expected<std::vector<TrackId>, Failure> SongIds(std::string_view key) {
    std::vector<TrackId> out;
    for (const std::string& id : GetAll(p, key)) {
      const library::TrackRecord* r = index().Song(id);
      if (!r) return std::unexpected(Failure{ss::kNotFound, "song not found: " + id});
      out.push_back(r->track);
    }
    return out;
  }
  Result Playlists() {
    auto list = store::ListPlaylists(db(), user.name);
    if (!list) return std::unexpected(Failure{ss::kGeneric, list.error().message});
    json out = json::array();
    for (const auto& pl : *list) out.push_back(PlaylistJson(pl, false));
    return json{{"playlists", {{"playlist", out}}}};
  }
  Result GetPlaylist() {
    auto pl = LoadPlaylist("id", false);
    if (!pl) return std::unexpected(pl.error());
    return json{{"playlist", PlaylistJson(*pl, true)}};
  }
  Result CreatePlaylist() {
    auto songs = SongIds("songId");
    if (!songs) return std::unexpected(songs.error());
    const int64_t now = svc.options_.clock();
    store::PlaylistRow pl;
    if (Get(p, "playlistId")) {
      auto existing = LoadPlaylist("playlistId", true);
      if (!existing) return std::unexpected(existing.error());
      pl = std::move(*existing);
      if (auto name = Get(p, "name")) pl.name = *name;
      pl.tracks = std::move(*songs);
      pl.changed_us = now;
    } else {
      auto name = Get(p, "name");
      if (!name) return std::unexpected(Missing("name"));
      uint8_t raw[8];
      crypto::RandomBytes(raw, sizeof raw);
      pl.id = "pl-" + ToHex(ByteSpan(raw, sizeof raw));
      pl.owner = user.name;
      pl.name = *name;
      pl.created_us = pl.changed_us = now;
      pl.tracks = std::move(*songs);
    }
    if (auto r = SavePlaylist(pl); !r) return std::unexpected(r.error());
    return json{{"playlist", PlaylistJson(pl, true)}};
  }
  Result UpdatePlaylist() {
    auto pl = LoadPlaylist("playlistId", true);
    if (!pl) return std::unexpected(pl.error());
    if (auto v = Get(p, "name")) pl->name = *v;
    if (auto v = Get(p, "comment")) pl->comment = *v;
    if (auto v = Get(p, "public")) pl->is_public = *v == "true";
    std::set<int64_t> remove;
    for (const std::string& s : GetAll(p, "songIndexToRemove")) {
      auto i = IntOf(s);
      if (!i || *i < 0 || *i >= static_cast<int64_t>(pl->tracks.size()))
        return std::unexpected(Failure{ss::kGeneric, "no song at index " + s + " in the playlist"});
      remove.insert(*i);
    }
    std::vector<TrackId> kept;
    for (size_t i = 0; i < pl->tracks.size(); ++i)
      if (!remove.contains(static_cast<int64_t>(i))) kept.push_back(pl->tracks[i]);
    auto add = SongIds("songIdToAdd");
    if (!add) return std::unexpected(add.error());
    kept.insert(kept.end(), add->begin(), add->end());
    pl->tracks = std::move(kept);
    pl->changed_us = std::max(svc.options_.clock(), pl->changed_us + 1);
    if (auto r = SavePlaylist(*pl); !r) return std::unexpected(r.error());
    return json::object();
  }
  Result DeletePlaylist() {
    auto pl = LoadPlaylist("id", true);
    if (!pl) return std::unexpected(pl.error());
    ListenerEvent e;
    e.kind = ListenerKind::kPlaylistDelete;
    e.item = pl->id;
    e.at_us = std::max(svc.options_.clock(), pl->changed_us + 1);
    if (auto r = Record(std::move(e)); !r) return std::unexpected(r.error());
    return json::object();
  }

  // Stars and plays.
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
    if (rows.empty()) return std::unexpected(Missing("id, albumId or artistId"));
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
        if (auto i = index().SongIndex(id)) songs.push_back(Child(*i));
      } else if (kind == "album") {
        if (const AlbumInfo* a = index().Album(id)) albums.push_back(id3 ? Album(*a) : AlbumDir(*a));
      } else if (kind == "artist") {
        if (const ArtistInfo* a = index().Artist(id)) artists.push_back(Artist(*a));
      }
    }
    return json{{"artist", artists}, {"album", albums}, {"song", songs}};
  }
  Result Scrobble() {
    auto ids = GetAll(p, "id");
    if (ids.empty()) return std::unexpected(Missing("id"));
    auto times = GetAll(p, "time");
    if (Get(p, "submission").value_or("true") == "false") return json::object();  // "now playing" only
    for (size_t k = 0; k < ids.size(); ++k) {
      const library::TrackRecord* r = index().Song(ids[k]);
      if (!r) return std::unexpected(Failure{ss::kNotFound, "song not found: " + ids[k]});
      ListenerEvent e;
      e.kind = ListenerKind::kPlay;
      e.track = r->track;
      if (k < times.size())
        if (auto ms = IntOf(times[k]); ms && *ms > 0) e.at_us = *ms * 1000;
      if (auto done = Record(std::move(e)); !done) return std::unexpected(done.error());
    }
    return json::object();
  }
};

std::optional<std::expected<nlohmann::json, SubsonicFailure>> RunSubsonicCall(HttpService& svc, const User& user,
                                                                              const Params& p,
                                                                              const std::string& op) {
  static const std::map<std::string, std::function<Result(SubsonicCalls&)>> kCalls = {
      {"ping", [](SubsonicCalls& c) { return c.Ping(); }},
      {"getLicense", [](SubsonicCalls& c) { return c.License(); }},
      {"getOpenSubsonicExtensions", [](SubsonicCalls& c) { return c.Extensions(); }},
      {"tokenInfo", [](SubsonicCalls& c) { return c.TokenInfo(); }},
      {"getMusicFolders", [](SubsonicCalls& c) { return c.MusicFolders(); }},
      {"getUser", [](SubsonicCalls& c) { return c.GetUser(); }},
      {"getScanStatus", [](SubsonicCalls& c) { return c.ScanStatus(); }},
      {"getIndexes", [](SubsonicCalls& c) { return c.Indexes(); }},
      {"getArtists", [](SubsonicCalls& c) { return c.Artists(); }},
      {"getArtist", [](SubsonicCalls& c) { return c.GetArtist(); }},
      {"getAlbum", [](SubsonicCalls& c) { return c.GetAlbum(); }},
      {"getSong", [](SubsonicCalls& c) { return c.GetSong(); }},
      {"getMusicDirectory", [](SubsonicCalls& c) { return c.Directory(); }},
      {"getAlbumList", [](SubsonicCalls& c) { return c.AlbumListAnswer(false); }},
      {"getAlbumList2", [](SubsonicCalls& c) { return c.AlbumListAnswer(true); }},
      {"getRandomSongs", [](SubsonicCalls& c) { return c.RandomSongs(); }},
      {"getGenres", [](SubsonicCalls& c) { return c.Genres(); }},
      {"search3", [](SubsonicCalls& c) { return c.Search3(); }},
      {"getPlaylists", [](SubsonicCalls& c) { return c.Playlists(); }},
      {"getPlaylist", [](SubsonicCalls& c) { return c.GetPlaylist(); }},
      {"createPlaylist", [](SubsonicCalls& c) { return c.CreatePlaylist(); }},
      {"updatePlaylist", [](SubsonicCalls& c) { return c.UpdatePlaylist(); }},
      {"deletePlaylist", [](SubsonicCalls& c) { return c.DeletePlaylist(); }},
      {"star", [](SubsonicCalls& c) { return c.Star(true); }},
      {"unstar", [](SubsonicCalls& c) { return c.Star(false); }},
      {"getStarred", [](SubsonicCalls& c) { return Result(json{{"starred", c.StarredLists(false)}}); }},
      {"getStarred2", [](SubsonicCalls& c) { return Result(json{{"starred2", c.StarredLists(true)}}); }},
      {"scrobble", [](SubsonicCalls& c) { return c.Scrobble(); }},
  };  auto call = kCalls.find(op);
  if (call == kCalls.end()) return std::nullopt;
  SubsonicCalls calls(svc, user, p);
  if (op != "getStarred" && op != "getStarred2") calls.LoadMarks();
  return call->second(calls);
}

}  // namespace hearth::http

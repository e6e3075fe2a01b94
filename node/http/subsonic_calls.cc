// The OpenSubsonic calls answered with JSON (or XML rendered from it): the
// table of every call, and the system, browsing, list and search calls.
// Playlists are in subsonic_playlists.cc, stars and plays in
// subsonic_marks.cc; auth, envelopes and binary answers in subsonic.cc.
#include "node/http/subsonic_calls.h"

#include <algorithm>
#include <random>

#include "node/http/service.h"
#include "node/http/subsonic_request.h"

namespace hearth::http {

SubsonicRequest::SubsonicRequest(HttpService& service, const User& u, const Params& params)
    : SubsonicViews(*service.index_), svc(service), user(u), p(params) {}

store::Database& SubsonicRequest::db() { return svc.home_->db(); }
library::Catalog& SubsonicRequest::catalog() { return *svc.catalog_; }
int64_t SubsonicRequest::now() const { return svc.options_.clock(); }

std::expected<void, SubsonicFailure> SubsonicRequest::Record(ListenerEvent e) {
  e.user = user.name;
  if (e.at_us == 0) e.at_us = now();
  auto r = store::RecordListenerEvent(db(), svc.home_->device_id(), std::move(e));
  if (!r) return std::unexpected(SubsonicFailure{subsonic::kGeneric, r.error().message});
  return {};
}

void SubsonicRequest::LoadMarks() {
  if (auto list = store::ListStars(db(), user.name))
    for (const auto& s : *list) stars[s.kind + ":" + s.item] = s.starred_us;
  if (auto counts = store::PlayCounts(db(), user.name)) plays = std::move(*counts);
}

SubsonicFailure MissingParameter(const std::string& name) {
  return {subsonic::kMissingParameter, "required parameter is missing: " + name};
}

nlohmann::json OpenSubsonicExtensions() {
  using nlohmann::json;
  return json{{"openSubsonicExtensions",
               json::array({{{"name", "apiKeyAuthentication"}, {"versions", {1}}},
                            {{"name", "formPost"}, {"versions", {1}}},
                            {{"name", "transcodeOffset"}, {"versions", {1}}}})}};
}

namespace {

using nlohmann::json;
namespace ss = subsonic;
using Failure = SubsonicFailure;
using Result = SubsonicResult;

bool MatchesWords(const std::string& text, const std::vector<std::string>& words) {
  const std::string l = AsciiLower(text);
  for (const auto& w : words)
    if (l.find(w) == std::string::npos) return false;
  return true;
}

// The server, the library's structure, album and song lists, search.
struct BrowseCalls : SubsonicRequest {
  using SubsonicRequest::SubsonicRequest;

  Result Ping() { return json::object(); }
  Result License() { return json{{"license", {{"valid", true}}}}; }
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
                 {{"lastModified", now() / 1000}, {"ignoredArticles", ""}, {"index", Indexed(false)}}}};
  }
  Result Artists() { return json{{"artists", {{"ignoredArticles", ""}, {"index", Indexed(true)}}}}; }
  Result GetArtist() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    const ArtistInfo* a = index().Artist(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "artist not found: " + *id});
    json j = Artist(*a);
    j["album"] = json::array();
    for (size_t i : a->albums) j["album"].push_back(Album(index().albums()[i]));
    return json{{"artist", j}};
  }
  Result GetAlbum() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    const AlbumInfo* a = index().Album(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "album not found: " + *id});
    json j = Album(*a);
    j["song"] = json::array();
    for (size_t s : a->songs) j["song"].push_back(Child(s));
    return json{{"album", j}};
  }
  Result GetSong() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    auto i = index().SongIndex(*id);
    if (!i) return std::unexpected(Failure{ss::kNotFound, "song not found: " + *id});
    return json{{"song", Child(*i)}};
  }
  Result Directory() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
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
    if (!type) return std::unexpected(MissingParameter("type"));
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
      if (!from || !to) return std::unexpected(MissingParameter(from ? "toYear" : "fromYear"));
      const int64_t lo = std::min(*from, *to), hi = std::max(*from, *to);
      std::erase_if(all, [&](size_t i) { return albums[i].year < lo || albums[i].year > hi; });
      std::stable_sort(all.begin(), all.end(), [&](size_t x, size_t y) {
        return *from <= *to ? albums[x].year < albums[y].year : albums[x].year > albums[y].year;
      });
    } else if (*type == "byGenre") {
      auto genre = Get(p, "genre");
      if (!genre) return std::unexpected(MissingParameter("genre"));
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
    } else if (auto found = catalog().Search(query, 1000)) {
      for (const auto& r : *found)
        if (auto i = index().SongIndex(LibraryIndex::SongId(r))) song_hits.push_back(*i);
    }
    page("artistCount", "artistOffset", artist_hits.size(), [&](size_t i) { artists.push_back(Artist(index().artists()[artist_hits[i]])); });
    page("albumCount", "albumOffset", album_hits.size(), [&](size_t i) { albums.push_back(Album(index().albums()[album_hits[i]])); });
    page("songCount", "songOffset", song_hits.size(), [&](size_t i) { songs.push_back(Child(song_hits[i])); });
    return json{{"searchResult3", {{"artist", artists}, {"album", albums}, {"song", songs}}}};
  }
  Result AlbumList1() { return AlbumListAnswer(false); }
  Result AlbumList2() { return AlbumListAnswer(true); }
};

SubsonicCallTable MakeTable() {
  using B = BrowseCalls;
  SubsonicCallTable t = {
      {"ping", GroupCall(&B::Ping)},
      {"getLicense", GroupCall(&B::License)},
      {"tokenInfo", GroupCall(&B::TokenInfo)},
      {"getMusicFolders", GroupCall(&B::MusicFolders)},
      {"getUser", GroupCall(&B::GetUser)},
      {"getScanStatus", GroupCall(&B::ScanStatus)},
      {"getIndexes", GroupCall(&B::Indexes)},
      {"getArtists", GroupCall(&B::Artists)},
      {"getArtist", GroupCall(&B::GetArtist)},
      {"getAlbum", GroupCall(&B::GetAlbum)},
      {"getSong", GroupCall(&B::GetSong)},
      {"getMusicDirectory", GroupCall(&B::Directory)},
      {"getAlbumList", GroupCall(&B::AlbumList1)},
      {"getAlbumList2", GroupCall(&B::AlbumList2)},
      {"getRandomSongs", GroupCall(&B::RandomSongs)},
      {"getGenres", GroupCall(&B::Genres)},
      {"search3", GroupCall(&B::Search3)},
  };
  AddPlaylistCalls(t);
  AddMarkCalls(t);
  return t;
}

}  // namespace

std::optional<std::expected<nlohmann::json, SubsonicFailure>> RunSubsonicCall(HttpService& svc, const User& user,
                                                                              const Params& p,
                                                                              const std::string& op) {
  static const SubsonicCallTable kCalls = MakeTable();
  auto call = kCalls.find(op);
  if (call == kCalls.end()) return std::nullopt;
  return call->second(svc, user, p);
}

}  // namespace hearth::http

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
    : SubsonicViews(*service.library_), svc(service), user(u), p(params) {}

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
    auto found = svc.users().Find(name);
    if (!found) return std::unexpected(Failure{ss::kNotFound, "no user named " + name});
    return json{{"user",
                 {{"username", name},
                  {"scrobblingEnabled", true},
                  {"adminRole", found->admin},
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
  Result ScanStatus() { return json{{"scanStatus", {{"scanning", false}, {"count", index().SongCount()}}}}; }
  Result Indexes() {
    return json{{"indexes",
                 {{"lastModified", now() / 1000}, {"ignoredArticles", ""}, {"index", Indexed(false)}}}};
  }
  Result Artists() { return json{{"artists", {{"ignoredArticles", ""}, {"index", Indexed(true)}}}}; }
  Result GetArtist() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    auto a = index().Artist(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "artist not found: " + *id});
    json j = Artist(*a);
    j["album"] = json::array();
    for (const AlbumInfo& album : index().ArtistAlbums(*a)) j["album"].push_back(Album(album));
    return json{{"artist", j}};
  }
  Result GetAlbum() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    auto a = index().Album(*id);
    if (!a) return std::unexpected(Failure{ss::kNotFound, "album not found: " + *id});
    json j = Album(*a);
    j["song"] = json::array();
    for (const auto& s : index().AlbumSongs(*a)) j["song"].push_back(Child(s));
    return json{{"album", j}};
  }
  Result GetSong() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    auto song = index().Song(*id);
    if (!song) return std::unexpected(Failure{ss::kNotFound, "song not found: " + *id});
    return json{{"song", Child(*song)}};
  }
  Result Directory() {
    auto id = Get(p, "id");
    if (!id) return std::unexpected(MissingParameter("id"));
    if (auto a = index().Artist(*id)) {
      json children = json::array();
      for (const AlbumInfo& album : index().ArtistAlbums(*a)) children.push_back(AlbumDir(album));
      return json{{"directory", {{"id", a->id}, {"parent", "1"}, {"name", a->name}, {"child", children}}}};
    }
    if (auto a = index().Album(*id)) {
      json children = json::array();
      for (const auto& s : index().AlbumSongs(*a)) children.push_back(Child(s));
      return json{{"directory", {{"id", a->id}, {"parent", a->artist_id}, {"name", a->name}, {"child", children}}}};
    }
    if (*id == "1") {
      json children = json::array();
      for (const ArtistInfo& a : index().Artists(0, index().ArtistCount()))
        children.push_back({{"id", a.id}, {"parent", "1"}, {"isDir", true}, {"title", a.name}, {"artist", a.name}});
      return json{{"directory", {{"id", "1"}, {"name", "Music"}, {"child", children}}}};
    }
    return std::unexpected(Failure{ss::kNotFound, "directory not found: " + *id});
  }

  // getAlbumList / getAlbumList2: the albums of one list type, paged. The
  // library's own orders are indexed reads of one page; the listener's
  // (plays, stars) start from those few rows.
  std::expected<std::vector<AlbumInfo>, Failure> AlbumList() {
    auto type = Get(p, "type");
    if (!type) return std::unexpected(MissingParameter("type"));
    const size_t size = static_cast<size_t>(IntParam(p, "size", 10, 0, 500));
    const size_t offset = static_cast<size_t>(IntParam(p, "offset", 0, 0, INT32_MAX));
    auto page_of = [&](std::vector<AlbumInfo> all) {
      std::vector<AlbumInfo> page;
      for (size_t i = offset; i < all.size() && page.size() < size; ++i) page.push_back(std::move(all[i]));
      return page;
    };
    if (*type == "alphabeticalByName") return index().Albums(AlbumOrder::kName, offset, size);
    if (*type == "alphabeticalByArtist") return index().Albums(AlbumOrder::kArtist, offset, size);
    if (*type == "newest") return index().Albums(AlbumOrder::kNewest, offset, size);
    if (*type == "highest") return std::vector<AlbumInfo>{};  // no ratings in Hearth
    if (*type == "random") return index().Albums(AlbumOrder::kRandom, 0, size);
    if (*type == "byYear") {
      auto from = IntOf(Get(p, "fromYear")), to = IntOf(Get(p, "toYear"));
      if (!from || !to) return std::unexpected(MissingParameter(from ? "toYear" : "fromYear"));
      AlbumFilter f;
      f.from_year = static_cast<int>(std::min(*from, *to));
      f.to_year = static_cast<int>(std::max(*from, *to));
      return index().Albums(*from <= *to ? AlbumOrder::kYearUp : AlbumOrder::kYearDown, offset, size, f);
    }
    if (*type == "byGenre") {
      auto genre = Get(p, "genre");
      if (!genre) return std::unexpected(MissingParameter("genre"));
      AlbumFilter f;
      f.genre = *genre;
      return index().Albums(AlbumOrder::kName, offset, size, f);
    }
    if (*type == "frequent" || *type == "recent") {
      const bool last = *type == "recent";
      // album key -> (plays or last play, one of its songs)
      std::map<std::string, std::pair<int64_t, library::TrackRecord>> by_album;
      for (const auto& [track, stats] : plays) {
        auto song = index().Song(track.Hex());
        if (!song) continue;
        auto [it, fresh] = by_album.try_emplace(song->album_key, 0, *song);
        int64_t& v = it->second.first;
        v = last ? std::max(v, stats.last_us) : v + stats.count;
      }
      std::vector<std::pair<int64_t, AlbumInfo>> ranked;
      for (const auto& [key, entry] : by_album)
        if (entry.first > 0) ranked.emplace_back(entry.first, index().AlbumOf(entry.second));
      std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
      std::vector<AlbumInfo> all;
      for (auto& [v, a] : ranked) all.push_back(std::move(a));
      return page_of(std::move(all));
    }
    if (*type == "starred") {
      std::vector<AlbumInfo> all;
      for (const auto& [key, when] : stars)
        if (key.starts_with("album:"))
          if (auto a = index().Album(key.substr(6))) all.push_back(std::move(*a));
      std::sort(all.begin(), all.end(), [](const AlbumInfo& x, const AlbumInfo& y) {
        return std::pair(AsciiLower(x.name), x.id) < std::pair(AsciiLower(y.name), y.id);
      });
      return page_of(std::move(all));
    }
    return std::unexpected(Failure{ss::kGeneric, "unknown album list type: " + *type});
  }
  // getAlbumList2 (id3: albums) and getAlbumList (albums as directories).
  Result AlbumListAnswer(bool id3) {
    auto list = AlbumList();
    if (!list) return std::unexpected(list.error());
    json albums = json::array();
    for (const AlbumInfo& a : *list) albums.push_back(id3 ? Album(a) : AlbumDir(a));
    return json{{id3 ? "albumList2" : "albumList", {{"album", albums}}}};
  }
  Result RandomSongs() {
    const size_t size = static_cast<size_t>(IntParam(p, "size", 10, 0, 500));
    auto genre = Get(p, "genre");
    auto from = IntOf(Get(p, "fromYear")), to = IntOf(Get(p, "toYear"));
    json songs = json::array();
    for (const auto& r : index().RandomSongs(size, genre, from ? std::optional<int>(static_cast<int>(*from)) : std::nullopt,
                                             to ? std::optional<int>(static_cast<int>(*to)) : std::nullopt))
      songs.push_back(Child(r));
    return json{{"randomSongs", {{"song", songs}}}};
  }
  Result Genres() {
    json genres = json::array();
    for (const GenreInfo& g : index().Genres())
      genres.push_back({{"value", g.name}, {"songCount", g.songs}, {"albumCount", g.albums}});
    return json{{"genres", {{"genre", genres}}}};
  }
  Result Search3() {
    std::string query = Get(p, "query").value_or("");
    // Clients ask for everything with an empty query, some as a literal "".
    if (query == "\"\"" || query == "''") query.clear();
    std::erase(query, '*');
    auto window = [&](std::string_view count_key, std::string_view offset_key) {
      return std::pair(static_cast<size_t>(IntParam(p, offset_key, 0, 0, INT32_MAX)),
                       static_cast<size_t>(IntParam(p, count_key, 20, 0, 1000)));
    };
    json artists = json::array(), albums = json::array(), songs = json::array();
    auto [artist_offset, artist_count] = window("artistCount", "artistOffset");
    for (const ArtistInfo& a : index().SearchArtists(query, artist_offset, artist_count)) artists.push_back(Artist(a));
    auto [album_offset, album_count] = window("albumCount", "albumOffset");
    for (const AlbumInfo& a : index().SearchAlbums(query, album_offset, album_count)) albums.push_back(Album(a));
    auto [song_offset, song_count] = window("songCount", "songOffset");
    if (library::FtsPrefixQuery(query).empty()) {
      for (const auto& r : index().Songs(song_offset, song_count)) songs.push_back(Child(r));
    } else {
      const auto found = index().SearchSongs(query, song_offset + song_count);
      for (size_t i = song_offset; i < found.size(); ++i) songs.push_back(Child(found[i]));
    }
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

// OpenSubsonic's playlists: list, show, create (or replace), update and
// delete. A playlist is the listener's own or public; only its owner changes
// it, and every change is a listener event the mesh carries.
#include <algorithm>
#include <set>

#include "crypto/sodium.h"
#include "node/http/subsonic_request.h"
#include "node/http/users.h"
#include "node/store/play_tables.h"
#include "protocol/byte_io.h"

namespace hearth::http {
namespace {

namespace ss = subsonic;

struct PlaylistCalls : SubsonicRequest {
  using SubsonicRequest::SubsonicRequest;

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

  json PlaylistJson(const store::PlaylistRow& pl, bool with_songs) {
    uint64_t duration = 0;
    json entries = json::array();
    size_t count = 0;
    for (const TrackId& t : pl.tracks) {
      auto song = index().Song(t.Hex());
      if (!song) continue;  // released since
      ++count;
      duration += song->duration_ms;
      if (with_songs) entries.push_back(Child(*song));
    }
    json j = {{"id", pl.id}, {"name", pl.name},          {"comment", pl.comment},
              {"owner", pl.owner},           {"public", pl.is_public},   {"songCount", count},
              {"duration", (duration + 500) / 1000}, {"created", SubsonicTime(pl.created_us)}, {"changed", SubsonicTime(pl.changed_us)}};
    if (with_songs) j["entry"] = entries;
    return j;
  }
  std::expected<store::PlaylistRow, Failure> LoadPlaylist(std::string_view key, bool for_writing) {
    auto id = Get(p, key);
    if (!id) return std::unexpected(MissingParameter(std::string(key)));
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
      auto r = index().Song(id);
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
    const int64_t at = now();
    store::PlaylistRow pl;
    if (Get(p, "playlistId")) {
      auto existing = LoadPlaylist("playlistId", true);
      if (!existing) return std::unexpected(existing.error());
      pl = std::move(*existing);
      if (auto name = Get(p, "name")) pl.name = *name;
      pl.tracks = std::move(*songs);
      pl.changed_us = at;
    } else {
      auto name = Get(p, "name");
      if (!name) return std::unexpected(MissingParameter("name"));
      uint8_t raw[8];
      crypto::RandomBytes(raw, sizeof raw);
      pl.id = "pl-" + ToHex(ByteSpan(raw, sizeof raw));
      pl.owner = user.name;
      pl.name = *name;
      pl.created_us = pl.changed_us = at;
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
    pl->changed_us = std::max(now(), pl->changed_us + 1);
    if (auto r = SavePlaylist(*pl); !r) return std::unexpected(r.error());
    return json::object();
  }
  Result DeletePlaylist() {
    auto pl = LoadPlaylist("id", true);
    if (!pl) return std::unexpected(pl.error());
    ListenerEvent e;
    e.kind = ListenerKind::kPlaylistDelete;
    e.item = pl->id;
    e.at_us = std::max(now(), pl->changed_us + 1);
    if (auto r = Record(std::move(e)); !r) return std::unexpected(r.error());
    return json::object();
  }
};

}  // namespace

void AddPlaylistCalls(SubsonicCallTable& table) {
  using P = PlaylistCalls;
  table.emplace("getPlaylists", GroupCall(&P::Playlists));
  table.emplace("getPlaylist", GroupCall(&P::GetPlaylist));
  table.emplace("createPlaylist", GroupCall(&P::CreatePlaylist));
  table.emplace("updatePlaylist", GroupCall(&P::UpdatePlaylist));
  table.emplace("deletePlaylist", GroupCall(&P::DeletePlaylist));
}

}  // namespace hearth::http

// One OpenSubsonic request as the calls see it: the listener, the query's
// parameters, the store, and the views of library items marked with this
// listener's stars and plays. The calls are grouped by idea, one file each:
//   subsonic_calls.cc      the table of calls; system, browsing, lists, search
//   subsonic_playlists.cc  getPlaylists, getPlaylist, create/update/deletePlaylist
//   subsonic_marks.cc      star, unstar, getStarred(2), scrobble
// Each group is a struct deriving from SubsonicRequest, made for one request
// on the HTTP thread; it borrows the service, the user and the parameters,
// which outlive it.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http/query.h"
#include "node/http/subsonic_calls.h"
#include "node/http/subsonic_format.h"
#include "node/http/subsonic_views.h"
#include "protocol/listener_events.h"

namespace hearth::store {
class Database;
}
namespace hearth::library {
class Catalog;
}

namespace hearth::http {

class HttpService;
struct User;

using SubsonicResult = std::expected<nlohmann::json, SubsonicFailure>;

struct SubsonicRequest : SubsonicViews {
  using Result = SubsonicResult;
  using Failure = SubsonicFailure;

  // A friend of HttpService: reads its index, store, catalog and clock.
  SubsonicRequest(HttpService& service, const User& u, const Params& params);

  store::Database& db();
  library::Catalog& catalog();
  int64_t now() const;  // the service's clock, microseconds since 1970

  // Every change to stars, plays and playlists is a listener event, which
  // the mesh carries to the household's other devices. An event without a
  // time gets now().
  std::expected<void, SubsonicFailure> Record(ListenerEvent e);
  // Fills the views' stars and plays for this listener.
  void LoadMarks();

  HttpService& svc;
  const User& user;
  const Params& p;
};

// "required parameter is missing: NAME"
SubsonicFailure MissingParameter(const std::string& name);

// The calls by name. A call makes its group's request object and answers.
using SubsonicCall = std::function<SubsonicResult(HttpService&, const User&, const Params&)>;
using SubsonicCallTable = std::map<std::string, SubsonicCall, std::less<>>;

// A call answered by `Group::method` after the listener's marks are loaded
// (`with_marks`) or not.
template <class Group>
SubsonicCall GroupCall(SubsonicResult (Group::*method)(), bool with_marks = true) {
  return [method, with_marks](HttpService& svc, const User& user, const Params& p) {
    Group g(svc, user, p);
    if (with_marks) g.LoadMarks();
    return (g.*method)();
  };
}

void AddPlaylistCalls(SubsonicCallTable& table);  // subsonic_playlists.cc
void AddMarkCalls(SubsonicCallTable& table);      // subsonic_marks.cc

}  // namespace hearth::http

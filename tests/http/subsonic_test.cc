// OpenSubsonic: auth in all its forms, browsing, lists, playlists, stars,
// scrobbles and streams, in JSON and XML. (tests/http/js runs a real client
// library against a node and validates against the published schemas.)
#include "node/http/users.h"
#include "tests/http/http_fixture.h"

namespace hearth::http::test {
namespace {

using nlohmann::json;

json Body(const Reply& r) { return r.Json()["subsonic-response"]; }
int ErrorCode(const Reply& r) { return Body(r)["error"].value("code", -1); }

TEST_F(HttpFixture, SubsonicAuthInEveryForm) {
  EXPECT_EQ(Body(Rest("ping"))["status"], "ok");
  // enc: is hex of the password.
  std::string hex;
  for (unsigned char c : std::string(kAlicePassword)) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", c);
    hex += two;
  }
  EXPECT_EQ(Body(Get("/rest/ping.view?u=alice&p=enc:" + hex + "&f=json"))["status"], "ok");
  // token = md5(app password + salt): the login password is not kept where it could be read
  const std::string token = Md5Hex(alice_app_password_ + "c19b2d");
  EXPECT_EQ(Body(Get("/rest/ping?u=alice&t=" + token + "&s=c19b2d&f=json"))["status"], "ok");
  EXPECT_EQ(ErrorCode(Get("/rest/ping?u=alice&t=" + Md5Hex(std::string(kAlicePassword) + "c19b2d") +
                          "&s=c19b2d&f=json")),
            40);
  // The app password also works as a plain password.
  EXPECT_EQ(Body(Get("/rest/ping?u=alice&p=" + alice_app_password_ + "&f=json"))["status"], "ok");
  EXPECT_EQ(ErrorCode(Get("/rest/ping?u=alice&t=" + token + "&s=other&f=json")), 40);
  EXPECT_EQ(Body(Get("/rest/ping?apiKey=" + alice_key_ + "&f=json"))["status"], "ok");
  EXPECT_EQ(ErrorCode(Get("/rest/ping?apiKey=nope&f=json")), 44);
  EXPECT_EQ(ErrorCode(Get("/rest/ping?apiKey=" + alice_key_ + "&u=alice&f=json")), 43);
  EXPECT_EQ(ErrorCode(Get("/rest/ping?u=alice&p=wrong&f=json")), 40);
  EXPECT_EQ(ErrorCode(Get("/rest/ping?u=nobody&p=x&f=json")), 40);
  EXPECT_EQ(ErrorCode(Get("/rest/ping?f=json")), 10);
  EXPECT_EQ(ErrorCode(Get("/rest/ping?u=alice&f=json")), 10);
  // POST form (the formPost extension).
  Reply post = Fetch(port_, "/rest/ping", {{"Content-Type", "application/x-www-form-urlencoded"}}, bhttp::verb::post,
                     "u=alice&p=s3cret+pass&f=json");
  EXPECT_EQ(Body(post)["status"], "ok");
  // XML by default.
  Reply xml = Get("/rest/ping?u=alice&p=wrong");
  EXPECT_NE(xml.body.find("<error code=\"40\""), std::string::npos);
  EXPECT_NE(xml.headers["content-type"].find("xml"), std::string::npos);
  auto ext = Body(Rest("getOpenSubsonicExtensions"))["openSubsonicExtensions"];
  EXPECT_EQ(ext[0]["name"], "apiKeyAuthentication");
  // The spec asks no credentials for this one call (its "security" is []).
  json open = Body(Get("/rest/getOpenSubsonicExtensions?f=json"));
  EXPECT_EQ(open["status"], "ok");
  EXPECT_EQ(open["openSubsonicExtensions"], ext);
  EXPECT_EQ(ErrorCode(Get("/rest/getLicense?f=json")), 10) << "every other call still asks who is asking";
}

TEST_F(HttpFixture, SubsonicBrowsing) {
  json artists = Body(Rest("getArtists"))["artists"]["index"];
  ASSERT_EQ(artists.size(), 2u);  // B and S
  const std::string artist_id = artists[0]["artist"][0]["id"];
  json artist = Body(Rest("getArtist", "id=" + artist_id))["artist"];
  ASSERT_EQ(artist["album"].size(), 1u);
  const std::string album_id = artist["album"][0]["id"];
  json album = Body(Rest("getAlbum", "id=" + album_id))["album"];
  ASSERT_EQ(album["song"].size(), album["songCount"]);
  const std::string song_id = album["song"][0]["id"];
  EXPECT_TRUE(album["song"][0]["id"].is_string());
  json song = Body(Rest("getSong", "id=" + song_id))["song"];
  EXPECT_EQ(song["albumId"], album_id);
  EXPECT_EQ(song["isDir"], false);
  EXPECT_EQ(ErrorCode(Rest("getSong", "id=nope")), 70);
  EXPECT_EQ(ErrorCode(Rest("getSong")), 10);

  json indexes = Body(Rest("getIndexes"))["indexes"]["index"];
  EXPECT_EQ(indexes.size(), 2u);
  json dir = Body(Rest("getMusicDirectory", "id=" + artist_id))["directory"];
  EXPECT_EQ(dir["child"][0]["isDir"], true);
  json songs = Body(Rest("getMusicDirectory", "id=" + album_id))["directory"]["child"];
  EXPECT_EQ(songs.size(), album["songCount"]);
  EXPECT_EQ(Body(Rest("getMusicFolders"))["musicFolders"]["musicFolder"][0]["id"], 1);
  EXPECT_EQ(Body(Rest("getGenres"))["genres"]["genre"].size(), 2u);
  EXPECT_EQ(Body(Rest("getUser", "username=alice"))["user"]["adminRole"], true);
  EXPECT_EQ(Body(Rest("getLicense"))["license"]["valid"], true);
}

TEST_F(HttpFixture, SubsonicListsAndSearch) {
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=alphabeticalByName&size=1"))["albumList2"]["album"].size(), 1u);
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=newest"))["albumList2"]["album"].size(), 2u);
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=byGenre&genre=Post-Rock"))["albumList2"]["album"].size(), 1u);
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=byYear&fromYear=1996&toYear=1999"))["albumList2"]["album"].size(), 1u);
  EXPECT_EQ(ErrorCode(Rest("getAlbumList2")), 10);
  EXPECT_EQ(Body(Rest("getAlbumList", "type=random"))["albumList"]["album"].size(), 2u);
  EXPECT_EQ(Body(Rest("getRandomSongs", "size=3"))["randomSongs"]["song"].size(), 3u);

  // An empty query returns everything, paged.
  json all = Body(Rest("search3", "query=&songCount=5"))["searchResult3"];
  EXPECT_EQ(all["song"].size(), 5u);
  EXPECT_EQ(all["album"].size(), 2u);
  EXPECT_EQ(all["artist"].size(), 2u);
  json rest = Body(Rest("search3", "query=%22%22&songCount=5&songOffset=5"))["searchResult3"];
  EXPECT_EQ(rest["song"].size(), Formats().size() - 5);
  json hits = Body(Rest("search3", "query=homogenic"))["searchResult3"];
  EXPECT_EQ(hits["album"].size(), 1u);
  EXPECT_EQ(hits["song"].size(), 4u);
}

TEST_F(HttpFixture, SubsonicPlaylistsStarsAndScrobbles) {
  json songs = Body(Rest("search3", "query=&songCount=10"))["searchResult3"]["song"];
  const std::string a = songs[0]["id"], b = songs[1]["id"], c = songs[2]["id"];
  json created = Body(Rest("createPlaylist", "name=Road%20trip&songId=" + a + "&songId=" + b))["playlist"];
  ASSERT_EQ(created["songCount"], 2);
  const std::string id = created["id"];
  EXPECT_TRUE(created["id"].is_string());
  EXPECT_EQ(Body(Rest("updatePlaylist", "playlistId=" + id + "&songIdToAdd=" + c + "&songIndexToRemove=0&name=Trip"))["status"], "ok");
  json pl = Body(Rest("getPlaylist", "id=" + id))["playlist"];
  EXPECT_EQ(pl["name"], "Trip");
  ASSERT_EQ(pl["entry"].size(), 2u);
  EXPECT_EQ(pl["entry"][0]["id"], b);
  EXPECT_EQ(pl["entry"][1]["id"], c);
  EXPECT_EQ(Body(Rest("getPlaylists"))["playlists"]["playlist"].size(), 1u);
  // Bob cannot see or change alice's private playlist.
  Reply bob = Get("/rest/getPlaylist?u=bob&p=bobpw&f=json&id=" + id);
  EXPECT_EQ(ErrorCode(bob), 70);
  EXPECT_EQ(ErrorCode(Rest("updatePlaylist", "playlistId=" + id + "&songIdToAdd=nope")), 70);
  EXPECT_EQ(Body(Rest("deletePlaylist", "id=" + id))["status"], "ok");
  EXPECT_EQ(Body(Rest("getPlaylists"))["playlists"]["playlist"].size(), 0u);

  json album = Body(Rest("getAlbumList2", "type=newest"))["albumList2"]["album"][0];
  EXPECT_EQ(Body(Rest("star", "id=" + a + "&albumId=" + album["id"].get<std::string>()))["status"], "ok");
  json starred = Body(Rest("getStarred2"))["starred2"];
  ASSERT_EQ(starred["song"].size(), 1u);
  EXPECT_EQ(starred["song"][0]["id"], a);
  EXPECT_TRUE(starred["song"][0]["starred"].is_string());
  EXPECT_EQ(starred["album"].size(), 1u);
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=starred"))["albumList2"]["album"].size(), 1u);
  EXPECT_EQ(Body(Rest("unstar", "id=" + a))["status"], "ok");
  EXPECT_EQ(Body(Rest("getStarred2"))["starred2"]["song"].size(), 0u);
  EXPECT_EQ(ErrorCode(Rest("star", "id=nothing")), 70);

  EXPECT_EQ(Body(Rest("scrobble", "id=" + b + "&submission=true"))["status"], "ok");
  EXPECT_EQ(Body(Rest("scrobble", "id=" + b))["status"], "ok");
  EXPECT_EQ(Body(Rest("scrobble", "id=" + c + "&submission=false"))["status"], "ok");  // now playing: no count
  EXPECT_EQ(Body(Rest("getSong", "id=" + b))["song"]["playCount"], 2);
  // A time that would overflow in microseconds, or is no time at all, is
  // refused with a reason and records no play; a real one is kept.
  for (const char* bad : {"9223372036854776", "99999999999999999999", "-5", "0", "soon"}) {
    Reply r = Rest("scrobble", "id=" + b + "&time=" + bad);
    EXPECT_EQ(ErrorCode(r), 0) << bad;
    EXPECT_NE(Body(r)["error"]["message"].get<std::string>().find("milliseconds since 1970"), std::string::npos);
  }
  EXPECT_EQ(Body(Rest("getSong", "id=" + b))["song"]["playCount"], 2);
  EXPECT_EQ(Body(Rest("scrobble", "id=" + b + "&time=1764500000000"))["status"], "ok");
  EXPECT_EQ(Body(Rest("getSong", "id=" + b))["song"]["playCount"], 3);
  EXPECT_FALSE(Body(Rest("getSong", "id=" + c))["song"].contains("playCount"));
  EXPECT_EQ(Body(Rest("getAlbumList2", "type=frequent"))["albumList2"]["album"].size(), 1u);
}

TEST_F(HttpFixture, SubsonicStreamDownloadAndCover) {
  json songs = Body(Rest("search3", "query=&songCount=10"))["searchResult3"]["song"];
  for (const auto& s : songs) {
    const std::string id = s["id"];
    Reply raw = Rest("download", "id=" + id);
    EXPECT_EQ(raw.status, 200);
    EXPECT_EQ(raw.body, OriginalBytes(s["title"])) << s["suffix"];
    EXPECT_EQ(raw.headers["content-type"], s["contentType"]);
  }
  const std::string id = songs[0]["id"];
  Reply opus = Rest("stream", "id=" + id + "&format=opus&maxBitRate=96&timeOffset=1");
  EXPECT_EQ(opus.status, 200);
  EXPECT_EQ(opus.headers["content-type"], "audio/ogg; codecs=opus");
  EXPECT_EQ(opus.body.substr(0, 4), "OggS");
  // A start that is no number of seconds (infinite, huge, not a number)
  // starts at 0 instead of reaching the transcoder (it once overflowed there).
  for (const char* offset : {"inf", "1e300", "nan", "-5", "x"}) {
    Reply from_start = Rest("stream", "id=" + id + "&format=opus&timeOffset=" + offset);
    EXPECT_EQ(from_start.status, 200) << offset;
    EXPECT_EQ(from_start.body.substr(0, 4), "OggS") << offset;
  }
  // maxBitRate under the original's rate transcodes; format=raw never does.
  Reply raw = Rest("stream", "id=" + id + "&format=raw&maxBitRate=64");
  EXPECT_EQ(raw.body, OriginalBytes(songs[0]["title"]));
  Reply range = Get("/rest/stream?u=alice&p=s3cret%20pass&id=" + id, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, OriginalBytes(songs[0]["title"]).substr(10, 10));
  EXPECT_EQ(ErrorCode(Rest("stream", "id=" + std::string(64, 'a'))), 70);

  std::string cover_id;
  for (const auto& s : songs)
    if (s.contains("coverArt")) cover_id = s["coverArt"];
  ASSERT_FALSE(cover_id.empty());
  Reply cover = Rest("getCoverArt", "id=" + cover_id + "&size=300");
  EXPECT_EQ(cover.headers["content-type"], "image/jpeg");
  EXPECT_EQ(ErrorCode(Rest("getCoverArt", "id=co-" + std::string(64, '1'))), 70);
}

}  // namespace
}  // namespace hearth::http::test

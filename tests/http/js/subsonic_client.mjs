// A real OpenSubsonic client library (subsonic-api from npm) against a real
// Hearth node, and every call Hearth answers checked in both its forms, JSON
// and XML, against the published OpenSubsonic schemas (opensubsonic_schema.mjs),
// the two forms compared for the same data. Usage:
//   node subsonic_client.mjs URL USER PASSWORD API_KEY SCHEMA_DIR
// Prints one line per failed check and exits 1 if any failed.
//
// Which calls Hearth answers is asked of Hearth itself: every operation in
// the schemas is called once without parameters, and any answer but "not
// implemented" (error 70) means Hearth has it -- and then this script must
// have checked a real answer of it in both forms, or it fails. A call added
// to the server without a check here fails this test.
import { createHash, randomBytes } from "node:crypto";
import { SubsonicAPI } from "subsonic-api";
import { OpenSubsonicSchemas, comparable, difference } from "./opensubsonic_schema.mjs";

const [url, username, password, apiKey, schemaDir] = process.argv.slice(2);
const schemas = await OpenSubsonicSchemas.load(schemaDir);
let checks = 0;
const failures = [];

function expect(ok, what) {
  checks++;
  if (!ok) failures.push(what);
}

// One request, without a client library: auth "token" (u, t, s), "apiKey",
// "wrong" (a wrong password's token) or "none"; `params` as given (an array
// value repeats its name), no f unless given.
async function rest(op, params = {}, auth = "token") {
  const q = new URLSearchParams({ v: "1.16.1", c: "hearth-conformance" });
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) q.append(name, String(v));
  if (auth === "apiKey") {
    q.set("apiKey", apiKey);
  } else if (auth === "token" || auth === "wrong") {
    const salt = randomBytes(8).toString("hex");
    const secret = auth === "wrong" ? password + "x" : password;
    q.set("u", username);
    q.set("t", createHash("md5").update(secret + salt).digest("hex"));
    q.set("s", salt);
  }
  const res = await fetch(`${url}/rest/${op}.view?${q}`);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

const implemented = [];         // the operations Hearth answers (the probe finds them)
const okInBoth = new Set();      // operations with an "ok" answer checked in JSON and XML
const answeredInBoth = new Set();  // operations with any answer checked in JSON and XML
const binaryServed = new Set();  // binary operations whose bytes were checked

// Calls `op` twice, for its JSON answer and its XML answer (with
// `xmlParams`, for a call that changes something), checks both against the
// schema and compares them: equal once the members at the dotted paths
// `ignore` are dropped (what differs between two calls: a new playlist's
// id, a clock), with `unordered` every list taken as a set. A probe only
// asks whether the call exists: it is checked, but counts as no coverage,
// and its two answers may differ. Returns both answers' subsonic-response.
async function answer(op, params = {}, { auth = "token", xmlParams = params, ignore = [], unordered = false,
                                         probe = false } = {}) {
  const j = await rest(op, { ...params, f: "json" }, auth);
  expect(j.status === 200 && j.type.startsWith("application/json"), `${op}: JSON answered ${j.status} ${j.type}`);
  let body = null;
  try {
    body = JSON.parse(j.text);
  } catch (e) {
    failures.push(`${op}: JSON answer does not parse: ${e.message}: ${j.text.slice(0, 200)}`);
  }
  const jsonProblems = body ? schemas.checkJson(op, body) : ["unreadable"];
  expect(jsonProblems.length === 0, `${op} (JSON ${JSON.stringify(params)}): ${jsonProblems.join("; ")}`);

  const x = await rest(op, { ...xmlParams, f: "xml" }, auth);
  expect(x.status === 200 && x.type.startsWith("text/xml"), `${op}: XML answered ${x.status} ${x.type}`);
  const { value, problems: xmlProblems } = schemas.checkXml(op, x.text);
  expect(xmlProblems.length === 0,
         `${op} (XML ${JSON.stringify(xmlParams)}): ${xmlProblems.join("; ")}\n  ${x.text.slice(0, 400)}`);

  const json = body?.["subsonic-response"], xml = value?.["subsonic-response"];
  if (!probe && json && xml) {
    const d = difference(comparable(json, { ignore, unordered }), comparable(xml, { ignore, unordered }));
    expect(!d, `${op}: the JSON and XML answers differ at ${d}`);
    if (!jsonProblems.length && !xmlProblems.length) {
      answeredInBoth.add(op);
      if (json.status === "ok" && xml.status === "ok") okInBoth.add(op);
    }
  }
  return { json: json ?? {}, xml: xml ?? {} };
}

// The checks themselves refuse what they should.
function checkTheChecks() {
  const good = `<?xml version="1.0" encoding="UTF-8"?>\n<subsonic-response xmlns="http://subsonic.org/restapi" ` +
               `status="ok" version="1.16.1" type="t" serverVersion="1" openSubsonic="true">` +
               `<scanStatus scanning="false" count="3"/></subsonic-response>`;
  const read = schemas.checkXml("getScanStatus", good);
  expect(!read.problems.length && read.value["subsonic-response"].scanStatus.count === 3,
         `the XML check reads a good answer: ${read.problems}`);
  for (const [bad, what] of [[good.replace('count="3"', 'count="three"'), "an integer that is not one"],
                             [good.replace('scanning="false"', 'scanning="no"'), "a boolean that is not one"],
                             [good.replace(' scanning="false"', ""), "a required attribute missing"],
                             [good.replace("<scanStatus", '<scanStatus bogus="1"'), "an attribute the schema lacks"],
                             [good.replace("restapi", "other"), "another namespace"],
                             [good.replace("</subsonic-response>", ""), "a document that is not well-formed"],
                             [good.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), "another encoding"]])
    expect(schemas.checkXml("getScanStatus", bad).problems.length > 0, `the XML check refuses ${what}`);
  expect(!difference(comparable({ a: [], b: [2, 1] }, { unordered: true }), comparable({ b: [1, 2] })),
         "the comparison takes an empty list for none, and a set in any order");
  expect(difference(comparable({ a: 1 }), comparable({ a: "1" })), "the comparison tells 1 from \"1\"");
}

// Which operations Hearth answers: each one called without parameters.
async function probe() {
  for (const op of schemas.operations.keys()) {
    const { json } = await answer(op, {}, { probe: true });
    const { status, error } = json;
    if (!(status === "failed" && error?.code === 70 && error.message?.startsWith("not implemented")))
      implemented.push(op);
  }
}

const client = new SubsonicAPI({ url, auth: { username, password } });  // token + salt
const keyed = new SubsonicAPI({ url, auth: { apiKey } });
const posting = new SubsonicAPI({ url, auth: { username, password }, post: true });
const wrong = new SubsonicAPI({ url, auth: { username, password: password + "x" } });

// Auth and the envelope, and the calls about the server and the listener.
async function server() {
  expect((await client.ping()).status === "ok", "ping with token auth");
  expect((await keyed.ping()).status === "ok", "ping with apiKey");
  expect((await posting.ping()).status === "ok", "ping by POST form");
  const refused = await wrong.ping();
  expect(refused.status === "failed" && refused.error.code === 40, "wrong password gives error 40");
  expect((await answer("ping", {}, { auth: "wrong" })).xml.error?.code === 40, "error 40 in XML too");
  expect((await answer("ping", {}, { auth: "apiKey" })).xml.status === "ok", "ping with apiKey in XML");
  const anonymous = await answer("getOpenSubsonicExtensions", {}, { auth: "none" });
  expect(anonymous.json.status === "ok" && anonymous.xml.status === "ok", "getOpenSubsonicExtensions needs no login");
  const noAuth = await answer("getLicense", {}, { auth: "none" });
  expect(noAuth.json.error?.code === 10 && noAuth.xml.error?.code === 10, "other calls without a login: error 10");
  for (const op of ["ping", "getArtists"]) {
    const plain = await rest(op), xml = await rest(op, { f: "xml" });
    expect(plain.type.startsWith("text/xml") && plain.text === xml.text, `${op}: without f the answer is XML`);
  }
  for (const op of ["ping", "getLicense", "getOpenSubsonicExtensions", "getMusicFolders", "getArtists", "getGenres",
                    "getScanStatus", "getStarred", "getStarred2", "getPlaylists"])
    expect((await answer(op)).json.status === "ok", `${op} ok`);
  await answer("getIndexes", {}, { ignore: ["indexes.lastModified"] });  // the time of the call
  expect((await answer("getUser", { username })).json.user?.username === username, "getUser");
  expect((await answer("tokenInfo")).json.tokenInfo?.username === username, "tokenInfo names the user");
  const ext = await client.getOpenSubsonicExtensions();
  expect(ext.openSubsonicExtensions.some((e) => e.name === "apiKeyAuthentication"), "apiKeyAuthentication advertised");
}

// Browsing down to a song, searching, random songs. Returns what the later
// steps use: an artist, its first album's id, that album's first song, and
// every song.
async function browse() {
  const { artists } = await client.getArtists();
  const artist = artists.index[0].artist[0];
  const { artist: full } = await client.getArtist({ id: artist.id });
  await answer("getArtist", { id: artist.id });
  const albumId = full.album[0].id;
  const { album } = await client.getAlbum({ id: albumId });
  await answer("getAlbum", { id: albumId });
  expect(album.song.length === album.songCount, "getAlbum lists its songs");
  const song = album.song[0];
  expect(typeof song.id === "string", "ids are strings");
  await answer("getSong", { id: song.id });
  for (const id of ["1", artist.id, albumId]) await answer("getMusicDirectory", { id });
  const missing = (await answer("getSong", { id: "nope" })).json;
  expect(missing.status === "failed" && missing.error.code === 70, "unknown id gives error 70");
  expect((await answer("getAlbum", {})).json.error?.code === 10, "a missing parameter gives error 10");

  // search3: an empty query returns everything, paged.
  const all = (await client.search3({ query: "", songCount: 500 })).searchResult3.song;
  expect(all.length > 2, "empty search3 returns every song");
  const page = (await answer("search3", { query: "", songCount: 2, songOffset: 1 })).json.searchResult3;
  expect(page.song.length === 2 && page.song[0].id === all[1].id, "search3 pages");
  const found = (await answer("search3", { query: "rock roll" })).json.searchResult3;
  expect(found.song?.[0]?.title === "Rock & Roll <Ünïcode> \"quoted\" 'single'", "search3 finds markup intact");
  expect((await posting.search3({ query: "" })).searchResult3.song.length > 0, "search3 by POST");
  // Every song, at random: the same set in both forms.
  const random = (await answer("getRandomSongs", { size: 500 }, { unordered: true })).json.randomSongs;
  expect(random.song.length === all.length, "getRandomSongs gives every song when asked for more");
  return { artist, albumId, song, all };
}

// Two playlists, one made by a JSON call and one by an XML call, changed
// and deleted the same way.
async function playlists({ all }) {
  const ids = all.slice(0, 3).map((s) => s.id);
  const fresh = ["playlist.id", "playlist.created", "playlist.changed"];
  const made = await answer("createPlaylist", { name: "From the client", songId: ids }, { ignore: fresh });
  const [one, two] = [made.json.playlist, made.xml.playlist];
  expect(one?.songCount === 3 && two?.songCount === 3 && one.id !== two.id, "createPlaylist");
  await answer("getPlaylist", { id: one.id });
  await answer("getPlaylists");
  const update = (id) => ({ playlistId: id, name: "Renamed", comment: "<&>", songIndexToRemove: [0] });
  const renamed = await answer("updatePlaylist", update(one.id), { xmlParams: update(two.id) });
  expect(renamed.json.status === "ok" && renamed.xml.status === "ok", "updatePlaylist");
  for (const id of [one.id, two.id]) {
    const updated = (await client.getPlaylist({ id })).playlist;
    expect(updated.name === "Renamed" && updated.entry.length === 2, "updatePlaylist changed " + id);
  }
  await answer("getPlaylist", { id: two.id });
  await answer("createPlaylist", { playlistId: one.id, songId: ids }, { ignore: ["playlist.changed"] });  // replace
  await answer("deletePlaylist", { id: one.id }, { xmlParams: { id: two.id } });
  expect(((await client.getPlaylists()).playlists.playlist?.length ?? 0) === 0, "deletePlaylist");
}

// Stars and plays, and the lists they show in.
async function marks({ artist, albumId, song }) {
  await answer("star", { id: song.id, albumId, artistId: artist.id });
  const starred = (await answer("getStarred2")).json.starred2;
  expect(starred.song.some((s) => s.id === song.id) && starred.album.some((a) => a.id === albumId) &&
         starred.artist.some((a) => a.id === artist.id), "star");
  await answer("getStarred");
  await answer("getIndexes", {}, { ignore: ["indexes.lastModified"] });
  await answer("getArtist", { id: artist.id });
  await answer("getMusicDirectory", { id: albumId });
  await answer("unstar", { id: song.id });
  expect(!(await client.getStarred2()).starred2.song.some((s) => s.id === song.id), "unstar");
  expect((await answer("scrobble", { id: song.id, submission: true })).json.status === "ok", "scrobble");
  expect((await client.getSong({ id: song.id })).song.playCount === 2, "each scrobble counts a play (one a form)");
  await answer("scrobble", { id: song.id, submission: false });  // now playing: counts no play
  await answer("getSong", { id: song.id });
}

// Album lists of every kind.
async function albumLists({ albumId }) {
  const genre = (await client.getGenres()).genres.genre?.[0]?.value;
  expect(genre, "a genre");
  for (const [type, extra] of [["newest", {}], ["alphabeticalByName", {}], ["alphabeticalByArtist", {}],
                               ["highest", {}], ["frequent", {}], ["recent", {}], ["starred", {}],
                               ["byYear", { fromYear: 1900, toYear: 2100 }],
                               ["byYear", { fromYear: 2100, toYear: 1900 }],
                               ["byGenre", { genre }], ["random", { size: 500 }]]) {
    for (const op of ["getAlbumList", "getAlbumList2"]) {
      const r = await answer(op, { type, size: 10, ...extra }, { unordered: type === "random" });
      expect(r.json.status === "ok", `${op} ${type} ok`);
    }
  }
  expect((await client.getAlbumList2({ type: "frequent" })).albumList2.album?.[0]?.id === albumId,
         "getAlbumList2 frequent puts the played album first");
}

// Streams and images: their failures in both forms, and their bytes.
async function media({ song, all }) {
  for (const [op, id] of [["stream", "nope"], ["download", "nope"], ["getCoverArt", "nope"],
                          ["getCoverArt", "co-" + "0".repeat(64)]]) {  // a cover id no track holds
    const r = await answer(op, { id });
    expect(r.json.error?.code === 70 && r.xml.error?.code === 70, `${op} of an unknown id gives error 70`);
  }
  const original = Buffer.from(await (await client.download({ id: song.id })).arrayBuffer());
  expect(original.length === song.size, `download gives ${song.size} bytes (got ${original.length})`);
  binaryServed.add("download");
  const raw = Buffer.from(await (await client.stream({ id: song.id })).arrayBuffer());
  expect(raw.equals(original), "stream gives the original");
  const opus = await client.stream({ id: song.id, format: "opus", maxBitRate: 96 });
  expect(opus.headers.get("content-type") === "audio/ogg; codecs=opus", "stream transcodes to Ogg Opus");
  expect(Buffer.from(await opus.arrayBuffer()).subarray(0, 4).toString() === "OggS", "transcode is Ogg");
  binaryServed.add("stream");
  const withCover = all.find((s) => s.coverArt);
  expect(withCover, "a song with cover art");
  if (withCover) {
    const img = await client.getCoverArt({ id: withCover.coverArt });
    expect(img.headers.get("content-type").startsWith("image/"), "getCoverArt gives an image");
    binaryServed.add("getCoverArt");
  }
}

// Every call Hearth answers was checked in both forms.
function coverage() {
  expect(implemented.length > 20, `Hearth answers only ${implemented.length} calls: ${implemented.join(", ")}`);
  for (const op of implemented) {
    const binary = schemas.operations.get(op) === null;
    expect(binary ? answeredInBoth.has(op) && binaryServed.has(op) : okInBoth.has(op),
           `${op}: Hearth answers it, but no ${binary ? "bytes and failure" : "ok answer"} of it is checked here`);
  }
  for (const op of answeredInBoth)
    expect(implemented.includes(op), `${op}: checked here, but the probe found it not implemented`);
}

try {
  checkTheChecks();
  await probe();
  await server();
  const library = await browse();
  await playlists(library);
  await marks(library);
  await albumLists(library);
  await media(library);
  coverage();
} catch (e) {
  failures.push(`threw: ${e.stack}`);
}
if (failures.length) {
  for (const f of failures) console.log("FAIL " + f);
  process.exit(1);
}
console.log(`ok: ${checks} checks; ${implemented.length} calls, each in JSON and XML: ${implemented.join(" ")}`);

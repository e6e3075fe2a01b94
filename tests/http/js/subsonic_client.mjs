// A real OpenSubsonic client library (subsonic-api from npm) against a real
// Hearth node, every JSON answer validated against the published
// OpenSubsonic schemas. Usage:
//   node subsonic_client.mjs URL USER PASSWORD API_KEY SCHEMA_DIR
// Prints one line per failed check and exits 1 if any failed.
import { SubsonicAPI } from "subsonic-api";
import $RefParser from "@apidevtools/json-schema-ref-parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [url, username, password, apiKey, schemaDir] = process.argv.slice(2);
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map();
let checks = 0;
const failures = [];

function expect(ok, what) {
  checks++;
  if (!ok) failures.push(what);
}

async function validatorFor(op) {
  if (!validators.has(op)) {
    const doc = await $RefParser.dereference(`${schemaDir}/endpoints/${op}.json`);
    validators.set(op, ajv.compile(doc.get.responses["200"].content["application/json"].schema));
  }
  return validators.get(op);
}

// The raw JSON of one call (the typed methods revive dates), checked for the
// wrapper and against the endpoint's schema.
async function validated(api, op, params = {}) {
  const res = await api.custom(`${op}.view`, params);
  const body = await res.json();
  expect("subsonic-response" in body, `${op}: no subsonic-response wrapper`);
  const validate = await validatorFor(op);
  if (!validate(body)) failures.push(`${op}: schema: ${ajv.errorsText(validate.errors).slice(0, 600)}`);
  checks++;
  return body["subsonic-response"];
}

const client = new SubsonicAPI({ url, auth: { username, password } });  // token + salt
const keyed = new SubsonicAPI({ url, auth: { apiKey } });
const posting = new SubsonicAPI({ url, auth: { username, password }, post: true });
const wrong = new SubsonicAPI({ url, auth: { username, password: password + "x" } });

expect((await client.ping()).status === "ok", "ping with token auth");
expect((await keyed.ping()).status === "ok", "ping with apiKey");
expect((await posting.ping()).status === "ok", "ping by POST form");
const refused = await wrong.ping();
expect(refused.status === "failed" && refused.error.code === 40, "wrong password gives error 40");
await validated(wrong, "ping");

for (const op of ["ping", "getLicense", "getOpenSubsonicExtensions", "getMusicFolders", "getIndexes", "getArtists",
                  "getGenres", "getStarred2", "getPlaylists"])
  expect((await validated(client, op)).status === "ok", `${op} ok`);
await validated(client, "getUser", { username });
const ext = await client.getOpenSubsonicExtensions();
expect(ext.openSubsonicExtensions.some((e) => e.name === "apiKeyAuthentication"), "apiKeyAuthentication advertised");

// Browse down to a song.
const { artists } = await client.getArtists();
const artist = artists.index[0].artist[0];
const { artist: full } = await client.getArtist({ id: artist.id });
await validated(client, "getArtist", { id: artist.id });
const albumId = full.album[0].id;
const { album } = await client.getAlbum({ id: albumId });
await validated(client, "getAlbum", { id: albumId });
expect(album.song.length === album.songCount, "getAlbum lists its songs");
const song = album.song[0];
expect(typeof song.id === "string", "ids are strings");
await validated(client, "getSong", { id: song.id });
await validated(client, "getMusicDirectory", { id: artist.id });
await validated(client, "getMusicDirectory", { id: albumId });
await validated(client, "getAlbumList2", { type: "newest", size: 10 });
await validated(client, "getAlbumList", { type: "alphabeticalByName" });
await validated(client, "getRandomSongs", { size: 3 });
const missing = await validated(client, "getSong", { id: "nope" });
expect(missing.status === "failed" && missing.error.code === 70, "unknown id gives error 70");

// search3: an empty query returns everything, paged.
const all = (await client.search3({ query: "", songCount: 500 })).searchResult3;
const total = all.song.length;
expect(total > 2, "empty search3 returns every song");
const page = (await validated(client, "search3", { query: "", songCount: 2, songOffset: 1 })).searchResult3;
expect(page.song.length === 2 && page.song[0].id === all.song[1].id, "search3 pages");
expect((await posting.search3({ query: "" })).searchResult3.song.length > 0, "search3 by POST");

// Playlists.
const ids = all.song.slice(0, 3).map((s) => s.id);
const created = (await client.createPlaylist({ name: "From the client", songId: ids })).playlist;
expect(created.songCount === 3, "createPlaylist");
await validated(client, "getPlaylist", { id: created.id });
await client.updatePlaylist({ playlistId: created.id, name: "Renamed", songIndexToRemove: [0] });
const updated = (await client.getPlaylist({ id: created.id })).playlist;
expect(updated.name === "Renamed" && updated.entry.length === 2, "updatePlaylist");
await validated(client, "getPlaylists");
expect((await client.deletePlaylist({ id: created.id })).status === "ok", "deletePlaylist");

// Stars and scrobbles.
await client.star({ id: song.id, albumId });
const starred = (await validated(client, "getStarred2")).starred2;
expect(starred.song.some((s) => s.id === song.id) && starred.album.some((a) => a.id === albumId), "star");
await client.unstar({ id: song.id });
expect(!(await client.getStarred2()).starred2.song.some((s) => s.id === song.id), "unstar");
expect((await validated(client, "scrobble", { id: song.id, submission: true })).status === "ok", "scrobble");
expect((await client.getSong({ id: song.id })).song.playCount === 1, "scrobble counts a play");

// Streams and images.
const original = Buffer.from(await (await client.download({ id: song.id })).arrayBuffer());
expect(original.length === song.size, `download gives ${song.size} bytes (got ${original.length})`);
const raw = Buffer.from(await (await client.stream({ id: song.id })).arrayBuffer());
expect(raw.equals(original), "stream gives the original");
const opus = await client.stream({ id: song.id, format: "opus", maxBitRate: 96 });
expect(opus.headers.get("content-type") === "audio/ogg; codecs=opus", "stream transcodes to Ogg Opus");
expect(Buffer.from(await opus.arrayBuffer()).subarray(0, 4).toString() === "OggS", "transcode is Ogg");
const withCover = all.song.find((s) => s.coverArt);
if (withCover) {
  const img = await client.getCoverArt({ id: withCover.coverArt });
  expect(img.headers.get("content-type").startsWith("image/"), "getCoverArt gives an image");
}

if (failures.length) {
  for (const f of failures) console.log("FAIL " + f);
  process.exit(1);
}
console.log(`ok: ${checks} checks`);

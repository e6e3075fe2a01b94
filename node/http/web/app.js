// Hearth web player: plain DOM, no build step. Talks to /api/v1 with the
// session cookie set at login.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { queue: [], index: -1, players: [$("#audio-a"), $("#audio-b")], active: 0, offset: 0 };

async function api(path, options = {}) {
  const res = await fetch("/api/v1/" + path, { credentials: "same-origin", ...options });
  if (res.status === 401) { showLogin(); throw new Error("logged out"); }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const fmt = (s) => { s = Math.max(0, Math.floor(s || 0)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`; };
const coverUrl = (id) => id ? `/api/v1/covers/${id}` : null;
// Chromium plays every original Hearth imports except ALAC; that one is transcoded.
const needsTranscode = (t) => t.codec === "alac";
const streamUrl = (t, start = 0) => needsTranscode(t)
  ? `/api/v1/tracks/${t.id}/stream?format=opus&bitrate=160&start=${start}`
  : `/api/v1/tracks/${t.id}/stream`;

// With no network, the app opens on what this browser keeps (offline.js).
let offlineMode = false;
function showLogin() { $("#app").hidden = true; $("#login").hidden = false; }
function showApp(me) {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#nav-control").hidden = !(me && me.admin);
  $("#offline-banner").hidden = !offlineMode;
  // The page as sent paints first (a frame), then the view fills in.
  requestAnimationFrame(() => setTimeout(route));
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const res = await fetch("/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: form.get("user"), password: form.get("password") }) });
  if (res.ok) { $("#login-error").textContent = ""; offlineMode = false; showApp(await res.json()); }
  else $("#login-error").textContent = (await res.json()).error;
});
$("#logout").addEventListener("click", async () => { await fetch("/api/v1/logout", { method: "POST" }); showLogin(); });

// Views.
function trackTable(tracks) {
  const rows = tracks.map((t, i) => el("tr", { class: "track", "data-id": t.id, ondblclick: () => playList(tracks, i) },
    el("td", {}, t.track || ""),
    el("td", {}, el("a", { href: "#", class: "play-track", onclick: (e) => { e.preventDefault(); playList(tracks, i); } }, t.title)),
    el("td", {}, t.artist), el("td", {}, t.album), el("td", {}, fmt(t.duration)),
    el("td", { class: "holders" }, t.holders.join(", "), t.here ? el("span", { class: "here" }, " ✓ here") : ""),
    el("td", {}, el("button", { type: "button", class: "pin", onclick: (e) => pin(t, e.target) }, t.here ? "Held here" : "Pin here"))));
  return el("table", { class: "tracks" }, el("thead", {}, el("tr", {}, ...["#", "Title", "Artist", "Album", "Time", "Held by", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function albumCard(a) {
  return el("div", { class: "card", "data-album": a.id, onclick: () => { location.hash = "album/" + a.id; } },
    a.cover ? el("img", { src: coverUrl(a.cover), alt: "", loading: "lazy" }) : el("div", { class: "cover" }),
    el("div", { class: "title" }, a.name), el("div", { class: "sub" }, `${a.artist}${a.year ? " · " + a.year : ""}`));
}

// Fills `box` a page of /api/v1/PATH at a time: the first now, each next
// one as the end of the list scrolls near (the API pages albums and artists).
async function paged(box, path, key, render) {
  const more = el("div", { class: "more" });
  let offset = 0, total = Infinity, busy = false;
  const observer = new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) load(); },
    { rootMargin: "800px" });
  async function load() {
    if (busy || offset >= total) return;
    busy = true;
    try {
      const page = await api(`${path}?offset=${offset}&limit=200`);
      total = page.total;
      offset += page[key].length;
      box.append(...page[key].map(render));
      if (offset >= total || !page[key].length) { observer.disconnect(); more.remove(); }
    } finally { busy = false; }
  }
  await load();
  observer.observe(more);
  return more;
}
async function viewAlbums() {
  const grid = el("div", { class: "grid" });
  return [el("h2", {}, "Albums"), grid, await paged(grid, "albums", "albums", albumCard)];
}
async function viewArtists() {
  const list = el("ul");
  return [el("h2", {}, "Artists"), list, await paged(list, "artists", "artists", (a) =>
    el("li", {}, el("a", { href: "#artist/" + a.id }, a.name), ` — ${a.albumCount} album(s)`))];
}
async function viewArtist(id) {
  const a = await api("artists/" + id);
  return [el("h2", {}, a.name), el("div", { class: "grid" }, ...a.albums.map(albumCard))];
}
async function viewAlbum(id) {
  const a = await api("albums/" + id);
  return [el("div", { class: "album-head" }, a.cover ? el("img", { src: coverUrl(a.cover), alt: "" }) : el("div", { class: "cover", style: "width:180px" }),
    el("div", {}, el("h2", {}, a.name), el("p", {}, el("a", { href: "#artist/" + a.artistId }, a.artist), a.year ? ` · ${a.year}` : ""),
      el("button", { type: "button", onclick: () => playList(a.tracks, 0) }, "Play album"), " ", offlineButton(a))),
    trackTable(a.tracks)];
}
async function viewSearch(q) {
  const r = await api("search?q=" + encodeURIComponent(q) + "&limit=100");
  return [el("h2", {}, `Results for “${q}”`), el("div", { class: "grid" }, ...r.albums.map(albumCard)),
    el("h3", {}, "Tracks"), r.tracks.length ? trackTable(r.tracks) : el("p", {}, "No tracks match.")];
}
async function viewDevices() {
  const { devices } = await api("devices");
  return [el("h2", {}, "Devices"), el("table", {}, el("tbody", {}, ...devices.map((d) => el("tr", {},
    el("td", {}, d.name + (d.self ? " (this device)" : "")), el("td", {}, d.role), el("td", {}, d.revoked ? "revoked" : d.online ? "online" : "offline"),
    el("td", {}, d.blobs === null ? "" : `${d.blobs} blob(s)`)))))];
}

let routeSeq = 0;
async function route() {
  const seq = ++routeSeq;
  const [name, arg] = decodeURIComponent(location.hash.slice(1)).split(/\/(.*)/s);
  let nodes;
  try {
    if (name === "album") nodes = await viewAlbum(arg);
    else if (name === "artist") nodes = await viewArtist(arg);
    else if (name === "artists") nodes = await viewArtists();
    else if (name === "devices") nodes = await viewDevices();
    else if (name === "control") nodes = await viewControl();
    else if (name === "offline" || offlineMode) nodes = await viewOffline();
    else if (name === "search" && arg) nodes = await viewSearch(arg);
    else nodes = await viewAlbums();
  } catch (err) { nodes = [el("p", { class: "error" }, err.message)]; }
  if (seq === routeSeq) $("#view").replaceChildren(...nodes);
}
window.addEventListener("hashchange", route);

let searchTimer;
$("#search").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  const q = e.target.value.trim();
  searchTimer = setTimeout(() => { location.hash = q ? "search/" + q : "albums"; }, 120);
});

async function pin(t, button) {
  try { const r = await api("pins/" + t.id, { method: "PUT" }); button.textContent = r.here ? "Held here" : "Pinned (fetching)"; }
  catch (err) { button.textContent = err.message; }
}

// Playback: two audio elements, so the next track is loaded before this one ends.
const player = () => state.players[state.active];
const spare = () => state.players[1 - state.active];

function renderQueue() {
  $("#queue").replaceChildren(...state.queue.map((t, i) => el("li", { class: i === state.index ? "current" : "",
    onclick: () => playAt(i) }, `${t.title} — ${t.artist}`)));
}

function playList(tracks, i) { state.queue = tracks.slice(); playAt(i); }

function playAt(i, start = 0) {
  if (i < 0 || i >= state.queue.length) return;
  const t = state.queue[i];
  state.index = i;
  const p = player();
  // The spare element may already hold this track, loaded ahead.
  if (spare().dataset.id === t.id && start === 0) {
    p.pause();
    state.active = 1 - state.active;
  } else {
    state.offset = needsTranscode(t) ? start : 0;
    p.src = streamUrl(t, start);
    p.dataset.id = t.id;
    if (!needsTranscode(t) && start) p.currentTime = start;
  }
  const now = player();
  now.play().catch((err) => { $("#now-title").textContent = "Cannot play: " + err.message; });
  $("#now-title").textContent = t.title;
  $("#now-artist").textContent = `${t.artist} — ${t.album}`;
  const cover = coverUrl(t.cover);
  if (cover) $("#now-cover").src = cover; else $("#now-cover").removeAttribute("src");
  $("#seek").max = t.duration;
  $("#duration").textContent = fmt(t.duration);
  document.title = `${t.title} · Hearth`;
  renderQueue();
  prefetchNext();
  showOnLockScreen(t);
}

// The lock screen, headset and media keys (Media Session API).
function showOnLockScreen(t) {
  if (!("mediaSession" in navigator)) return;
  const cover = coverUrl(t.cover);
  navigator.mediaSession.metadata = new MediaMetadata({
    title: t.title, artist: t.artist, album: t.album,
    artwork: cover ? [{ src: cover, sizes: "512x512" }] : [],
  });
}

function togglePlay() { const p = player(); if (!p.src) return; p.paused ? p.play() : p.pause(); }

// Seeks the playing track to `to` seconds (a transcode restarts from there).
function seekTo(to) {
  const t = state.queue[state.index];
  if (!t) return;
  to = Math.max(0, Math.min(t.duration || 0, to));
  if (needsTranscode(t)) playAt(state.index, to); else player().currentTime = to;
}

if ("mediaSession" in navigator) {
  const actions = {
    play: () => player().play(),
    pause: () => player().pause(),
    previoustrack: () => playAt(Math.max(0, state.index - 1)),
    nexttrack: () => playAt(state.index + 1),
    seekto: (d) => seekTo(d.seekTime),
    seekbackward: (d) => seekTo(state.offset + player().currentTime - (d.seekOffset || 10)),
    seekforward: (d) => seekTo(state.offset + player().currentTime + (d.seekOffset || 10)),
  };
  for (const [action, handler] of Object.entries(actions)) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch { /* not supported here */ }
  }
}

// Desktop keys: space plays or pauses, arrows seek 10 s, N and P skip, / searches.
document.addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea") || e.ctrlKey || e.metaKey || e.altKey || $("#app").hidden) return;
  const now = () => state.offset + player().currentTime;
  const keys = {
    " ": togglePlay,
    ArrowRight: () => seekTo(now() + 10),
    ArrowLeft: () => seekTo(now() - 10),
    n: () => playAt(state.index + 1),
    p: () => playAt(Math.max(0, state.index - 1)),
    "/": () => $("#search").focus(),
  };
  const act = keys[e.key];
  if (!act) return;
  e.preventDefault();
  act();
});

// Phones: the queue is a sheet above the player, opened from it.
$("#queue-toggle").addEventListener("click", () => {
  const open = $("#queue-panel").classList.toggle("open");
  $("#queue-toggle").setAttribute("aria-expanded", String(open));
});
new ResizeObserver(() => {
  document.documentElement.style.setProperty("--player-height", `${$("#player").offsetHeight}px`);
}).observe($("#player"));

function prefetchNext() {
  const next = state.queue[state.index + 1];
  const s = spare();
  if (!next) { s.removeAttribute("src"); delete s.dataset.id; return; }
  if (s.dataset.id === next.id) return;
  s.src = streamUrl(next);
  s.dataset.id = next.id;
  s.load();
}

// An <audio> error says nothing of why: ask the server (one byte of the same
// stream) and show its reason -- the household's stream limit, a track no
// device online holds -- in place of the title.
async function explainError(p) {
  const shown = $("#now-title");
  let reason = p.error.message || `code ${p.error.code}`;
  try {
    const res = await fetch(p.src, { credentials: "same-origin", headers: { Range: "bytes=0-0" } });
    if (!res.ok) {
      const text = await res.text();
      try { reason = JSON.parse(text).error || text; } catch { reason = text.trim() || res.statusText; }
    }
  } catch (err) { reason = err.message; }
  if (p === player()) shown.textContent = "Not playing: " + reason;
}

// The play button's icon (inline SVG: no font has to be looked up for it).
function showPlaying(playing) {
  $("#play path").setAttribute("d", playing ? "M3 2h4v12H3zM9 2h4v12H9z" : "M4 2l10 6-10 6z");
}

for (const p of state.players) {
  p.addEventListener("timeupdate", () => {
    if (p !== player()) return;
    const t = state.offset + p.currentTime;
    $("#time").textContent = fmt(t);
    if (!$("#seek").matches(":active")) $("#seek").value = t;
  });
  p.addEventListener("play", () => { if (p === player()) showPlaying(true); });
  p.addEventListener("pause", () => { if (p === player()) showPlaying(false); });
  p.addEventListener("ended", () => { if (p === player()) playAt(state.index + 1); });
  p.addEventListener("error", () => { if (p === player() && p.error) explainError(p); });
}

$("#play").addEventListener("click", togglePlay);
$("#next").addEventListener("click", () => playAt(state.index + 1));
$("#prev").addEventListener("click", () => playAt(Math.max(0, state.index - 1)));
$("#seek").addEventListener("change", (e) => seekTo(Number(e.target.value)));

// Start: logged in already (cookie) or not; with no network at all, on what
// this browser keeps offline.
// The service worker installs (fetching the page's files again) once the
// page has loaded, not while it paints.
if ("serviceWorker" in navigator)
  window.addEventListener("load", () => navigator.serviceWorker.register("/sw.js").catch(() => {}), { once: true });
fetch("/api/v1/me", { credentials: "same-origin" }).then(
  async (r) => (r.ok ? showApp(await r.json()) : showLogin()),
  () => {
    offlineMode = true;
    if (Object.keys(offline.index()).length) showApp(null);
    else { showLogin(); $("#login-error").textContent = "No network, and no album kept offline in this browser."; }
  });

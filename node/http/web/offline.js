// Albums kept in this browser for when there is no network. Their tracks,
// album and cover go into Cache Storage ("hearth-offline"), within a budget
// the listener sets; the service worker (sw.js) plays them from there, with
// or without the network. localStorage keeps the list of what is kept:
//   hearth.offline         {albumId: {id, name, artist, cover, bytes, urls, savedAt}}
//   hearth.offlineBudgetMB the budget in MB (1000 by default)
"use strict";

const offline = {
  cache: "hearth-offline",
  index() {
    try { return JSON.parse(localStorage.getItem("hearth.offline") || "{}"); } catch { return {}; }
  },
  save(index) { localStorage.setItem("hearth.offline", JSON.stringify(index)); },
  budgetMB() { return Number(localStorage.getItem("hearth.offlineBudgetMB")) || 1000; },
  setBudgetMB(mb) {
    if (!(mb > 0)) throw new Error("the budget is a number of MB above 0");
    localStorage.setItem("hearth.offlineBudgetMB", String(mb));
  },
  used() { return Object.values(this.index()).reduce((n, a) => n + a.bytes, 0); },
  has(albumId) { return albumId in this.index(); },

  // Keeps `album` (GET /api/v1/albums/ID) here: every track as the player
  // streams it, the album and its cover. Refuses when the budget has no room
  // for it; on any failure nothing of it stays. `progress(done, total)`.
  async keep(album, progress = () => {}) {
    const estimate = album.tracks.reduce((n, t) => n + (needsTranscode(t) ? t.duration * 20000 : t.size), 0);
    const budget = this.budgetMB() * 1e6, used = this.used();
    if (used + estimate > budget)
      throw new Error(`no room: it needs ${mb(estimate)} and ${mb(budget - used)} of the ${mb(budget)} offline budget is free`);
    const cache = await caches.open(this.cache);
    const urls = [`/api/v1/albums/${album.id}`, ...album.tracks.map((t) => streamUrl(t))];
    if (album.cover) urls.push(coverUrl(album.cover));
    let bytes = 0;
    try {
      for (const [i, url] of urls.entries()) {
        const res = await fetch(url, { credentials: "same-origin" });
        if (!res.ok) throw new Error(`${url}: ${res.status} ${(await res.text()).slice(0, 200)}`);
        const body = await res.blob();
        bytes += body.size;
        await cache.put(url, new Response(body, { headers: { "Content-Type": res.headers.get("Content-Type") || "" } }));
        progress(i + 1, urls.length);
      }
    } catch (err) {
      await Promise.all(urls.map((u) => cache.delete(u)));
      throw err;
    }
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    const index = this.index();
    index[album.id] = { id: album.id, name: album.name, artist: album.artist, cover: album.cover, bytes, urls,
      savedAt: Date.now() };
    this.save(index);
    return index[album.id];
  },

  async drop(albumId) {
    const index = this.index();
    const kept = index[albumId];
    if (!kept) return;
    const cache = await caches.open(this.cache);
    await Promise.all(kept.urls.map((u) => cache.delete(u)));
    delete index[albumId];
    this.save(index);
  },
};

const mb = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

// The button an album's page shows: keep it offline, or let it go.
function offlineButton(album) {
  const button = el("button", { type: "button", class: "offline-toggle" });
  const show = () => { button.textContent = offline.has(album.id) ? "Kept offline ✓ (remove)" : "Keep offline"; };
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (offline.has(album.id)) await offline.drop(album.id);
      else await offline.keep(album, (done, total) => { button.textContent = `Keeping… ${done}/${total}`; });
      show();
    } catch (err) {
      button.textContent = "Not kept: " + err.message;
    } finally { button.disabled = false; }
  });
  show();
  return button;
}

// #offline: what this browser keeps, and its budget.
async function viewOffline() {
  const kept = Object.values(offline.index()).sort((a, b) => a.name.localeCompare(b.name));
  const budget = el("input", { type: "number", min: "1", step: "any", value: offline.budgetMB(), id: "offline-budget",
    "aria-label": "Offline budget in MB" });
  const note = el("span", { class: "sub" });
  const setBudget = el("button", { type: "button", id: "offline-budget-set", onclick: () => {
    try { offline.setBudgetMB(Number(budget.value)); note.textContent = "saved"; } catch (err) { note.textContent = err.message; }
  } }, "Set");
  const rows = kept.map((a) => el("li", { class: "kept", "data-album": a.id },
    el("a", { href: "#album/" + a.id }, a.name), ` — ${a.artist} · ${mb(a.bytes)} `,
    el("button", { type: "button", onclick: async () => { await offline.drop(a.id); route(); } }, "Remove")));
  return [el("h2", {}, "Offline"),
    el("p", {}, `Albums kept in this browser play with no network. ${mb(offline.used())} of ${mb(offline.budgetMB() * 1e6)} used.`),
    el("p", {}, el("label", {}, "Budget (MB) ", budget), " ", setBudget, " ", note),
    kept.length ? el("ul", { id: "offline-albums" }, ...rows) : el("p", {}, "Nothing kept yet: open an album and press “Keep offline”.")];
}

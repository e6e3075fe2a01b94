// Hearth's service worker: the web player opens with no network, and albums
// kept offline (offline.js) play from Cache Storage.
// - The page's own files: from the network when it answers (and kept in
//   "hearth-shell"), else from that cache.
// - Streams of kept tracks: from "hearth-offline" first, network or not;
//   Range requests (how <audio> reads) are cut from the kept body.
// - Other API calls: the network; with none, what "hearth-offline" kept
//   (albums and covers of kept albums), else a network error.
"use strict";

const SHELL = "hearth-shell";
const OFFLINE = "hearth-offline";
const SHELL_FILES = ["/", "/app.js", "/control.js", "/offline.js", "/style.css", "/manifest.webmanifest", "/icon.svg"];

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/rest")) return;
  if (url.pathname.startsWith("/api/v1/")) {
    e.respondWith(/\/stream$/.test(url.pathname) ? stream(req, url) : api(req, url));
  } else {
    e.respondWith(shell(req, url));
  }
});

async function shell(req, url) {
  try {
    const res = await fetch(req);
    if (res.ok) (await caches.open(SHELL)).put(url.pathname, res.clone());
    return res;
  } catch (err) {
    const kept = await caches.match(url.pathname, { cacheName: SHELL });
    if (kept) return kept;
    throw err;
  }
}

async function api(req, url) {
  try {
    return await fetch(req);
  } catch (err) {
    const kept = await caches.match(url.pathname + url.search, { cacheName: OFFLINE });
    if (kept) return kept;
    throw err;
  }
}

async function stream(req, url) {
  const kept = await caches.match(url.pathname + url.search, { cacheName: OFFLINE });
  if (!kept) return fetch(req);
  const range = /^bytes=(\d*)-(\d*)$/.exec((req.headers.get("Range") || "").trim());
  if (!range) return kept;
  const body = await kept.blob();
  const size = body.size;
  let start = Number(range[1]), end = range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
  if (range[1] === "") { start = Math.max(0, size - Number(range[2])); end = size - 1; }
  if (start >= size || start > end)
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  return new Response(body.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Type": kept.headers.get("Content-Type") || "application/octet-stream",
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
    },
  });
}

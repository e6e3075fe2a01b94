// The browser side of tools/bench/first_paint: headless Chromium (Playwright,
// from tests/http/js) loads the web player served by `hearth serve` on
// loopback, RUNS times, each in a fresh browser context (no cache, no
// cookies unless given):
//   - the login screen (no cookie): first-contentful-paint;
//   - logged in (the session cookie set before the load): first-contentful-
//     paint, and the paint of the first album card's title (Element Timing);
//   - baseline: first-contentful-paint of a minimal static page served on
//     loopback by a trivial node http server (a child process, as `hearth
//     serve` is one): what the browser itself costs.
// Times are from the navigation's start, as the browser's paint timing
// counts them. One warm-up of each is printed and not counted. Then the
// bytes the server serves for the page's own scripts and style sheets
// (those index.html names and every .js and .css in node/http/web/),
// against the 100 KB budget.
//   node first_paint.mjs PLAYER_URL USER PASSWORD RUNS
import http from "node:http";
import { fork } from "node:child_process";
import { readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const kBaselinePage =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>' +
  "<body><h1>Hearth</h1></body></html>\n";

// GET on loopback with no Accept-Encoding: the bytes as served, uncompressed.
function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode, encoding: res.headers["content-encoding"], body: Buffer.concat(parts) }));
    }).on("error", reject);
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ms = (x) => x.toFixed(1).padStart(6);

// Resolves to first-contentful-paint of `page`, in ms from navigation start.
function firstContentfulPaint(page) {
  return page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    null, { timeout: 15000 }).then((h) => h.jsonValue());
}

// In the logged-in context, before the page's own scripts: mark the first
// album card's title for Element Timing as the card enters the document
// (a microtask before the frame that paints it), and keep its entry.
function watchFirstCard() {
  window.__firstCard = null;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.identifier === "first-card") window.__firstCard = e.renderTime || e.loadTime;
  }).observe({ type: "element", buffered: true });
  new MutationObserver((_, observer) => {
    const title = document.querySelector(".card .title");
    if (!title) return;
    observer.disconnect();
    title.setAttribute("elementtiming", "first-card");
  }).observe(document, { childList: true, subtree: true });
}

async function main() {
  const [url, user, password, runsText] = process.argv.slice(2);
  const runs = Number(runsText || 10);
  const { launchPlayerBrowser, openPlayerPage, logIn } = await import("../../tests/http/js/player_page.mjs");
  const failures = [];
  const expect = (ok, what) => { if (!ok) failures.push(what); };

  const baselineServer = fork(new URL(import.meta.url).pathname, ["--baseline-server"], { stdio: "inherit" });
  const baselineUrl = `http://127.0.0.1:${await new Promise((r) => baselineServer.once("message", r))}/`;
  const browser = await launchPlayerBrowser();
  try {
    // The session cookie, from logging in through the form once.
    const first = await openPlayerPage(browser, url, failures);
    await logIn(first, user, password);
    await first.waitForSelector(".card", { timeout: 30000 });
    const albums = await first.evaluate(async () => (await (await fetch("/api/v1/albums?offset=0&limit=1")).json()).total);
    const cookies = await first.context().cookies();
    await first.context().close();
    expect(cookies.some((c) => c.name === "hearth_key"), "logging in sets the session cookie");

    const baseline = async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      await page.goto(baselineUrl);
      const fcp = await firstContentfulPaint(page);
      await context.close();
      return fcp;
    };
    const login = async () => {
      const page = await openPlayerPage(browser, url, failures);
      const fcp = await firstContentfulPaint(page);
      expect(await page.isVisible("#login-form"), "without a cookie the login form is shown");
      await page.context().close();
      return fcp;
    };
    const loggedIn = async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      await context.addCookies(cookies);
      await context.addInitScript(watchFirstCard);
      const page = await context.newPage();
      page.on("pageerror", (e) => failures.push("page error: " + e.message));
      await page.goto(url);
      const fcp = await firstContentfulPaint(page);
      const card = await page.waitForFunction(() => window.__firstCard, null, { timeout: 15000 }).then((h) => h.jsonValue());
      const onScreen = await page.$eval(".card", (c) => { const r = c.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; });
      expect(onScreen, "the first album card is on screen");
      const cards = await page.$$eval(".card", (xs) => xs.length);
      await context.close();
      return { fcp, card, cards };
    };

    console.log(`web player ${url} (${albums} albums), baseline ${baselineUrl}; headless Chromium, 1200x800, ` +
                `a fresh context per load; ms from navigation start; run 0* is a warm-up, not counted`);
    console.log("   run  baseline FCP   login FCP   logged-in FCP   first album card   (cards in the grid)");
    const rows = [];
    for (let i = 0; i <= runs; i++) {
      const row = { base: await baseline(), login: await login(), ...(await loggedIn()) };
      const label = i === 0 ? "  0*" : String(i).padStart(4);
      console.log(`  ${label}   ${ms(row.base)}       ${ms(row.login)}      ${ms(row.fcp)}          ${ms(row.card)}         (${row.cards})`);
      if (i > 0) rows.push(row);
    }
    const med = (k) => median(rows.map((r) => r[k]));
    console.log(`  median ${ms(med("base"))}       ${ms(med("login"))}      ${ms(med("fcp"))}          ${ms(med("card"))}`);
    console.log(`  login screen FCP      median ${med("login").toFixed(1)} ms = ${(med("login") / med("base")).toFixed(2)}x baseline ` +
                `(target <= 300 ms)`);
    console.log(`  logged-in FCP         median ${med("fcp").toFixed(1)} ms = ${(med("fcp") / med("base")).toFixed(2)}x baseline ` +
                `(target <= 300 ms)`);
    console.log(`  first album card      median ${med("card").toFixed(1)} ms = ${(med("card") / med("base")).toFixed(2)}x baseline`);
  } finally {
    await browser.close();
    baselineServer.kill();
  }

  // The page's own scripts and style sheets, as served: those index.html
  // names and every .js and .css in node/http/web/ (a service worker too).
  const index = await get(url);
  const html = index.body.toString();
  const webDir = new URL("../../node/http/web/", import.meta.url);
  const own = new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g), ...html.matchAll(/<link[^>]*\shref="([^"]+\.css)"/g)]
    .map((m) => new URL(m[1], url).href));
  for (const f of readdirSync(webDir)) if (/\.(js|css)$/.test(f)) own.add(new URL("/" + f, url).href);
  let total = 0, gzipped = 0;
  console.log(`page's own JS and CSS, as served (index.html itself: ${index.body.length} bytes)`);
  for (const u of own) {
    const r = await get(u);
    expect(r.status === 200, `${u} is served (${r.status}; is the release build older than node/http/web/?)`);
    if (r.status !== 200) continue;
    total += r.body.length;
    gzipped += gzipSync(r.body).length;
    console.log(`  ${new URL(u).pathname.padEnd(12)} ${String(r.body.length).padStart(7)} bytes${r.encoding ? " (" + r.encoding + ")" : ""}`);
  }
  console.log(`  total        ${String(total).padStart(7)} bytes uncompressed (${gzipped} gzipped) = ` +
              `${(total / 1000).toFixed(1)} KB of the 100 KB budget (${(100 * total / 100000).toFixed(0)}%)`);

  for (const f of failures) console.log("FAILED: " + f);
  process.exit(failures.length ? 1 : 0);
}

if (process.argv[2] === "--baseline-server") {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" });
    res.end(kBaselinePage);
  });
  server.listen(0, "127.0.0.1", () => process.send(server.address().port));
} else {
  await main();
}

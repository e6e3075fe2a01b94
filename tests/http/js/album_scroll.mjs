// The web player with a big library, in headless Chromium (Playwright): log
// in, scroll the album grid to its end and the artist list to its end, a
// page of the API at a time, then open the last album and search for one
// deep in the list. Usage:
//   node album_scroll.mjs URL USER PASSWORD ALBUMS ARTISTS
// ALBUMS and ARTISTS are how many the library holds. Prints the time each
// list took, one line per failed check, and exits 1 if any failed.
import { chromium } from "playwright-core";

const [url, user, password, albumsText, artistsText] = process.argv.slice(2);
const albums = Number(albumsText), artists = Number(artistsText);
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
});

// Scrolls `main` to its end until `selector` matches `want` elements or the
// list stops growing for 20 s. Returns how many there were.
async function scrollToEnd(page, selector, want) {
  let seen = 0, since = Date.now();
  while (Date.now() - since < 20000) {
    const n = await page.$$eval(selector, (xs) => xs.length);
    if (n !== seen) { seen = n; since = Date.now(); }
    if (n >= want) break;
    await page.evaluate(() => { const m = document.querySelector("main"); m.scrollTop = m.scrollHeight; });
    await page.waitForFunction(([sel, before]) => document.querySelectorAll(sel).length > before,
      [selector, n], { timeout: 20000 }).catch(() => {});
  }
  return page.$$eval(selector, (xs) => xs.length);
}

try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on("pageerror", (e) => failures.push("page error: " + e.message));
  const apiPages = [];
  page.on("request", (r) => { if (/\/api\/v1\/(albums|artists)\?/.test(r.url())) apiPages.push(r.url()); });
  await page.goto(url);
  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", password);
  await page.click("#login-form button");
  await page.waitForSelector(".card", { timeout: 15000 });
  const first = await page.$$eval(".card", (xs) => xs.length);
  expect(first > 0 && first < albums, `the first screen shows one page of albums, not all (${first})`);

  // The whole album grid, a page at a time, in the API's order, each once.
  let t0 = Date.now();
  const shown = await scrollToEnd(page, ".card", albums);
  console.log(`albums: ${shown} shown in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(shown === albums, `every album is shown after scrolling (${shown} of ${albums})`);
  const ids = await page.$$eval(".card", (xs) => xs.map((x) => x.dataset.album));
  expect(new Set(ids).size === ids.length, "no album is shown twice");
  const names = await page.$$eval(".card .title", (xs) => xs.map((x) => x.textContent));
  const last = await page.evaluate(async (n) => (await (await fetch(`/api/v1/albums?offset=${n - 1}&limit=1`)).json()).albums[0], albums);
  expect(last && ids[ids.length - 1] === last.id, "the last card is the API's last album");
  const firstApi = await page.evaluate(async () => (await (await fetch("/api/v1/albums?offset=0&limit=1")).json()).albums[0]);
  expect(firstApi && ids[0] === firstApi.id, "the first card is the API's first album");
  const albumPages = apiPages.filter((u) => u.includes("/albums?")).length;
  expect(albumPages >= Math.ceil(albums / 500), `the grid was fetched in pages (${albumPages} requests)`);

  // The last album opens, with its track.
  await page.locator(".card").last().click();
  await page.waitForSelector("tr.track", { timeout: 15000 });
  expect((await page.textContent("h2")) === names[names.length - 1], "the last album opens");

  // The artist list, to its end.
  await page.evaluate(() => { location.hash = "artists"; });
  await page.waitForSelector("main li", { timeout: 15000 });
  t0 = Date.now();
  const listed = await scrollToEnd(page, "main li", artists);
  console.log(`artists: ${listed} shown in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(listed === artists, `every artist is listed after scrolling (${listed} of ${artists})`);

  // Search finds an album from deep in the list.
  const deep = names[Math.floor(names.length * 0.9)];
  await page.fill("#search", deep);
  await page.waitForFunction((name) => [...document.querySelectorAll(".card .title")].some((x) => x.textContent === name),
    deep, { timeout: 15000 }).catch(() => failures.push(`search finds the album "${deep}"`));
} finally {
  await browser.close();
}
for (const f of failures) console.log("FAILED: " + f);
if (!failures.length) console.log("ok: the web player shows " + albums + " albums and " + artists + " artists");
process.exit(failures.length ? 1 : 0);

// An album kept offline in the browser plays with no network at all: the
// listener keeps it from its page, then the node is stopped and the browser
// cut off (context.setOffline); the page reloads from the service worker and
// plays the album from Cache Storage. The budget refuses what does not fit.
// Usage:
//   node offline.mjs URL USER PASSWORD NODE_PID
// Prints one line per failed check and exits 1 if any failed.
import { checks, launchPlayerBrowser, logIn } from "./player_page.mjs";

const [url, user, password, pid] = process.argv.slice(2);
const { failures, expect, report } = checks();

async function refused(target) {
  try { await fetch(target); return false; } catch { return true; }
}

const browser = await launchPlayerBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  await page.goto(url);
  await logIn(page, user, password);
  await page.waitForSelector(".card", { timeout: 15000 });
  // The service worker controls the page once it is active.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });

  // A budget of half the album, set on the Offline page: refused, nothing kept.
  await page.locator(".card").first().click();
  await page.waitForSelector(".offline-toggle", { timeout: 15000 });
  const albumId = await page.evaluate(() => location.hash.slice("#album/".length));
  const albumBytes = await page.evaluate(async (id) =>
    (await (await fetch(`/api/v1/albums/${id}`)).json()).tracks.reduce((n, t) => n + t.size, 0), albumId);
  await page.click("nav a[href='#offline']");
  await page.fill("#offline-budget", String(albumBytes / 2 / 1e6));
  await page.click("#offline-budget-set");
  expect(await page.evaluate(() => offline.budgetMB()) === albumBytes / 2 / 1e6, "the budget set on the page holds");
  await page.goto(url + "#album/" + albumId);
  await page.waitForSelector(".offline-toggle", { timeout: 15000 });
  await page.click(".offline-toggle");
  await page.waitForFunction(() => document.querySelector(".offline-toggle").textContent.startsWith("Not kept: no room"),
    null, { timeout: 10000 }).catch(() => failures.push("a budget of half an album took it"));
  const kept0 = await page.evaluate(async () => (await (await caches.open("hearth-offline")).keys()).length);
  expect(kept0 === 0, `a refused album left ${kept0} entries in Cache Storage`);

  // Room for it: kept.
  await page.evaluate(() => offline.setBudgetMB(500));
  await page.reload();
  await page.waitForSelector(".offline-toggle", { timeout: 15000 });
  await page.click(".offline-toggle");
  await page.waitForFunction(() => document.querySelector(".offline-toggle").textContent.startsWith("Kept offline"), null,
    { timeout: 30000 }).catch(async () => failures.push(`keeping: "${await page.textContent(".offline-toggle")}"`));
  const album = await page.textContent("h2");

  // No node, no network.
  process.kill(Number(pid), "SIGTERM");
  const deadline = Date.now() + 15000;
  while (!(await refused(url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await refused(url), "the node still answers after SIGTERM");
  await context.setOffline(true);

  await page.reload();
  await page.waitForSelector("#offline-banner:not([hidden])", { timeout: 15000 })
    .catch(() => failures.push("the page did not open offline"));
  // The album's page opens from the cache as it was; the Offline page lists it.
  await page.waitForSelector("tr.track", { timeout: 10000 });
  await page.click("nav a[href='#offline']");
  await page.waitForSelector("#offline-albums li a", { timeout: 10000 });
  expect((await page.textContent("#offline-albums")).includes(album), `the offline list lacks "${album}"`);
  await page.click("#offline-albums li a");
  await page.waitForSelector("tr.track", { timeout: 10000 });
  await page.click("text=Play album");
  await page.waitForFunction(() => {
    const a = [...document.querySelectorAll("audio")].find((x) => x.src && !x.paused);
    return a && a.currentTime > 0.5;
  }, null, { timeout: 20000 }).catch(async () => failures.push(`offline playback never started: "${await page.textContent("#now-title")}"`));
  // Seek within the kept track (Range requests from the cache).
  // (Read from where the seek lands: the kept body, cut to the Range asked.)
  const to = await page.evaluate(() => new Promise((resolve) => {
    const a = [...document.querySelectorAll("audio")].find((x) => !x.paused);
    const target = a.duration * 0.6;
    a.dataset.seekTest = "1";
    a.addEventListener("seeked", () => resolve(target), { once: true });
    a.currentTime = target;
  }));
  await page.waitForFunction((t) => {
    const a = document.querySelector("audio[data-seek-test]");
    return a && !a.error && a.currentTime > t + 0.3;
  }, to, { timeout: 10000 }).catch(() => failures.push(`seeking to ${to} s in a kept track failed offline`));
  // What is not kept does not pretend to be there.
  const other = await page.evaluate(async () => { try { await fetch("/api/v1/albums?offset=0"); return "answered"; } catch { return "failed"; } });
  expect(other === "failed", `an album list request ${other} offline`);
} catch (err) {
  failures.push(err.message.slice(0, 400));
} finally {
  await browser.close();
}
report("ok: a kept album plays offline");

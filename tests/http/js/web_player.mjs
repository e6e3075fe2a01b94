// The web player in headless Chromium (Playwright): log in, search, play a
// track (held by another node), seek, and screenshot. Usage:
//   node web_player.mjs URL USER PASSWORD SEARCH_WORDS HOLDER_NAME SCREENSHOT.png
// Prints one line per failed check and exits 1 if any failed.
import { checks, launchPlayerBrowser, logIn, openPlayerPage } from "./player_page.mjs";

const [url, user, password, words, holder, shot] = process.argv.slice(2);
const { failures, expect, report } = checks();

const browser = await launchPlayerBrowser();
try {
  const page = await openPlayerPage(browser, url, failures);
  await logIn(page, user, password + "-wrong");
  await page.waitForFunction(() => document.querySelector("#login-error").textContent.length > 0);
  expect((await page.textContent("#login-error")).includes("wrong"), "a wrong password is refused in the page");
  await logIn(page, user, password);
  await page.waitForSelector(".card", { timeout: 15000 });
  expect((await page.$$(".card")).length > 0, "albums are shown after login");

  // Search as you type.
  await page.fill("#search", words);
  await page.waitForSelector("tr.track", { timeout: 15000 });
  const row = page.locator("tr.track").first();
  expect((await row.locator(".holders").textContent()).includes(holder), `the track shows ${holder} holds it`);

  // Play it, and wait until audio advances.
  await row.locator(".play-track").click();
  await page.waitForFunction(() => {
    const a = [...document.querySelectorAll("audio")].find((x) => x.src && !x.paused);
    return a && a.currentTime > 0.5;
  }, null, { timeout: 20000 });
  expect((await page.textContent("#now-title")).length > 0, "now playing shows the title");

  // The next track in the queue is already loading in the other element.
  const ids = await page.$$eval("tr.track", (rows) => rows.map((r) => r.dataset.id));
  if (ids.length > 1) {
    await page.waitForFunction((next) => {
      const spare = [...document.querySelectorAll("audio")].find((x) => x.paused && x.src);
      return spare && spare.dataset.id === next && spare.readyState >= 1;
    }, ids[1], { timeout: 15000 });
  } else {
    failures.push("the search gave one track; the prefetch check needs two");
  }

  // Seek.
  await page.evaluate(() => {
    const s = document.querySelector("#seek");
    s.value = "5";
    s.dispatchEvent(new Event("change"));
  });
  await page.waitForFunction(() => {
    const a = [...document.querySelectorAll("audio")].find((x) => x.src && !x.paused);
    return a && a.currentTime >= 5;
  }, null, { timeout: 15000 });

  // Screenshot, and check in the page that it is not blank.
  const png = await page.screenshot({ path: shot });
  const colours = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  }, png.toString("base64"));
  expect(colours > 20, `the screenshot is not blank (${colours} colours)`);
} finally {
  await browser.close();
}
report("ok");

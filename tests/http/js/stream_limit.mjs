// The web player when the household's stream limit says no: log in, search,
// press play on a track that already plays elsewhere as often as the limit
// allows, and check that the page says why instead of playing. Usage:
//   node stream_limit.mjs URL USER PASSWORD SEARCH_WORDS
// Prints one line per failed check and exits 1 if any failed.
import { checks, launchPlayerBrowser, logIn, openPlayerPage } from "./player_page.mjs";

const [url, user, password, words] = process.argv.slice(2);
const { failures, expect, report } = checks();

const browser = await launchPlayerBrowser();
try {
  const page = await openPlayerPage(browser, url, failures);
  await logIn(page, user, password);
  await page.waitForSelector(".card", { timeout: 15000 });
  await page.fill("#search", words);
  await page.waitForSelector("tr.track", { timeout: 15000 });
  await page.locator("tr.track").first().locator(".play-track").click();
  await page.waitForFunction(() => document.querySelector("#now-title").textContent.startsWith("Not playing"),
                             null, { timeout: 20000 });
  const shown = await page.textContent("#now-title");
  expect(shown.includes("stream limit reached") && shown.includes("stream_limit is 1"),
         `the page names the limit (it says "${shown}")`);
  const playing = await page.evaluate(() => [...document.querySelectorAll("audio")].some((a) => a.src && !a.paused && a.currentTime > 0));
  expect(!playing, "nothing plays");
} catch (e) {
  failures.push("error: " + e.message);
} finally {
  await browser.close();
}
report("ok: the web player says the stream limit was reached");

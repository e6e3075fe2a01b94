// The web player at a phone's size (390×844) and a desktop's (1280×800):
// nothing runs off the side, every control is on screen and is what a tap at
// its centre hits, and browsing, playing, the queue, the media keys' session
// and the desktop's keyboard shortcuts work. Usage:
//   node layout.mjs URL USER PASSWORD SCREENSHOT_PREFIX
// writes SCREENSHOT_PREFIX-390x844.png and -1280x800.png. Prints one line per
// failed check and exits 1 if any failed.
import { checks, launchPlayerBrowser, logIn } from "./player_page.mjs";

const [url, user, password, shots] = process.argv.slice(2);
const { failures, expect, report } = checks();

// Whether the page is wider than the window.
const overflows = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

// Each control: inside the window, big enough to tap on a phone, and the
// element a tap at its centre reaches.
async function reachable(page, selectors, phone, where) {
  for (const sel of selectors) {
    const found = await page.evaluate(([s, minSize]) => {
      const e = document.querySelector(s);
      if (!e) return "missing";
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return "not shown";
      if (r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5)
        return `off screen (${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)})`;
      if (r.height < minSize) return `${Math.round(r.height)} px high`;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || (hit !== e && !e.contains(hit))) return `covered by ${hit ? hit.tagName + "#" + hit.id : "nothing"}`;
      return "ok";
    }, [sel, phone && !sel.startsWith("#seek") && !sel.startsWith("#search") ? 40 : 0]);
    expect(found === "ok", `${where}: ${sel} is ${found}`);
  }
}

const browser = await launchPlayerBrowser();
try {
  for (const [width, height] of [[390, 844], [1280, 800]]) {
    const phone = width < 700;
    const size = `${width}×${height}`;
    const context = await browser.newContext({ viewport: { width, height }, hasTouch: phone, isMobile: phone });
    const page = await context.newPage();
    page.on("pageerror", (e) => failures.push(`${size}: page error: ${e.message}`));
    await page.goto(url);
    await logIn(page, user, password);
    await page.waitForSelector(".card", { timeout: 15000 });
    const controls = ["#search", "nav a[href='#artists']", "nav a[href='#albums']", "nav a[href='#devices']", "nav a[href='#offline']",
                      "#logout", "#prev", "#play", "#next", "#seek"];
    if (phone) controls.push("#queue-toggle");
    expect(!(await overflows(page)), `${size}: the album grid is wider than the window`);
    await reachable(page, controls, phone, `${size} albums`);

    // An album, and a track of it playing.
    await page.locator(".card").first().click();
    await page.waitForSelector("tr.track", { timeout: 15000 });
    expect(!(await overflows(page)), `${size}: the album's tracks are wider than the window`);
    await page.locator(".play-track").first().click();
    await page.waitForFunction(() => {
      const a = [...document.querySelectorAll("audio")].find((x) => x.src && !x.paused);
      return a && a.currentTime > 0.2;
    }, null, { timeout: 20000 });
    expect(!(await overflows(page)), `${size}: the page is wider than the window while playing`);
    await reachable(page, controls, phone, `${size} playing`);
    const title = await page.textContent("#now-title");
    const session = await page.evaluate(() => navigator.mediaSession && navigator.mediaSession.metadata
      ? navigator.mediaSession.metadata.title : null);
    expect(session === title, `${size}: the lock screen shows "${session}", the page "${title}"`);

    if (phone) {
      // The queue opens as a sheet above the player; both stay usable.
      await page.tap("#queue-toggle");
      await page.waitForSelector("#queue-panel.open li", { timeout: 5000 });
      await reachable(page, ["#queue li:nth-child(2)", "#play", "#next", "#queue-toggle"], phone, `${size} queue open`);
      await page.tap("#queue li:nth-child(2)");
      await page.waitForFunction(() => document.querySelector("#queue li.current") ===
        document.querySelector("#queue li:nth-child(2)"), null, { timeout: 5000 });
      await page.tap("#queue-toggle");
      expect(!(await page.isVisible("#queue-panel")), `${size}: the queue sheet closes`);
    } else {
      // Keyboard: space pauses and plays, N goes to the next track.
      await page.locator("body").click({ position: { x: 5, y: 300 } });
      await page.keyboard.press("Space");
      await page.waitForFunction(() => [...document.querySelectorAll("audio")].every((x) => x.paused), null,
                                 { timeout: 5000 }).catch(() => failures.push(`${size}: space did not pause`));
      await page.keyboard.press("Space");
      await page.waitForFunction(() => [...document.querySelectorAll("audio")].some((x) => x.src && !x.paused), null,
                                 { timeout: 5000 }).catch(() => failures.push(`${size}: space did not play again`));
      const before = await page.textContent("#now-title");
      await page.keyboard.press("n");
      await page.waitForFunction((b) => document.querySelector("#now-title").textContent !== b, before,
                                 { timeout: 5000 }).catch(() => failures.push(`${size}: N did not skip`));
    }
    await page.screenshot({ path: `${shots}-${width}x${height}.png` });
    await context.close();
  }
} catch (e) {
  failures.push("error: " + e.message);
} finally {
  await browser.close();
}
report("ok: the player fits a phone and a desktop");

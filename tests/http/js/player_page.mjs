// What the web player scripts share: headless Chromium that may play audio
// without a gesture (muted), and a list of failed checks printed at the end.
import { chromium } from "playwright-core";

export function launchPlayerBrowser() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
  });
}

// Checks that failed, by what they expected; report() prints them and exits.
export function checks() {
  const failures = [];
  return {
    failures,
    expect: (ok, what) => { if (!ok) failures.push(what); },
    report: (success) => {
      for (const f of failures) console.log("FAIL " + f);
      if (failures.length === 0) console.log(success);
      process.exit(failures.length === 0 ? 0 : 1);
    },
  };
}

// A page of the player at `url`; page errors count as failed checks.
export async function openPlayerPage(browser, url, failures) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on("pageerror", (e) => failures.push("page error: " + e.message));
  await page.goto(url);
  return page;
}

// Fills in the login form and sends it.
export async function logIn(page, user, password) {
  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", password);
  await page.click("#login-form button");
}

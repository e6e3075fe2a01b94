// The control room as an admin listener uses it, at a desktop's size and a
// phone's: the household's health and devices, an invite whose QR code
// (read back by zbarimg) is the code the page prints, the policy set from the
// page, and a device revoked from it. Usage:
//   node control_room.mjs URL USER PASSWORD DEVICE_TO_REVOKE SCREENSHOT_PREFIX
// Prints "code: CODE" (the invite, as the QR code reads) and one line per
// failed check; exits 1 if any failed.
import { execFileSync } from "node:child_process";
import { checks, launchPlayerBrowser, logIn } from "./player_page.mjs";

const [url, user, password, victim, shots] = process.argv.slice(2);
const { failures, expect, report } = checks();
const overflows = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

const browser = await launchPlayerBrowser();
try {
  // A phone first: the control room fits it too.
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    page.on("pageerror", (e) => failures.push(`390×844: page error: ${e.message}`));
    await page.goto(url);
    await logIn(page, user, password);
    await page.waitForSelector("#nav-control:not([hidden])", { timeout: 15000 });
    await page.tap("#nav-control");
    await page.waitForSelector(`tr.device[data-name='${victim}'] td.online`, { timeout: 20000 });
    expect(!(await overflows(page)), "390×844: the control room is wider than the window");
    await page.screenshot({ path: `${shots}-390x844.png` });
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  await page.goto(url);
  await logIn(page, user, password);
  await page.waitForSelector("#nav-control:not([hidden])", { timeout: 15000 });
  await page.click("#nav-control");
  await page.waitForSelector("#health-line", { timeout: 15000 });
  const line = await page.textContent("#health-line");
  expect(/^\d+ track\(s\), copies=\d+: /.test(line), `the health line says "${line}"`);
  await page.waitForSelector(`tr.device[data-name='${victim}'] td.online`, { timeout: 20000 });
  const rows = await page.locator("tr.device").count();
  expect(rows >= 2, `${rows} device rows`);

  // Pair: the QR code the page shows holds the code it prints.
  await page.selectOption("#invite-role", "phone");
  await page.click("#invite-make");
  await page.waitForSelector("#invite-qr", { timeout: 10000 });
  const printed = (await page.textContent("#invite-code")).trim().replace(/^hearth join /, "");
  const qrFile = `${shots}-invite.png`;
  await page.locator("#invite-qr").screenshot({ path: qrFile });
  const read = execFileSync("zbarimg", ["--raw", "-q", qrFile]).toString().trim();
  expect(read.toLowerCase() === printed.toLowerCase(), `the QR code reads "${read}", the page prints "${printed}"`);
  console.log("code: " + read);

  // The policy, from the page.
  await page.fill("#policy-copies", "2");
  await page.click("#policy-save");
  await page.waitForFunction(() => document.querySelector("#policy-note")?.textContent === "saved", null, { timeout: 10000 })
    .catch(async () => failures.push(`saving the policy: "${await page.textContent("#policy-note")}"`));
  // An import of this device's folder, its progress shown until it is done.
  await page.click("#import-start");
  await page.waitForFunction(() => [...document.querySelectorAll("#imports li")].some((li) => / done — (\d+)\/\1 files/.test(li.textContent)),
    null, { timeout: 30000 }).catch(async () => failures.push(`the import never showed done: "${await page.textContent("#imports")}"`));
  await page.evaluate(() => document.querySelector("main").scrollTo(0, 0));
  await page.screenshot({ path: `${shots}-1280x800.png` });

  // Revoke, confirming the dialog.
  page.once("dialog", (d) => d.accept());
  await page.click(`tr.device[data-name='${victim}'] button.revoke`);
  await page.waitForFunction((name) => {
    const b = document.querySelector(`tr.device[data-name='${name}'] button.revoke`);
    return !b || b.textContent.startsWith("revoked");
  }, victim, { timeout: 10000 }).catch(async () => failures.push("the revoke button never said it was done"));
  // The revoked device leaves the list of the household's devices.
  await page.waitForFunction((name) => !document.querySelector(`tr.device[data-name='${name}']`), victim, { timeout: 10000 })
    .catch(() => failures.push(`${victim} is still listed after its revocation`));
} catch (err) {
  failures.push(err.message.slice(0, 400));
} finally {
  await browser.close();
}
report("ok: the control room pairs, sets the policy and revokes");

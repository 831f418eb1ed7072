// The API reference at /docs, in a real browser: Debian's Chromium, headless,
// driven by playwright-core (pinned in tests/js/package-lock.json), against
// the real origin binary.
//   - the page renders one entry per operation of /openapi.json, no more, no
//     fewer;
//   - "Try it out" on POST /users, executed from the page, creates a user
//     (201), and that user can then log in;
//   - nothing fails on the page (no script error, no Content-Security-Policy
//     violation) and nothing is requested from any other origin (no CDN).
// Screenshots are kept at build/docs.png (the operations) and
// build/docs-try-it.png (the answer to the call made from the page).
// Run: node --test tests/browser/ (after npm ci --prefix tests/js and
// make docs-ui; Chromium from Debian's chromium package, or CHROMIUM_PATH).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { repoRoot } from "../node/corpus.mjs";
import { modulePath } from "../node/module.mjs";
import { buildOrigin, originEnv, startOrigin } from "../workerd/origin-process.mjs";

const { chromium } = createRequire(join(repoRoot, "tests", "js", "package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = { operations: join(repoRoot, "build", "docs.png"), tryIt: join(repoRoot, "build", "docs-try-it.png") };
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

let origin;
let browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium (make chromium) or set CHROMIUM_PATH`);
  origin = await startOrigin(buildOrigin(), originEnv(modulePath()));
  // Root (as in CI) needs --no-sandbox; the page is this origin's own.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  await origin?.stop();
});

test("the API reference renders every operation and can call POST /users", async () => {
  const doc = await (await fetch(`${origin.url}/openapi.json`)).json();
  const documented = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) documented.push(`${m.toUpperCase()} ${path}`);
  }

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console error: ${msg.text()}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} for ${r.request().method()} ${r.url()}`));
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (u.protocol !== "data:" && u.origin !== origin.url) problems.push(`request to another origin: ${req.url()}`);
  });

  const res = await page.goto(`${origin.url}/docs`, { waitUntil: "networkidle" });
  assert.equal(res.status(), 200);
  await page.locator(".opblock").first().waitFor();
  const rendered = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => `${b.querySelector(".opblock-summary-method").textContent.trim()} ${b.querySelector(".opblock-summary-path").getAttribute("data-path")}`),
  );
  assert.deepEqual([...rendered].sort(), [...documented].sort(), "the page must show exactly the document's operations");
  mkdirSync(join(repoRoot, "build"), { recursive: true });
  await page.screenshot({ path: SCREENSHOTS.operations, fullPage: true });

  // Try it out: POST /users from the page.
  const op = page.locator("#operations-users-createUser");
  await op.locator(".opblock-summary").click();
  await op.locator(".try-out__btn").click();
  const email = `docs-${Date.now()}@example.com`;
  await op.locator("textarea.body-param__text").fill(JSON.stringify({ email, password: "correct horse battery", name: "Docs" }));
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), "201");
  const body = await op.locator(".live-responses-table .response-col_description pre").first().textContent();
  assert.match(body, new RegExp(`"email": "${email}"`));

  // The user the page created exists: it can log in.
  const login = await fetch(`${origin.url}/authenticate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "correct horse battery" }),
  });
  assert.equal(login.status, 200);

  // The live answer at the top of the view: its heading, 201, body and headers.
  await status.evaluate((el) => el.scrollIntoView({ block: "start" }));
  await page.evaluate(() => window.scrollBy(0, -90));
  await page.screenshot({ path: SCREENSHOTS.tryIt });
  assert.deepEqual(problems, []);
  console.log(`docs: ${rendered.length} operations rendered, POST /users from the page -> 201; screenshots ${Object.values(SCREENSHOTS).join(", ")}`);
});

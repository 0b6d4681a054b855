// Visits pages of a served app in Debian's headless Chromium and says what a user would notice:
// the rendered text of each page, console errors, page errors, failed requests, and every
// response with its Content-Encoding and the bytes that went over the wire. The Rust tests
// compare two runs (before and after `distill optimize`) and make the assertions.
//
//   node visit.mjs PLAN.json
//
// PLAN: { base: "http://127.0.0.1:PORT", routes: ["/", "/about", …], settle?: ms }
// Output (stdout, JSON): { chromium, pages: [{ route, url, text, consoleErrors, pageErrors,
// failed, responses: [{ url, status, encoding, bodyBytes, type, initiator }] }] }
// `initiator` is what made Chromium send the request (DevTools' Initiator column, from CDP's
// Network.requestWillBeSent): `{ type: "parser" | "script" | "preload" | "other", url }`, where
// `url` is the document or script that asked (for a script, the top frame of its stack).
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const executablePath = process.env.DISTILL_CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'distill-visit-'));

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});

const out = { chromium: context.browser() ? context.browser().version() : null, pages: [] };
try {
  for (const route of plan.routes) {
    // A fresh page per route: every route is loaded as a visitor arriving there would.
    const page = await context.newPage();
    const result = { route, url: plan.base + route, text: '', consoleErrors: [], pageErrors: [], failed: [], responses: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'assert') result.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => result.pageErrors.push(String(e && e.message ? e.message : e)));
    page.on('requestfailed', (r) => result.failed.push(`${r.url()} ${r.failure() ? r.failure().errorText : ''}`));
    const initiators = new Map();
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (e) => {
      if (initiators.has(e.request.url)) return; // the first request for a URL is the one that fetched it
      const i = e.initiator || {};
      const frames = (i.stack && i.stack.callFrames) || [];
      const top = frames.find((f) => f.url) || {};
      initiators.set(e.request.url, { type: i.type || null, url: i.url || top.url || null });
    });
    await cdp.send('Network.enable');
    const pending = [];
    page.on('response', (r) => {
      pending.push(
        (async () => {
          const sizes = await r.request().sizes().catch(() => null);
          result.responses.push({
            url: r.url(),
            status: r.status(),
            encoding: (await r.allHeaders())['content-encoding'] || null,
            bodyBytes: sizes ? sizes.responseBodySize : null,
            type: r.request().resourceType(),
            initiator: initiators.get(r.url()) || null,
          });
        })(),
      );
    });
    await page.goto(result.url, { waitUntil: 'networkidle', timeout: 60000 });
    await page.waitForTimeout(plan.settle ?? 300);
    result.text = await page.evaluate(() => document.body.innerText);
    await Promise.all(pending);
    result.responses.sort((a, b) => a.url.localeCompare(b.url));
    out.pages.push(result);
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out));

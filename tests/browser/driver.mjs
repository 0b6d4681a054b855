// Drives one HTML report in Debian's headless Chromium for tests/it/html.rs.
//
//   node driver.mjs PLAN.json
//
// PLAN: { html, viewport?: {width, height}, steps: [{ op, ... }] }. Each step's result is
// collected in order; the Rust test makes the assertions. Whatever the steps, the output also
// holds every console error, page error, dialog (alert/confirm/prompt), CSP violation and
// request that left the page, and what the DOM holds that the page never creates itself
// (img/iframe/object elements, inline event-handler attributes, extra scripts).
//
// Ops: eval {expr} · click {selector} · select {selector, value, ifEnabled?} · fill {selector, value} ·
// text {selector} · mouse {x, y, button?} (a click on the page at x, y) · hover {x, y} ·
// press {key} · screenshot {path} · hoverTiles {limit} (moves over the centre of up to
// `limit` tiles, to open every tooltip) · zoomLargest (clicks the largest tile that can be
// zoomed into, and returns how long until the next painted frame) · hoverLargest {type,
// inPackage?} (the tooltip of the largest tile of that type: file, package, module) · wall {expr} (evaluates expr and returns how long
// it took, in ms, measured from Node up to the next painted frame).
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const executablePath = process.env.DISTILL_CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'distill-chromium-'));

const out = {
  chromium: null,
  consoleErrors: [],
  pageErrors: [],
  dialogs: [],
  requests: [],
  cspViolations: [],
  injected: null,
  loadMs: null,
  results: [],
};

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
  viewport: plan.viewport || { width: 1400, height: 900 },
  deviceScaleFactor: plan.deviceScaleFactor || 1,
});

try {
  out.chromium = context.browser() ? context.browser().version() : null;
  const page = context.pages()[0] || (await context.newPage());
  const url = pathToFileURL(resolve(plan.html)).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'assert') out.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => out.pageErrors.push(String(e && e.stack ? e.stack : e)));
  page.on('dialog', async (d) => {
    out.dialogs.push({ type: d.type(), message: d.message() });
    await d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    if (r.url() !== url) out.requests.push(r.url());
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
    });
  });

  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__distill !== undefined, null, { timeout: 60000 });
  out.loadMs = Date.now() - t0;

  const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  for (const step of plan.steps || []) {
    let result = null;
    switch (step.op) {
      case 'eval':
        result = await page.evaluate(step.expr);
        break;
      case 'wall': {
        const start = performance.now();
        result = { value: await page.evaluate(step.expr) };
        await frame();
        result.ms = performance.now() - start;
        break;
      }
      case 'click':
        await page.click(step.selector);
        break;
      case 'select': {
        const disabled = await page.evaluate(
          ([selector, value]) => [...document.querySelector(selector).options].some((o) => o.value === value && o.disabled),
          [step.selector, step.value],
        );
        if (disabled && step.ifEnabled) result = 'disabled';
        else await page.selectOption(step.selector, step.value);
        break;
      }
      case 'fill':
        await page.fill(step.selector, step.value);
        break;
      case 'text':
        result = await page.textContent(step.selector);
        break;
      case 'mouse': {
        const start = performance.now();
        await page.mouse.click(step.x, step.y, { button: step.button || 'left' });
        await frame();
        result = { ms: performance.now() - start };
        break;
      }
      case 'hover':
        await page.mouse.move(step.x, step.y);
        await frame();
        result = await page.evaluate(() => {
          const t = document.getElementById('tooltip');
          return t.hidden ? null : t.textContent;
        });
        break;
      case 'press':
        await page.keyboard.press(step.key);
        break;
      case 'screenshot':
        await page.screenshot({ path: step.path, type: 'png' });
        break;
      case 'zoomLargest': {
        const box = await page.locator('#treemap').boundingBox();
        const tiles = await page.evaluate(() => window.__distill.tiles());
        const t = tiles.filter((t) => t.depth === 1 && t.open).sort((a, b) => b.w * b.h - a.w * a.h)[0];
        if (!t) break;
        const start = performance.now();
        await page.mouse.click(box.x + t.x + t.w / 2, box.y + t.y + t.h / 2);
        await frame();
        const ms = performance.now() - start;
        result = await page.evaluate(() => ({
          zoom: window.__distill.state().zoom,
          inPage: window.__distill.timings().zoom,
          tiles: window.__distill.tiles().length,
        }));
        result.ms = ms;
        result.name = t.name;
        break;
      }
      case 'hoverLargest': {
        const box = await page.locator('#treemap').boundingBox();
        const tiles = await page.evaluate(() => window.__distill.tiles());
        const t = tiles
          .filter((t) => t.type === step.type && (!step.inPackage || t.pkg))
          .sort((a, b) => b.w * b.h - a.w * a.h)[0];
        if (!t) break;
        await page.mouse.move(box.x + t.x + t.w / 2, box.y + t.y + t.h / 2);
        await frame();
        result = await page.evaluate(() => {
          const tip = document.getElementById('tooltip');
          return tip.hidden ? null : tip.textContent;
        });
        break;
      }
      case 'hoverTiles': {
        const box = await page.locator('#treemap').boundingBox();
        const tiles = await page.evaluate(() => window.__distill.tiles());
        const seen = [];
        for (const t of tiles.slice(0, step.limit || 200)) {
          await page.mouse.move(box.x + t.x + t.w / 2, box.y + t.y + t.h / 2);
          await frame();
          const text = await page.evaluate(() => {
            const tip = document.getElementById('tooltip');
            return tip.hidden ? null : tip.textContent;
          });
          if (text) seen.push(text);
        }
        result = seen;
        break;
      }
      default:
        throw new Error('unknown op ' + step.op);
    }
    out.results.push(result);
  }

  out.cspViolations = await page.evaluate(() => window.__cspViolations);
  out.injected = await page.evaluate(() => ({
    elements: [...document.querySelectorAll('img, iframe, object, embed, svg, math, link, base, meta[http-equiv="refresh"]')].map((e) => e.outerHTML.slice(0, 200)),
    handlers: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => e.tagName + ' ' + a.name)),
    scripts: document.scripts.length,
    pwned: window.__pwned === true,
  }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

process.stdout.write(JSON.stringify(out) + '\n');

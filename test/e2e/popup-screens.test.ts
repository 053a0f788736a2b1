// Screenshots of every popup and page screen in headless Chromium (light and dark), compared with the
// references in test/e2e/popup-screens/ within a tolerance, so visual regressions show. A missing
// reference is written (commit it); MESHPASS_UPDATE_SCREENS=1 rewrites them all. Volatile content (a
// generated password, times) is hidden before the shot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, ROOT, serveFixtures, type ChromiumSession } from './harness/index.ts';

const DIR = join(ROOT, 'test/e2e/popup-screens');
const UPDATE = process.env.MESHPASS_UPDATE_SCREENS === '1';
/** Share of pixels allowed to differ (anti-aliasing, font hinting). */
const TOLERANCE = 0.01;
const PASS = 'correct horse battery';

type Reply<T> = { ok: true; value: T } | { ok: false; message: string };
async function call<T>(s: ChromiumSession, type: string, fields: object = {}): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type });
  if (!r.ok) throw new Error(`${type}: ${r.message}`);
  return r.value;
}

/** Fraction of pixels whose colour differs noticeably, computed in a page with canvases. */
async function difference(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return page.evaluate(
    async ([x, y]) => {
      const load = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, img.width, img.height);
      };
      const [p, q] = await Promise.all([load(x), load(y)]);
      if (p.width !== q.width || p.height !== q.height) return 1;
      let diff = 0;
      for (let i = 0; i < p.data.length; i += 4) {
        const d = Math.max(Math.abs(p.data[i] - q.data[i]), Math.abs(p.data[i + 1] - q.data[i + 1]), Math.abs(p.data[i + 2] - q.data[i + 2]));
        if (d > 40) diff++;
      }
      return diff / (p.width * p.height);
    },
    [a.toString('base64'), b.toString('base64')],
  );
}

describe('popup screens (chromium)', () => {
  let s: ChromiumSession;
  let compare: Page;
  const report: string[] = [];
  const taken: string[] = [];
  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    s = await launchChromium();
    compare = (await s.openExtensionPage('test.html')).raw;
  });
  afterAll(async () => {
    if (report.length) console.log(`[popup-screens] ${report.join(', ')}`);
    await s?.close();
  });

  async function shot(name: string, page: Page): Promise<void> {
    await page.addStyleTag({ content: '[data-volatile] { visibility: hidden !important; } * { caret-color: transparent !important; transition: none !important; }' });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const png = await page.screenshot({ fullPage: true });
    taken.push(name);
    const file = join(DIR, `${name}.png`);
    if (UPDATE || !existsSync(file)) {
      writeFileSync(file, png);
      report.push(`wrote ${name}.png`);
      return;
    }
    const d = await difference(compare, readFileSync(file), png);
    if (d > TOLERANCE) writeFileSync(join(DIR, `${name}.actual.png`), png);
    // Soft: one changed screen must not hide the state of the screens after it.
    expect.soft(d, `${name}: ${(d * 100).toFixed(2)} % of pixels differ (see ${name}.actual.png)`).toBeLessThanOrEqual(TOLERANCE);
  }

  async function popup(scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = (await s.newPage()).raw;
    await page.setViewportSize({ width: 380, height: 560 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(s.extensionUrl('popup.html'));
    return page;
  }

  it('captures every screen', async () => {
    let p = await popup();
    await p.getByRole('button', { name: 'Create a new Mesh' }).waitFor();
    await shot('welcome', p);
    await p.getByRole('button', { name: 'Connect to an existing Mesh' }).click();
    await shot('connect', p);
    await p.getByRole('button', { name: 'Back' }).click();
    await p.getByRole('button', { name: 'Start with a vault on this browser only' }).click();
    await shot('choose-passphrase', p);
    await p.close();

    await call(s, 'setup', { passphrase: PASS, kdf: { m: 256, t: 1, p: 1 } });
    p = await popup();
    await p.getByText('No logins yet', { exact: false }).waitFor();
    await shot('main-empty', p);
    await p.close();

    for (const [title, user] of [['Bank', 'ann@example.com'], ['Mail', 'ann'], ['Shop', 'ann.buyer@example.org']]) {
      await call(s, 'credential-save', { input: { title, url: `https://${title.toLowerCase()}.example.com/login`, username: user, password: 'x', notes: '' } });
    }
    await call(s, 'bookmark-save', { input: { title: 'Docs', url: 'https://docs.example.com/', path: 'Work' } });
    for (const scheme of ['light', 'dark'] as const) {
      p = await popup(scheme);
      await p.locator('[data-testid=results] li').nth(2).waitFor();
      await shot(`main-list-${scheme}`, p);
      await p.close();
    }
    p = await popup();
    await p.locator('[data-testid=results] li').first().waitFor();
    await p.getByRole('button', { name: 'Edit: Bank' }).click();
    await p.getByLabel('Title').waitFor();
    await shot('editor', p);
    await p.getByRole('button', { name: 'Cancel' }).click();
    await p.getByRole('tab', { name: 'Bookmarks' }).click();
    await p.locator('.row .title', { hasText: 'Docs' }).waitFor();
    await shot('bookmarks', p);
    await p.getByRole('tab', { name: 'Generator' }).click();
    await shot('generator', p);
    await p.getByRole('button', { name: 'Lock' }).click();
    await p.getByLabel('Passphrase').waitFor();
    await shot('locked', p);
    await p.close();

    for (const path of ['options.html', 'import.html']) {
      const page = (await s.newPage()).raw;
      await page.setViewportSize({ width: 800, height: 700 });
      await page.goto(s.extensionUrl(path));
      await page.locator('h1').waitFor();
      await shot(path.replace('.html', ''), page);
      await page.close();
    }

    // Issue 7: the question asked before an https login goes into an http page (popup bound to the tab).
    await call(s, 'unlock', { passphrase: PASS });
    const fixtures = await serveFixtures(join(ROOT, 'test/fixtures/forms'));
    try {
      const url = fixtures.url('/login-basic.html');
      const web = (await s.newPage()).raw;
      await web.goto(url);
      await call(s, 'credential-save', { input: { title: 'Intranet', url: url.replace('http:', 'https:'), username: 'ann', password: 'x', notes: '' } });
      const tabId = await s.worker.evaluate(async (u: string) => {
        const tabs = await (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id: number; url: string }[]> } } }).chrome.tabs.query({});
        return tabs.find((t) => t.url === u)!.id;
      }, url);
      p = (await s.newPage()).raw;
      await p.setViewportSize({ width: 380, height: 560 });
      await p.emulateMedia({ colorScheme: 'light' });
      await p.goto(s.extensionUrl(`popup.html?tab=${tabId}`));
      await p.locator('[data-testid=matches] button.primary').first().click();
      await p.locator('[data-testid=insecure-confirm]').waitFor();
      await shot('insecure-confirm', p);
      await p.close();
      await web.close();
    } finally {
      await fixtures.close();
    }
    // Every committed reference is still captured, and no screen goes without one.
    const references = readdirSync(DIR).filter((f) => f.endsWith('.png') && !f.endsWith('.actual.png')).map((f) => f.slice(0, -4));
    expect([...taken].sort()).toEqual(references.sort());
  });
});

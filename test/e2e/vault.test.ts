// The vault in real browsers: set up, add a login in the popup, lock/unlock, survive a worker stop and a
// browser restart with the edit still pending (no service connected: it stays queued).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, launchChromium, ROOT, serveFixtures, type ChromiumSession, type ExtensionSession, type TestPage } from './harness/index.ts';
import { call } from './harness/vault-api.ts';

/** Serious or critical axe-core violations on the page as it is now (rule id: first offending node). */
async function axeViolations(page: TestPage): Promise<string[]> {
  const source = await readFile(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  return page.evaluate(async (src: string) => {
    if (!(globalThis as { axe?: unknown }).axe) (0, eval)(src);
    const axe = (globalThis as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string; impact: string; nodes: { html: string }[] }[] }> } }).axe;
    const r = await axe.run(document);
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.html}`);
  }, source);
}

const PASS = 'correct horse battery';
// Test builds accept a lower KDF cost (the shipped build ignores it; bench/vault.bench.ts measures the full cost).
const CHEAP_KDF = { m: 256, t: 1, p: 1 };


async function addInPopup(s: ExtensionSession, title: string, user: string, password: string) {
  const popup = await s.openExtensionPage('popup.html');
  await popup.waitFor(() => !!document.querySelector('input[type=search]'));
  await popup.click('.searchbar button.primary');
  await popup.fill('#f-title', title);
  await popup.fill('#f-url', 'https://shop.example.com/login');
  await popup.fill('#f-user', user);
  await popup.fill('#f-pass', password);
  await popup.click('.editor button[type=submit]');
  await popup.waitFor((t) => [...document.querySelectorAll('.row .title')].some((e) => e.textContent === t), title);
  return popup;
}

describe('vault in chromium', () => {
  let imported = 0;
  let profileDir: string;
  let s: ChromiumSession;
  beforeAll(async () => {
    profileDir = await mkdtemp(join(tmpdir(), 'meshpass-vault-'));
    s = await launchChromium({ profileDir });
  });
  afterAll(async () => {
    await s?.close();
    await rm(profileDir, { recursive: true, force: true });
  });

  it('sets up, adds a login in the popup, survives a worker stop, locks and unlocks in the popup', async () => {
    expect((await call<{ phase: string }>(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).phase).toBe('unlocked');
    const popup = await addInPopup(s, 'Shop', 'ann@example.com', 'Pa55word!');
    await popup.close();

    await s.stopWorker();
    expect((await call<{ phase: string }>(s, 'status')).phase).toBe('unlocked');
    const found = await call<{ items: { id: string; title: string; pending: boolean }[] }>(s, 'search', { query: 'shop' });
    expect(found.items).toMatchObject([{ title: 'Shop', pending: true }]);
    expect(await call(s, 'credential-get', { id: found.items[0].id })).toMatchObject({ password: 'Pa55word!' });

    const p2 = await s.openExtensionPage('popup.html');
    await p2.waitFor(() => !!document.querySelector('button[aria-label="Lock"]'));
    await p2.click('button[aria-label="Lock"]');
    await p2.waitFor(() => !!document.getElementById('passphrase'));
    expect(await axeViolations(p2)).toEqual([]);
    await p2.fill('#passphrase', 'not it at all');
    await p2.click('form button[type=submit]');
    await p2.waitFor(() => (document.getElementById('unlock-msg')?.textContent ?? '').includes('Wrong'));
    await p2.fill('#passphrase', PASS);
    await p2.click('form button[type=submit]');
    await p2.waitFor(() => !!document.querySelector('input[type=search]'));
    expect(await p2.text('[data-testid=results]')).toContain('Shop');
    expect(await axeViolations(p2)).toEqual([]);
    expect(p2.errors).toEqual([]);
    await p2.close();
  });

  it('the settings and import pages have no serious accessibility violations', async () => {
    for (const path of ['options.html', 'import.html']) {
      const page = await s.openExtensionPage(path);
      await page.waitFor(() => !!document.querySelector('h1'));
      expect(await axeViolations(page), path).toEqual([]);
      expect(page.errors, path).toEqual([]);
      await page.close();
    }
  });

  it('fills a login page from the popup bound to its tab (popup.html?tab=ID), through the content script', async () => {
    const fixtures = await serveFixtures(join(ROOT, 'test/fixtures/forms'));
    try {
      const url = fixtures.url('/login-basic.html');
      const page = await s.newPage();
      await page.goto(url);
      await page.waitFor(() => document.documentElement.dataset.meshpass === 'ready');
      await call(s, 'credential-save', { input: { title: 'Acme', url, username: 'acme-user', password: 'Acme-Pw-1', notes: '' } });
      const tabId = await s.worker.evaluate(async (u: string) => {
        const tabs = await (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id: number; url: string }[]> } } }).chrome.tabs.query({});
        return tabs.find((t) => t.url === u)!.id;
      }, url);
      const popup = await s.openExtensionPage(`popup.html?tab=${tabId}`);
      await popup.waitFor(() => (document.querySelector('[data-testid=matches]')?.textContent ?? '').includes('Acme'));
      await popup.click('[data-testid=matches] button.primary');
      await page.waitFor(() => (document.getElementById('pass') as HTMLInputElement).value !== '');
      expect(await page.evaluate(() => [(document.getElementById('user') as HTMLInputElement).value, (document.getElementById('pass') as HTMLInputElement).value])).toEqual(['acme-user', 'Acme-Pw-1']);
      await popup.close();
      await page.close();
    } finally {
      await fixtures.close();
    }
  });

  it('imports a Chrome CSV on the import page: format, counts, duplicates skipped, one batch', async () => {
    const before = (await call<{ total: number }>(s, 'search', { query: '' })).total;
    const page = await s.openExtensionPage('import.html');
    await page.waitFor(() => !!document.getElementById('file'));
    await page.raw.setInputFiles('#file', join(ROOT, 'test/fixtures/import/chrome.csv'));
    await page.waitFor(() => !!document.querySelector('[data-testid=import-format]'));
    expect(await page.text('[data-testid=import-format]')).toMatch(/Chrome/);
    await page.click('section button.primary');
    await page.waitFor(() => (document.querySelector('[data-testid=import-done]')?.textContent ?? '').startsWith('Imported'));
    const added = Number(/Imported (\d+)/.exec(await page.text('[data-testid=import-done]'))![1]);
    expect(added).toBeGreaterThan(1);
    expect((await call<{ total: number }>(s, 'search', { query: '' })).total).toBe(before + added);
    expect(page.errors).toEqual([]);
    // The batch went by postMessage to the worker (src/popup/worker-post.ts), which answers the extension's pages.
    const posted = await page.evaluate(async () => {
      const worker = (await navigator.serviceWorker.getRegistration())?.active;
      if (!worker) return 'no worker';
      const channel = new MessageChannel();
      const answer = new Promise((done) => (channel.port1.onmessage = (e) => done(e.data)));
      worker.postMessage({ type: 'search', query: '' }, [channel.port2]);
      return answer;
    });
    expect(posted).toMatchObject({ ok: true, value: { total: before + added } });
    await page.close();
    // The same file again: every login is a duplicate, skipped by default, nothing left to import.
    const again = await s.openExtensionPage('import.html');
    await again.waitFor(() => !!document.getElementById('file'));
    await again.raw.setInputFiles('#file', join(ROOT, 'test/fixtures/import/chrome.csv'));
    await again.waitFor(() => !!document.querySelector('section button.primary'));
    expect(await again.text('section')).toContain(`${added} already in your vault`);
    expect(await again.evaluate(() => (document.querySelector('section button.primary') as HTMLButtonElement).disabled)).toBe(true);
    await again.close();
    imported = added;
  });

  it('keeps a pending edit across a browser restart, locked until the passphrase is given', async () => {
    await call(s, 'credential-save', { input: { title: 'Later', url: 'https://later.example', username: 'x', password: 'y', notes: '' } });
    await s.close();
    s = await launchChromium({ profileDir });
    expect((await call<{ phase: string }>(s, 'status')).phase).toBe('locked');
    await call(s, 'unlock', { passphrase: PASS });
    const st = await call<{ sync: { pending: number } }>(s, 'status');
    expect(st.sync.pending).toBe(3 + imported);
    expect((await call<{ total: number }>(s, 'search', { query: '' })).total).toBe(3 + imported);
  });
});

describe('vault in firefox', () => {
  let s: ExtensionSession;
  beforeAll(async () => {
    s = await launchBrowser('firefox');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sets up, adds in the popup, locks and unlocks', async () => {
    await call(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF });
    const popup = await addInPopup(s, 'Fox', 'fox@example.com', 'F0x!');
    await popup.close();
    await call(s, 'lock');
    await expect(call(s, 'search', { query: '' })).rejects.toThrow(/locked/);
    await call(s, 'unlock', { passphrase: PASS });
    expect((await call<{ items: { title: string }[] }>(s, 'search', { query: 'fox' })).items).toMatchObject([{ title: 'Fox' }]);
  });
});

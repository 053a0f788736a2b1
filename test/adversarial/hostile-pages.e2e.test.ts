// Hostile pages against the real extension (test build, real background, a real unlocked vault with one
// credential for the fixture origin). Every page loads test/fixtures/hostile/spy.js, which records, in the
// page's own world, every value it can see: an overridden HTMLInputElement.prototype.value (getter and
// setter), instance `value` properties, setAttribute, every input/key/focus event, a 15 ms poll of every
// field, a MutationObserver and window messages. The invariant checked on every page: the page's own
// JavaScript never sees the password except after a fill the user asked for, in a visible field, on the
// credential's own site. Chromium runs every case, Firefox ESR the main ones.
//
// The test build's content script also carries the test bridge (page postMessage → runtime.sendMessage on
// the channel 'meshpass-test-bridge'); it never ships (the smoke test checks dist), so the flood below does
// not use that channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BROWSERS, launchBrowser, ROOT, serveFixtures, type ExtensionSession, type FixtureServer, type TestFrame, type TestPage } from '../e2e/harness/index.ts';
import { isSoak, recordCase } from './summary.ts';

const USERNAME = 'victim@example.test';
const PASSWORD = 'Hostile-Secret-7731!';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };
const CATEGORY = 'hostile-pages';

interface Seen {
  via: string;
  id: string;
  value: string;
}
type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };

const INVISIBLE_TRICKS = ['opacity0', 'opacity001', 'filter', 'offscreen', 'above', 'tiny', 'clippath', 'cliprect', 'visibility', 'scale', 'overflow', 'display', 'covered', 'ariahidden'];
const FIREFOX_TRICKS = new Set(['opacity001', 'filter', 'covered']);
const CLICK_TRICKS = ['overlay', 'decoy-after', 'host-filter', 'host-opacity', 'host-inline', 'html-opacity', 'popover'];
const FIREFOX_CLICK_TRICKS = new Set(['decoy-after', 'popover']);

let fixtures: FixtureServer;
beforeAll(async () => {
  fixtures = await serveFixtures(join(ROOT, 'test/fixtures/hostile'));
});
afterAll(async () => {
  await fixtures?.close();
});

describe.each(BROWSERS)('hostile pages in %s', (browserName) => {
  const firefox = browserName === 'firefox';
  let s: ExtensionSession;
  let ext: TestPage;
  let credentialId = '';
  let tab: TestPage;

  async function call<T>(type: string, fields: object = {}): Promise<Reply<T>> {
    return s.sendMessage<Reply<T>>({ ...fields, type }, 60_000);
  }

  async function tabIdOf(urlPrefix: string): Promise<number> {
    const id = await ext.evaluate(async (u: string) => {
      const g = globalThis as unknown as { browser?: { tabs: unknown }; chrome?: { tabs: unknown } };
      const tabs = (g.browser?.tabs ?? g.chrome?.tabs) as { query(q: object): Promise<{ id?: number; url?: string }[]> };
      return (await tabs.query({})).find((t) => t.url?.startsWith(u))?.id ?? null;
    }, urlPrefix);
    if (id === null) throw new Error(`no tab for ${urlPrefix}`);
    return id;
  }

  /** The user presses "Fill" in the popup bound to the tab (what the popup's Fill button sends). */
  async function userFill(url: string): Promise<Reply<object>> {
    return call<object>('fill', { id: credentialId, tabId: await tabIdOf(url) });
  }

  async function open(path: string, other = false): Promise<TestPage> {
    const url = other ? fixtures.otherUrl(path) : fixtures.url(path);
    await tab.goto(url);
    await tab.waitFor(() => document.documentElement.dataset.meshpass === 'ready' && Array.isArray((window as unknown as { __seen?: unknown }).__seen), undefined, 20_000);
    // The content script has run its first detection once it answers the background.
    await s.sendToTab(url, { type: 'detect' });
    return tab;
  }

  /** Everything the page's spy recorded. The secret is never passed into the page (a page hook on
   * Function.prototype.call would see the harness's own evaluate arguments in Firefox): filtered here. */
  async function seenAll(frame: TestFrame): Promise<Seen[]> {
    return frame.evaluate(() => (window as unknown as { __seen?: Seen[] }).__seen ?? []);
  }
  async function seenSecret(frame: TestFrame): Promise<Seen[]> {
    return (await seenAll(frame)).filter((x) => x.value.includes(PASSWORD));
  }
  async function waitForValue(frame: TestFrame, selector: string, expected: string, timeout = 15_000): Promise<void> {
    await expect.poll(() => value(frame, selector), { timeout }).toBe(expected);
  }

  async function value(frame: TestFrame, selector: string): Promise<string> {
    return frame.evaluate((sel: string) => {
      const el = document.querySelector(sel) as HTMLInputElement | null;
      const get = (window as unknown as { __nativeValue?: (e: HTMLInputElement) => string }).__nativeValue;
      return el ? (get ? get(el) : el.value) : '<missing>';
    }, selector);
  }

  /**
   * Lets the page, the content script and the background act on what just happened: two background →
   * content round trips and an observation window (a negative can only be checked over some time).
   */
  async function settle(url: string, ms = 500): Promise<void> {
    await s.sendToTab(url, { type: 'detect' }).catch(() => undefined);
    const until = Date.now() + ms;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await s.sendToTab(url, { type: 'detect' }).catch(() => undefined);
  }

  async function listOpen(frame: TestFrame): Promise<boolean> {
    return frame.evaluate(() => {
      const last = document.documentElement.lastElementChild;
      return !!last && last !== document.body && last.tagName === 'DIV' && !last.id && last.shadowRoot === null;
    });
  }

  /** Runs a case and records it: `detected` = the attack was tried and refused. */
  async function attack(name: string, body: (check: (ok: boolean, what: string) => void) => Promise<void>, isAttack = true): Promise<void> {
    let checks = 0;
    let passed = false;
    const check = (ok: boolean, what: string) => {
      checks++;
      expect(ok, what).toBe(true);
    };
    try {
      await body(check);
      passed = true;
    } finally {
      recordCase(CATEGORY, `${browserName}: ${name}`, { detected: isAttack && passed, invariants: checks, passed });
    }
  }

  /** Only the visible legitimate fields of the credential's own page may ever show the secret. */
  function onlyIn(leaks: Seen[], ids: string[]): boolean {
    return leaks.every((l) => ids.includes(l.id));
  }

  beforeAll(async () => {
    s = await launchBrowser(browserName);
    ext = await s.openExtensionPage('test.html');
    const setup = await call<{ phase: string }>('setup', { passphrase: 'hostile pages test', kdf: CHEAP_KDF });
    if (!setup.ok) throw new Error(`setup: ${setup.message}`);
    const saved = await call<{ id: string }>('credential-save', { input: { title: 'Shop', url: fixtures.url('/'), username: USERNAME, password: PASSWORD, notes: '' } });
    if (!saved.ok) throw new Error(`credential-save: ${saved.message}`);
    credentialId = saved.value.id;
    tab = await s.newPage();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('prototype value overrides and listeners see nothing until the user fills, then only the visible fields', async () => {
    await attack('prototype/instance value override + listeners, synthetic clicks/keys/submit', async (check) => {
      const url = fixtures.url('/proto-override.html');
      const page = await open('/proto-override.html');
      await page.evaluate(() => (window as unknown as { __attack(): Promise<void> }).__attack());
      await settle(url);
      const early = await seenSecret(page);
      check(early.length === 0, `no secret before the user asks: ${JSON.stringify(early)}`);
      check((await value(page, '#pass')) === '', 'password field untouched by synthetic events');
      const offers = await call<unknown[]>('save-offers');
      check(offers.ok && offers.value.length === 0, 'no save offer from a synthetic submit');

      const r = await userFill(url);
      check(r.ok, `user fill succeeds (${r.ok ? '' : r.message})`);
      await waitForValue(page, '#pass', PASSWORD);
      const leaks = await seenSecret(page);
      check(leaks.length > 0, 'the page sees its own filled field (sanity: the spy works)');
      check(onlyIn(leaks, ['pass']), `secret seen only in #pass: ${JSON.stringify(leaks.map((l) => `${l.via}@${l.id}`))}`);
      check(!leaks.some((l) => l.via === 'proto-set' || l.via === 'instance-set' || l.via === 'function-call-arg'), 'the fill never went through the page’s setter or Function.prototype.call');
    });
  });

  it.each(INVISIBLE_TRICKS.filter((t) => !firefox || FIREFOX_TRICKS.has(t)))('an invisible login form (%s) gets nothing, even when the user asks', async (trick) => {
    await attack(`invisible login form: ${trick}`, async (check) => {
      const path = `/invisible.html?trick=${trick}`;
      const url = fixtures.url(path);
      const page = await open(path);
      const r = await userFill(url);
      await settle(url, 150);
      check(!r.ok, `the fill is refused (${r.ok ? 'it succeeded' : r.message})`);
      check((await value(page, `#trap-pass-${trick}`)) === '', 'trap password empty');
      check((await value(page, `#trap-user-${trick}`)) === '', 'trap username empty');
      check((await seenSecret(page)).length === 0, 'no secret seen by the page');
    });
  });

  it.each(firefox ? ['&focus=1'] : ['', '&focus=1'])('next to a visible login form, every trap stays empty and only the visible fields get the fill (%s)', async (focus) => {
    await attack(`invisible traps beside a visible login form${focus ? ', focus moved into a trap' : ''}`, async (check) => {
      const path = `/invisible.html?trick=all&visible=1${focus}`;
      const url = fixtures.url(path);
      const page = await open(path);
      const r = await userFill(url);
      check(r.ok, `user fill succeeds (${r.ok ? '' : r.message})`);
      await waitForValue(page, '#pass', PASSWORD);
      await settle(url, 300);
      const leaks = await seenSecret(page);
      check(onlyIn(leaks, ['pass']), `secret only in #pass: ${JSON.stringify([...new Set(leaks.map((l) => l.id))])}`);
      for (const trick of INVISIBLE_TRICKS) check((await value(page, `#trap-pass-${trick}`)) === '', `trap ${trick} empty`);
    });
  });

  it.skipIf(firefox)('fill on page load never fills an invisible form, and fills only the visible one', async () => {
    await attack('fill on page load: invisible traps', async (check) => {
      const set = await call('settings-set', { settings: { fillOnPageLoad: true } });
      check(set.ok, 'setting on');
      try {
        const hidden = '/invisible.html?trick=all';
        const page = await open(hidden);
        await settle(fixtures.url(hidden), 1000);
        check((await seenSecret(page)).length === 0, 'no secret in an all-invisible page');
        const both = '/invisible.html?trick=all&visible=1';
        await open(both);
        await waitForValue(page, '#pass', PASSWORD);
        await settle(fixtures.url(both), 300);
        const leaks = await seenSecret(page);
        check(onlyIn(leaks, ['pass']), `secret only in #pass: ${JSON.stringify([...new Set(leaks.map((l) => l.id))])}`);
        // Fill on page load is for the top frame only: a foreign login frame gets nothing.
        await open('/frame-top.html');
        const frame = await page.frame(fixtures.otherOrigin);
        await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 15_000 }).toBe('ready');
        await settle(fixtures.url('/frame-top.html'), 800);
        check((await seenSecret(frame)).length === 0 && (await seenSecret(page)).length === 0, 'no secret in a foreign frame on load');
      } finally {
        await call('settings-set', { settings: { fillOnPageLoad: false } });
      }
    });
  });

  /** Opens the list with a real click in #user and returns where it is drawn (under the field). */
  async function openList(page: TestPage, url: string): Promise<{ x: number; y: number; width: number; height: number }> {
    await page.click('#user');
    await page.waitFor(() => {
      const last = document.documentElement.lastElementChild;
      return !!last && last !== document.body && last.tagName === 'DIV';
    }, undefined, 15_000);
    void url;
    return page.evaluate(() => {
      const r = document.getElementById('user')!.getBoundingClientRect();
      return { x: Math.round(r.left), y: Math.round(r.bottom + 2), width: 220, height: 44 };
    });
  }

  async function mouseClick(page: TestPage, x: number, y: number): Promise<void> {
    await (page.raw as { mouse: { click(x: number, y: number): Promise<unknown> } }).mouse.click(x, y);
  }

  it('suggestion list: a genuine click fills (control case)', async () => {
    await attack('suggestion list genuine pick (control)', async (check) => {
      const url = fixtures.url('/clickjack.html');
      const page = await open('/clickjack.html');
      const box = await openList(page, url);
      check((await seenSecret(page)).length === 0, 'list open, nothing leaked (the list is in a closed root)');
      check(!(await page.evaluate(() => document.documentElement.innerHTML)).includes(USERNAME), 'the page cannot read the entries');
      const throughHook = (await seenAll(page)).filter((x) => x.value.includes(USERNAME));
      check(throughHook.length === 0, `the page's attachShadow / MutationObserver hooks saw no entry: ${JSON.stringify(throughHook)}`);
      await mouseClick(page, box.x + 20, box.y + 12);
      await waitForValue(page, '#pass', PASSWORD);
      check(onlyIn(await seenSecret(page), ['pass']), 'secret only in #pass');
    }, false);
  });

  it.each(CLICK_TRICKS.filter((t) => !firefox || FIREFOX_CLICK_TRICKS.has(t)))('clickjacking the suggestion list (%s): the click does not fill', async (trick) => {
    await attack(`clickjacking: ${trick}`, async (check) => {
      const url = fixtures.url('/clickjack.html');
      const page = await open('/clickjack.html');
      const box = await openList(page, url);
      await page.evaluate((a: { trick: string; box: object }) => (window as unknown as { __arm(t: string, b: object): void }).__arm(a.trick, a.box), { trick, box });
      await page.waitFor((t: string) => (window as unknown as { __armed?: string }).__armed === t, trick);
      await mouseClick(page, box.x + 20, box.y + 12);
      await settle(url, 700);
      check((await value(page, '#pass')) === '', 'password field still empty');
      check((await seenSecret(page)).length === 0, 'no secret seen by the page');
    });
  });

  it.each(firefox ? ['opacity'] : ['opacity', 'offscreen', 'clip'])('a same-origin frame the parent made invisible (%s) gets nothing', async (how) => {
    await attack(`invisible same-origin frame: ${how}`, async (check) => {
      const path = `/frame-invisible.html?how=${how}`;
      const url = fixtures.url(path);
      const page = await open(path);
      const frame = await page.frame('/frame-login.html');
      await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 15_000 }).toBe('ready');
      const r = await userFill(url);
      await settle(url, 300);
      check(!r.ok, `the fill is refused (${r.ok ? 'it succeeded' : r.message})`);
      check((await value(frame, '#pass')) === '', 'framed password empty');
      check((await seenSecret(page)).length === 0 && (await seenSecret(frame)).length === 0, 'no secret seen by the parent or the frame');
    });
  });

  it('a cross-origin iframe dressed as a login form gets nothing: no suggestions, no fill', async () => {
    await attack('cross-origin iframe login on a page without a login', async (check) => {
      const url = fixtures.url('/frame-top.html');
      const page = await open('/frame-top.html');
      const frame = await page.frame(fixtures.otherOrigin);
      await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 15_000 }).toBe('ready');
      // A real click into the framed username field: its content script asks for suggestions (for B).
      const at = await page.evaluate(() => {
        const r = document.getElementById('evil')!.getBoundingClientRect();
        return { x: r.left, y: r.top };
      });
      const inner = await frame.evaluate(() => {
        const r = document.getElementById('user')!.getBoundingClientRect();
        return { x: r.left + 10, y: r.top + r.height / 2 };
      });
      await mouseClick(page, at.x + inner.x, at.y + inner.y);
      const r = await userFill(url);
      await settle(url, 500);
      check(!r.ok, `the popup fill is refused (${r.ok ? 'it succeeded' : r.message})`);
      check(!(await listOpen(frame)), 'no suggestion list in the foreign frame');
      check((await value(frame, '#pass')) === '', 'framed password empty');
      check((await seenSecret(frame)).length === 0, 'the framed page saw no secret');
      check((await seenSecret(page)).length === 0, 'the top page saw no secret');
    });
  });

  it('a login page with a foreign login iframe: only the top frame is filled', async () => {
    await attack('cross-origin iframe login beside the real one', async (check) => {
      const url = fixtures.url('/frame-top-login.html');
      const page = await open('/frame-top-login.html');
      const frame = await page.frame(fixtures.otherOrigin);
      await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 15_000 }).toBe('ready');
      const r = await userFill(url);
      check(r.ok, `user fill succeeds (${r.ok ? '' : r.message})`);
      await waitForValue(page, '#pass', PASSWORD);
      await settle(url, 300);
      check((await value(frame, '#pass')) === '', 'framed password empty');
      check((await seenSecret(frame)).length === 0, 'the foreign frame saw no secret');
      check(onlyIn(await seenSecret(page), ['pass']), 'top: secret only in #pass');
    });
  });

  it('a foreign page framing the real login: the popup fill is refused', async () => {
    await attack('foreign top page framing the credential site', async (check) => {
      const url = fixtures.otherUrl('/evil-top.html');
      const page = await open('/evil-top.html', true);
      const frame = await page.frame(`${fixtures.origin}/frame-login.html`);
      await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 15_000 }).toBe('ready');
      const r = await userFill(url);
      await settle(url, 300);
      check(!r.ok, `the fill is refused (${r.ok ? 'it succeeded' : r.message})`);
      check((await value(frame, '#pass')) === '', 'framed password empty');
      check((await seenSecret(frame)).length === 0 && (await seenSecret(page)).length === 0, 'no secret anywhere');
    });
  });

  it('floods of postMessages, CustomEvents and synthetic events: no fill, no offer, still responsive', async () => {
    await attack('message / event flood', async (check) => {
      const url = fixtures.url('/flood.html');
      const page = await open('/flood.html');
      const rounds = (firefox ? 400 : 1000) * (isSoak() ? 10 : 1);
      const started = performance.now();
      const sent = await page.evaluate((a: { n: number; id: string }) => (window as unknown as { __flood(n: number, id: string): Promise<number> }).__flood(a.n, a.id), { n: rounds, id: credentialId });
      const floodMs = performance.now() - started;
      const t0 = performance.now();
      const detected = await s.sendToTab<{ forms: { kind: string }[] }>(url, { type: 'detect' });
      const detectMs = performance.now() - t0;
      console.log(`[hostile-pages] ${browserName}: flood of ${sent} messages/events in ${floodMs.toFixed(0)} ms; detect round trip after it ${detectMs.toFixed(0)} ms`);
      check(detected.forms.some((f) => f.kind === 'login'), 'content script still detects the login');
      await settle(url, 500);
      check((await value(page, '#pass')) === '', 'no fill from the flood');
      check((await seenSecret(page)).length === 0, 'no secret seen');
      const offers = await call<unknown[]>('save-offers');
      check(offers.ok && offers.value.length === 0, 'no save offer from synthetic events');
      const r = await userFill(url);
      check(r.ok, 'a real fill still works after the flood');
      await waitForValue(page, '#pass', PASSWORD);
      check(onlyIn(await seenSecret(page), ['pass']), 'secret only in #pass');
    });
  });
});

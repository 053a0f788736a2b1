// Autofill flows in real Chromium that need real (trusted) user input: the save offer after the user
// types and submits, and the suggestion list under a focused field. The background's side is stood in
// for by a listener the test installs in the worker (it records what content scripts send and answers
// `suggestions` / `fill-request` the way the background will).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, serveFixtures, type ChromiumSession, type FixtureServer } from './harness/index.ts';
import { CORPUS_DIR } from '../unit/content/corpus.ts';
import type { SaveOfferMessage } from '../../src/content/messages.ts';

let fixtures: FixtureServer;
let session: ChromiumSession;

interface Recorder {
  __autofillSeen: unknown[];
}

beforeAll(async () => {
  fixtures = await serveFixtures(CORPUS_DIR);
  session = await launchChromium();
  await session.worker.evaluate(() => {
    const g = globalThis as unknown as Recorder & {
      chrome: {
        runtime: { onMessage: { addListener(f: (m: { type?: string; id?: string }, s: { tab?: { id?: number }; frameId?: number }, r: (x: unknown) => void) => boolean | undefined): void } };
        tabs: { sendMessage(tabId: number, m: unknown, o: { frameId: number }): Promise<unknown> };
      };
    };
    g.__autofillSeen = [];
    g.chrome.runtime.onMessage.addListener((message, sender, respond) => {
      if (!message || typeof message.type !== 'string' || message.type.startsWith('test:')) return undefined;
      g.__autofillSeen.push(message);
      if (message.type === 'suggestions') {
        respond({ entries: [{ id: 'entry-1', title: 'Acme', username: 'alice' }] });
        return undefined;
      }
      if (message.type === 'fill-request' && sender.tab?.id !== undefined) {
        void g.chrome.tabs.sendMessage(sender.tab.id, { type: 'fill', username: 'alice', password: 'from-catalog' }, { frameId: sender.frameId ?? 0 });
      }
      return undefined;
    });
  });
});

afterAll(async () => {
  await session?.close();
  await fixtures?.close();
});

async function seen(type: string): Promise<unknown[]> {
  return session.worker.evaluate((t) => (globalThis as unknown as Recorder).__autofillSeen.filter((m) => (m as { type: string }).type === t), type);
}

async function clearSeen(): Promise<void> {
  await session.worker.evaluate(() => {
    (globalThis as unknown as Recorder).__autofillSeen.length = 0;
  });
}

async function open(path: string): Promise<Page> {
  const page = (await session.newPage()).raw as Page;
  await page.goto(fixtures.url(path));
  await page.waitForFunction(() => document.documentElement.dataset.meshpass === 'ready');
  return page;
}

describe('save offers (Chromium, real typing)', () => {
  it('offers what the user typed when the form is submitted', async () => {
    await clearSeen();
    const page = await open('/login-basic.html');
    await page.locator('#user').pressSequentially('alice');
    await page.locator('#pass').pressSequentially('typed-secret');
    await page.locator('#pass').press('Enter');
    await expect.poll(() => seen('save-offer'), { timeout: 5000 }).toHaveLength(1);
    const [offer] = (await seen('save-offer')) as SaveOfferMessage[];
    expect(offer).toMatchObject({ username: 'alice', password: 'typed-secret', kind: 'new', formKind: 'login' });
    await page.close();
  });

  it('offers nothing for a fill the user did not change', async () => {
    await clearSeen();
    const page = await open('/login-formless-div.html');
    await session.sendToTab(fixtures.url('/login-formless-div.html'), { type: 'fill', username: 'alice', password: 'filled-pw' }, 0);
    await page.locator('#go').click();
    await page.waitForTimeout(300);
    expect(await seen('save-offer')).toEqual([]);
    await page.close();
  });

  it('does not take a click on "show password" for a submit', async () => {
    await clearSeen();
    const page = await open('/login-password-toggle.html');
    await page.locator('#email').pressSequentially('alice@example.com');
    await page.locator('#password').pressSequentially('half');
    await page.locator('#toggle').click();
    await page.waitForTimeout(300);
    expect(await seen('save-offer')).toEqual([]);
    await page.close();
  });

  it('offers an update from a change-password form', async () => {
    await clearSeen();
    const page = await open('/change-password-three.html');
    await page.locator('#old').pressSequentially('old-pw');
    await page.locator('#new1').pressSequentially('new-pw-1');
    await page.locator('#new2').pressSequentially('new-pw-1');
    await page.evaluate(() => document.querySelector('form')!.addEventListener('submit', (e) => e.preventDefault()));
    await page.locator('button').click();
    await expect.poll(() => seen('save-offer'), { timeout: 5000 }).toHaveLength(1);
    expect((await seen('save-offer'))[0]).toMatchObject({ password: 'new-pw-1', kind: 'update', formKind: 'change-password' });
    await page.close();
  });

  it('reports detected forms without values', async () => {
    await clearSeen();
    const page = await open('/login-basic.html');
    await expect.poll(() => seen('forms-detected'), { timeout: 5000 }).not.toHaveLength(0);
    const [report] = (await seen('forms-detected')) as { forms: unknown }[];
    expect(report.forms).toEqual([{ kind: 'login', roles: ['username', 'password'] }]);
    await page.close();
  });
});

describe('suggestion list (Chromium)', () => {
  it('lists entries under a focused field and fills the one the user clicks', async () => {
    await clearSeen();
    const page = await open('/login-basic.html');
    await page.locator('#user').click();
    await expect.poll(() => seen('suggestions'), { timeout: 5000 }).toHaveLength(1);
    // The list is in a closed shadow root: the page sees only an empty host element.
    await page.waitForFunction(() => document.documentElement.lastElementChild?.tagName === 'DIV');
    expect(await page.evaluate(() => (document.documentElement.lastElementChild as HTMLElement).shadowRoot)).toBeNull();
    expect(await page.evaluate(() => document.documentElement.innerText.includes('alice'))).toBe(false);
    const box = (await page.locator('#user').boundingBox())!;
    await page.mouse.click(box.x + 20, box.y + box.height + 14);
    await expect.poll(() => page.inputValue('#pass'), { timeout: 5000 }).toBe('from-catalog');
    expect(await page.inputValue('#user')).toBe('alice');
    expect(await seen('fill-request')).toMatchObject([{ id: 'entry-1' }]);
    await page.close();
  });

  it('ignores a click that lands on a page overlay above the list', async () => {
    await clearSeen();
    const page = await open('/login-basic.html');
    await page.locator('#user').click();
    await expect.poll(() => seen('suggestions'), { timeout: 5000 }).toHaveLength(1);
    await page.waitForFunction(() => document.documentElement.lastElementChild?.tagName === 'DIV');
    // A transparent overlay over everything (clickjacking): the click hits the page, not the list.
    await page.evaluate(() => {
      const o = document.createElement('div');
      o.style.cssText = 'position:fixed;inset:0;z-index:2147483647;opacity:0';
      document.documentElement.append(o);
    });
    const box = (await page.locator('#user').boundingBox())!;
    await page.mouse.click(box.x + 20, box.y + box.height + 14);
    await page.waitForTimeout(300);
    expect(await seen('fill-request')).toEqual([]);
    expect(await page.inputValue('#pass')).toBe('');
    await page.close();
  });
});

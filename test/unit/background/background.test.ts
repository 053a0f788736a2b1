import { describe, expect, it } from 'vitest';
import { Background, sanitizeSettings, type Tabs } from '../../../src/background/background.ts';
import { memorySession } from '../../../src/background/platform.ts';
import { DEFAULT_SETTINGS } from '../../../src/shared/messages.ts';
import { CHEAP_KDF, makeBackground, sampleCredential } from './helpers.ts';

function fakeTabs(pages: Record<number, string>) {
  const sent: { tabId: number; frameId: number; message: { type: string } & Record<string, unknown> }[] = [];
  const tabs: Tabs = {
    url: async (id) => pages[id],
    sendToFrame: async (tabId, frameId, message) => {
      const m = message as { type: string } & Record<string, unknown>;
      sent.push({ tabId, frameId, message: m });
      if (m.type === 'detect') return { url: pages[tabId], forms: [{ kind: 'login', roles: ['username', 'password'] }] };
      if (m.type === 'fill') return { filled: ['username', 'password'], kind: 'login' };
      return undefined;
    },
  };
  return { tabs, sent };
}

describe('Background: pages', () => {
  it('refuses page requests that do not come from an extension page', async () => {
    const { bg } = await makeBackground();
    const r = await bg.handle({ type: 'status' }, { fromExtensionPage: false });
    expect(r).toMatchObject({ ok: false, error: 'forbidden' });
  });

  it('goes new → unlocked → locked → unlocked, and keeps what was added', async () => {
    const { call } = await makeBackground();
    expect((await call('status', {})).phase).toBe('new');
    expect((await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF })).phase).toBe('unlocked');
    const { id } = await call('credential-save', { input: sampleCredential(1) });
    expect((await call('lock', {})).phase).toBe('locked');
    await expect(call('search', { query: '' })).rejects.toMatchObject({ code: 'locked' });
    await expect(call('unlock', { passphrase: 'wrong one' })).rejects.toMatchObject({ code: 'wrong-passphrase' });
    expect((await call('unlock', { passphrase: 'correct horse' })).phase).toBe('unlocked');
    expect(await call('credential-get', { id })).toMatchObject({ username: 'user1@mail.test', password: 'pw-1-secret', title: 'Site 1' });
  });

  it('comes back unlocked after a worker restart (same session), locked after a browser restart', async () => {
    const first = await makeBackground();
    await first.call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const { id } = await first.call('credential-save', { input: sampleCredential(2) });
    const worker2 = await makeBackground({ name: first.name, session: first.session });
    expect((await worker2.call('status', {})).phase).toBe('unlocked');
    expect((await worker2.call('search', { query: 'site 2' })).items.map((i) => i.id)).toEqual([id]);
    const browser2 = await makeBackground({ name: first.name, session: memorySession() });
    expect((await browser2.call('status', {})).phase).toBe('locked');
  });

  it('searches title, site and username; lists never carry passwords', async () => {
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const adds = Array.from({ length: 300 }, (_, i) => sampleCredential(i)).map((c) => ({ site: c.url, username: c.username, password: c.password, title: c.title }));
    expect(await call('import-batch', { adds, updates: [] })).toEqual({ added: 300, updated: 0 });
    const existing = await call('import-existing', {});
    expect(existing).toHaveLength(300);
    expect(JSON.stringify(existing)).not.toContain('pw-');
    expect((await call('search', { query: '' })).total).toBe(300);
    const r = await call('search', { query: 'user12@', limit: 5 });
    expect(r.total).toBe(1);
    expect(r.items[0]).toMatchObject({ title: 'Site 12', site: 'login.site12.example.com', pending: true });
    expect(JSON.stringify(r)).not.toContain('pw-12');
    expect((await call('search', { query: 'SITE1 example' })).total).toBe(11 + 100);
  });

  it('edits and deletes credentials and bookmarks', async () => {
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const { id } = await call('credential-save', { input: sampleCredential(3) });
    await call('credential-save', { id, input: { ...sampleCredential(3), password: 'changed' } });
    expect((await call('credential-get', { id })).password).toBe('changed');
    await call('credential-delete', { id });
    await expect(call('credential-get', { id })).rejects.toMatchObject({ code: 'not-found' });
    const b = await call('bookmark-save', { input: { title: 'Docs', url: 'https://docs.example', path: 'Work' } });
    expect((await call('bookmark-search', { query: 'docs' })).items).toMatchObject([{ id: b.id, path: 'Work' }]);
    await call('bookmark-delete', { id: b.id });
    expect((await call('bookmark-search', { query: '' })).total).toBe(0);
  });

  it('saves settings sanitized, and a wipe removes everything', async () => {
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    expect((await call('settings-set', { settings: { autoLockMinutes: 0.2 as number } })).autoLockMinutes).toBe(1);
    expect((await call('settings-set', { settings: { autoLockMinutes: 'never' } })).autoLockMinutes).toBe('never');
    expect(sanitizeSettings({ ...DEFAULT_SETTINGS, defaultMatchMode: 'bogus' as never }).defaultMatchMode).toBe('domain');
    expect((await call('wipe', { confirm: 'wipe' })).phase).toBe('new');
  });

  it('auto-locks after the idle timeout', async () => {
    const { call, bg, clock } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    clock.t += 16 * 60_000;
    await bg.checkIdle();
    expect((await call('status', {})).phase).toBe('locked');
  });

  it('exports CSV only with the passphrase', async () => {
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    await call('credential-save', { input: { ...sampleCredential(4), notes: '=cmd()' } });
    await expect(call('export', { passphrase: 'nope nope' })).rejects.toMatchObject({ code: 'wrong-passphrase' });
    const { csv } = await call('export', { passphrase: 'correct horse' });
    expect(csv).toContain('name,url,username,password,note');
    expect(csv).toContain("\"'=cmd()\"");
  });

  it('reports that connecting is unavailable without the Mesh modules, and sync as not connected', async () => {
    const { call } = await makeBackground();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    expect(await call('connect-start', { address: 'alice@example.com' })).toMatchObject({ step: 'failed' });
    expect((await call('sync-now', {})).phase).toBe('not-connected');
  });
});

describe('Background: fill and content scripts', () => {
  async function withCredential(pages: Record<number, string>) {
    const { tabs, sent } = fakeTabs(pages);
    const ctx = await makeBackground({ tabs });
    await ctx.call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const { id } = await ctx.call('credential-save', { input: { title: 'Bank', url: 'https://bank.example/login', username: 'al', password: 'S3cret!', notes: '' } });
    return { ...ctx, sent, id, bg: ctx.bg as Background };
  }

  it('lists matching credentials first for the popup tab', async () => {
    const { call, id } = await withCredential({ 7: 'https://www.bank.example/account' });
    await call('credential-save', { input: sampleCredential(9) });
    const data = await call('popup-open', { tabId: 7 });
    expect(data.matches.map((m) => m.id)).toEqual([id]);
    expect(data.tab).toEqual({ id: 7, url: 'https://www.bank.example/account' });
    expect(data.total).toBe(2);
  });

  it('finds the active tab itself when the popup asks with activeTab (the sending tab\'s window first)', async () => {
    const { tabs } = fakeTabs({ 7: 'https://www.bank.example/account', 8: 'chrome-extension://x/popup.html' });
    const asked: (number | undefined)[] = [];
    tabs.active = async (windowId) => (asked.push(windowId), windowId === 2 ? { id: 8, url: 'chrome-extension://x/popup.html' } : { id: 7, url: 'https://www.bank.example/account' });
    const { bg, call } = await makeBackground({ tabs });
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const { id } = await call('credential-save', { input: { title: 'Bank', url: 'https://bank.example/login', username: 'al', password: 'S3cret!', notes: '' } });
    for (let i = 0; i < 30; i++) await call('credential-save', { input: sampleCredential(i) });
    const fromPopup = await bg.handle({ type: 'popup-open', activeTab: true }, { fromExtensionPage: true });
    expect(fromPopup).toMatchObject({ ok: true, value: { tabId: 7, tab: { id: 7, url: 'https://www.bank.example/account' }, total: 31 } });
    expect((fromPopup as { value: { matches: { id: string }[] } }).value.matches.map((m) => m.id)).toEqual([id]);
    const inBackgroundTab = await bg.handle({ type: 'popup-open', activeTab: true }, { fromExtensionPage: true, tab: { id: 9, windowId: 2, active: false } });
    expect(inBackgroundTab).toMatchObject({ ok: true, value: { tabId: 8, matches: [] } });
    expect((inBackgroundTab as { value: { tab?: unknown } }).value.tab).toBeUndefined();
    expect(asked).toEqual([undefined, 2]);
    // The popup page is the active tab of its window: it acts on itself, without asking the tabs API.
    const ownTab = await bg.handle({ type: 'popup-open', activeTab: true }, { fromExtensionPage: true, tab: { id: 9, windowId: 2, active: true, url: 'chrome-extension://x/popup.html' } });
    expect(ownTab).toMatchObject({ ok: true, value: { tabId: 9, matches: [] } });
    expect(asked).toHaveLength(2);
    // A bound popup names its tab; without either there is no tab.
    expect((await call('popup-open', { tabId: 7 })).tabId).toBe(7);
    expect((await call('popup-open', {})).tabId).toBeUndefined();
  });

  it('fills only a tab of the credential site, after asking the frame where it is', async () => {
    const { call, sent, id } = await withCredential({ 1: 'https://bank.example/login', 2: 'https://evil.example/login', 3: 'http://bank.example/login' });
    await call('fill', { id, tabId: 1 });
    expect(sent.map((s) => s.message.type)).toEqual(['detect', 'fill']);
    expect(sent[1].message).toMatchObject({ username: 'al', password: 'S3cret!' });
    await expect(call('fill', { id, tabId: 2 })).rejects.toMatchObject({ code: 'origin-mismatch' });
    await expect(call('fill', { id, tabId: 3 })).rejects.toMatchObject({ code: 'needs-confirmation' });
    expect(sent).toHaveLength(2);
    await call('fill', { id, tabId: 3, confirmInsecure: true });
    expect(sent.slice(2).map((s) => s.message.type)).toEqual(['detect', 'fill']);
  });

  it('gives a frame suggestions for its own site only, by the URL the browser reports', async () => {
    const { bg, id } = await withCredential({});
    const own = await bg.handleContent({ type: 'suggestions', url: 'https://bank.example/' }, { tabId: 1, frameId: 0, url: 'https://bank.example/' });
    expect(own).toEqual({ entries: [{ id, title: 'Bank', username: 'al' }] });
    const other = await bg.handleContent({ type: 'suggestions', url: 'https://other.example/' }, { tabId: 1, frameId: 0, url: 'https://other.example/' });
    expect(other).toEqual({ entries: [] });
    const lying = await bg.handleContent({ type: 'suggestions', url: 'https://bank.example/' }, { tabId: 1, frameId: 3, url: 'https://other.example/' });
    expect(lying).toEqual({ error: 'url-mismatch' });
    expect(JSON.stringify([own, other])).not.toContain('S3cret');
  });

  it('fills a picked suggestion into the asking frame only when it matches', async () => {
    const { bg, sent, id } = await withCredential({ 5: 'https://bank.example/login' });
    await bg.handleContent({ type: 'fill-request', id, url: 'https://bank.example/login' }, { tabId: 5, frameId: 0, url: 'https://bank.example/login' });
    expect(sent.at(-1)).toMatchObject({ tabId: 5, frameId: 0, message: { type: 'fill', password: 'S3cret!' } });
    const n = sent.length;
    expect(await bg.handleContent({ type: 'fill-request', id, url: 'https://evil.example/' }, { tabId: 5, frameId: 2, url: 'https://evil.example/' })).toEqual({ error: 'no-match' });
    expect(sent).toHaveLength(n);
  });

  it('fills on page load only when enabled, in the top frame, with exactly one match, once', async () => {
    const { bg, call, sent } = await withCredential({ 8: 'https://bank.example/login' });
    const detected = { type: 'forms-detected', url: 'https://bank.example/login', forms: [{ kind: 'login', roles: ['username', 'password'] }] };
    const top = { tabId: 8, frameId: 0, url: 'https://bank.example/login' };
    await bg.handleContent(detected, top);
    expect(sent).toHaveLength(0);
    await call('settings-set', { settings: { fillOnPageLoad: true } });
    await bg.handleContent(detected, { ...top, frameId: 2 });
    expect(sent).toHaveLength(0);
    await bg.handleContent(detected, top);
    expect(sent.map((x) => x.message.type)).toEqual(['detect', 'fill']);
    await bg.handleContent(detected, top);
    expect(sent).toHaveLength(2);
  });

  it('saves a submitted login only after the user confirms', async () => {
    const { bg, call } = await withCredential({});
    await bg.handleContent(
      { type: 'save-offer', url: 'https://shop.example/login', username: 'bob', password: 'pw1', kind: 'new', formKind: 'login' },
      { tabId: 4, frameId: 0, url: 'https://shop.example/login' },
    );
    const offers = await call('save-offers', {});
    expect(offers).toEqual([{ id: offers[0].id, url: 'https://shop.example/login', username: 'bob' }]);
    expect((await call('search', { query: 'shop' })).total).toBe(0);
    const { id } = await call('save-offer-answer', { id: offers[0].id, save: true });
    expect(await call('credential-get', { id: id! })).toMatchObject({ username: 'bob', password: 'pw1' });
    // A later offer for the same site and user updates it.
    await bg.handleContent(
      { type: 'save-offer', url: 'https://shop.example/login', username: 'bob', password: 'pw2', kind: 'update', formKind: 'change-password' },
      { tabId: 4, frameId: 0, url: 'https://shop.example/login' },
    );
    const [o] = await call('save-offers', {});
    expect(o.updates).toBe(id);
    await call('save-offer-answer', { id: o.id, save: true });
    expect((await call('credential-get', { id: id! })).password).toBe('pw2');
    expect((await call('search', { query: 'shop' })).total).toBe(1);
  });
});

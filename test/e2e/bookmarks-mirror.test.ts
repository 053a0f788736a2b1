// Issue 9 end to end: Chromium and Firefox connected to one account on the real Mesh Service, each with
// the bookmark mirror on. Bookmarks are made, edited and deleted NATIVELY (the browsers' own bookmarks
// API, from an extension page, as the bookmark manager would) and must appear natively in the other
// browser's "Mesh bookmarks" folder; the CLI (`mesh bookmark add/list`) sees the same catalog; concurrent
// native edits of one bookmark give a conflict that the Chromium popup resolves, and the choice reaches
// Firefox's folder. All waits poll for a condition (2 shared cores): no fixed sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, launchFirefox, pollUntil, type ChromiumSession, type ExtensionSession, type FirefoxSession, type TestPage } from './harness/index.ts';
import { startServiceProcess, type ServiceProcess } from './harness/service.ts';
import { mesh } from '../integration/cli-helpers.ts';

const ACCOUNT = 'bookmarks@mesh.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };
const WAIT = 45_000;

type Reply<T> = { ok: true; value: T } | { ok: false; error: string; message: string };
async function call<T>(s: ExtensionSession, type: string, fields: object = {}): Promise<T> {
  const r = await s.sendMessage<Reply<T>>({ ...fields, type }, 60_000);
  if (!r.ok) throw new Error(`${type}: ${r.error} ${r.message}`);
  return r.value;
}

interface Node {
  id: string;
  title: string;
  url?: string;
  children?: Node[];
}

/** Calls the browser's own bookmarks API in an extension page (chrome.* in Chromium, browser.* in Firefox). */
function native<T>(page: TestPage, op: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ({ op, args }) => {
      const g = globalThis as unknown as { browser?: { bookmarks: Record<string, (...a: unknown[]) => Promise<unknown>> }; chrome?: { bookmarks: Record<string, (...a: unknown[]) => Promise<unknown>> } };
      return (g.browser ?? g.chrome)!.bookmarks[op](...args);
    },
    { op, args },
  ) as Promise<T>;
}

async function mirrorRoot(page: TestPage): Promise<string> {
  const found = await native<Node[]>(page, 'search', { title: 'Mesh bookmarks' });
  const root = found.find((n) => n.url === undefined);
  if (!root) throw new Error('no "Mesh bookmarks" folder');
  return root.id;
}

/** The mirror folder's bookmarks as "folder/path|title|url", sorted. */
async function listing(page: TestPage): Promise<string[]> {
  const [tree] = await native<Node[]>(page, 'getSubTree', await mirrorRoot(page));
  const out: string[] = [];
  const walk = (n: Node, path: string) => {
    for (const c of n.children ?? []) {
      if (c.url !== undefined) out.push(`${path}|${c.title}|${c.url}`);
      else walk(c, path ? `${path}/${c.title}` : c.title);
    }
  };
  walk(tree, '');
  return out.sort();
}

async function findNode(page: TestPage, url: string): Promise<Node | undefined> {
  const root = await mirrorRoot(page);
  const [tree] = await native<Node[]>(page, 'getSubTree', root);
  const stack = [tree];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.url === url) return n;
    stack.push(...(n.children ?? []));
  }
  return undefined;
}

interface SyncStatus {
  phase: string;
  pending: number;
  lastError?: string;
}

/** Syncs until nothing is pending (the mirror's catalog edits land a little after the native change). */
async function syncedUp(s: ExtensionSession): Promise<void> {
  await pollUntil(async () => {
    const st = await call<SyncStatus>(s, 'sync-now');
    return st.phase === 'idle' && st.pending === 0 ? true : undefined;
  }, `${s.browserName} to sync everything`, WAIT);
}

/** Syncs `s` and polls until `probe` holds in its browser (the mirror applies a sync a moment later). */
async function eventually<T>(s: ExtensionSession, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  let last = 0;
  return pollUntil(async () => {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - last > 1_000) {
      last = Date.now();
      await call(s, 'sync-now');
    }
    return undefined;
  }, what, WAIT);
}

let svc: ServiceProcess;
let chromium: ChromiumSession;
let firefox: FirefoxSession;
let cPage: TestPage;
let fPage: TestPage;
const admin = mkdtempSync(join(tmpdir(), 'meshpass-bm-admin-'));

/** Connects both browsers by PINs the CLI admin issues (one admin sync loop answers both), then the passphrase. */
async function connectBoth(sessions: ExtensionSession[]): Promise<void> {
  for (const s of sessions) {
    const { pin } = await mesh(admin, 'device', 'pin');
    await call(s, 'connect-start', { address: ACCOUNT, pin, serviceUrl: svc.url });
  }
  await pollUntil(async () => {
    await mesh(admin, 'profile', 'sync');
    const steps = await Promise.all(sessions.map((s) => call<{ step: string; error?: string }>(s, 'connect-state')));
    const failed = steps.find((st) => st.step === 'failed');
    if (failed) throw new Error(failed.error);
    return steps.every((st) => st.step === 'choose-passphrase') ? true : undefined;
  }, 'both browsers to be accepted', 60_000);
  await Promise.all(
    sessions.map(async (s) => {
      expect(await call(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).toMatchObject({ phase: 'unlocked' });
      expect(await call(s, 'mirror-set', { enabled: true })).toMatchObject({ enabled: true, available: true });
    }),
  );
}

beforeAll(async () => {
  svc = await startServiceProcess();
  await mesh(admin, 'profile', 'create', '--description', 'admin');
  await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc.url);
  [chromium, firefox] = await Promise.all([launchChromium(), launchFirefox()]);
  await connectBoth([chromium, firefox]);
  [cPage, fPage] = await Promise.all([chromium.openExtensionPage('test.html'), firefox.openExtensionPage('test.html')]);
}, 180_000);

afterAll(async () => {
  await Promise.all([chromium?.close(), firefox?.close()]);
  await svc?.dispose();
  await rm(admin, { recursive: true, force: true });
});

describe('bookmark mirror: Chromium and Firefox on one account (real service)', () => {
  it('a bookmark made natively in Chromium\'s mirror folder appears natively in Firefox\'s, folder included', async () => {
    const root = await mirrorRoot(cPage);
    const folder = await native<Node>(cPage, 'create', { parentId: root, title: 'Reading' });
    await native(cPage, 'create', { parentId: folder.id, title: 'Cross browser', url: 'https://cross.example/article' });
    await pollUntil(async () => ((await call<{ total: number }>(chromium, 'bookmark-search', { query: 'cross.example' })).total === 1 ? true : undefined), 'the catalog of Chromium to hold it', WAIT);
    await syncedUp(chromium);
    await eventually(firefox, async () => ((await listing(fPage)).includes('Reading|Cross browser|https://cross.example/article') ? true : undefined), 'the bookmark in Firefox\'s folder');
    // One entry in every catalog, one node in each folder: no echo made a duplicate.
    expect((await call<{ total: number }>(firefox, 'bookmark-search', { query: 'cross' })).total).toBe(1);
    expect((await listing(cPage)).filter((l) => l.includes('cross.example'))).toHaveLength(1);
    expect((await mesh(admin, 'bookmark', 'list')).bookmarks).toMatchObject([{ uri: 'https://cross.example/article', title: 'Cross browser', folder: 'Reading' }]);
  });

  it('a deletion in Firefox removes it in Chromium', async () => {
    const node = await findNode(fPage, 'https://cross.example/article');
    await native(fPage, 'remove', node!.id);
    await pollUntil(async () => ((await call<{ total: number }>(firefox, 'bookmark-search', { query: 'cross' })).total === 0 ? true : undefined), 'Firefox\'s catalog to drop it', WAIT);
    await syncedUp(firefox);
    await eventually(chromium, async () => ((await findNode(cPage, 'https://cross.example/article')) ? undefined : true), 'the bookmark to leave Chromium\'s folder');
    expect((await listing(cPage)).some((l) => l.includes('cross.example'))).toBe(false);
  });

  it('`mesh bookmark add` reaches both browsers\' folders, and the CLI lists what Firefox made', async () => {
    await mesh(admin, 'bookmark', 'add', 'https://cli.example/tools', 'From the CLI', '--folder', 'Tools');
    await eventually(chromium, async () => ((await listing(cPage)).includes('Tools|From the CLI|https://cli.example/tools') ? true : undefined), 'the CLI bookmark in Chromium');
    await eventually(firefox, async () => ((await listing(fPage)).includes('Tools|From the CLI|https://cli.example/tools') ? true : undefined), 'the CLI bookmark in Firefox');
    await native(fPage, 'create', { parentId: await mirrorRoot(fPage), title: 'Fox made', url: 'https://fox.example/' });
    await pollUntil(async () => ((await call<{ total: number }>(firefox, 'bookmark-search', { query: 'fox.example' })).total === 1 ? true : undefined), 'Firefox\'s catalog to hold it', WAIT);
    await syncedUp(firefox);
    const listed = (await mesh(admin, 'bookmark', 'list')).bookmarks as { uri: string }[];
    expect(listed.map((b) => b.uri).sort()).toEqual(['https://cli.example/tools', 'https://fox.example/']);
  });

  it('concurrent native edits of one bookmark give a conflict; the popup resolves it and both folders follow', async () => {
    const url = 'https://cli.example/tools';
    await svc.stop();
    const cNode = await findNode(cPage, url);
    const fNode = await findNode(fPage, url);
    await native(cPage, 'update', cNode!.id, { title: 'Chromium title' });
    await native(fPage, 'update', fNode!.id, { title: 'Firefox title' });
    const titled = (s: ExtensionSession, title: string) =>
      pollUntil(async () => ((await call<{ items: { title: string }[] }>(s, 'bookmark-search', { query: 'cli.example' })).items[0]?.title === title ? true : undefined), `${s.browserName}'s catalog to take the native edit`, WAIT);
    await titled(chromium, 'Chromium title');
    await titled(firefox, 'Firefox title');
    // Each browser's own sync attempt has failed (and backs off), so Firefox's edit lands first below.
    for (const s of [chromium, firefox])
      await pollUntil(async () => (/offline|error/.test((await call<{ sync: SyncStatus }>(s, 'status')).sync.phase) ? true : undefined), `${s.browserName}'s sync to fail while the service is down`, WAIT);
    await svc.restart();
    await syncedUp(firefox);
    await pollUntil(async () => {
      await call(chromium, 'sync-now');
      return (await call<{ conflicts: number }>(chromium, 'status')).conflicts === 1 ? true : undefined;
    }, 'the conflict in Chromium', WAIT);
    const conflicts = await call<{ store: string; mine: Record<string, string>; theirs: Record<string, string> }[]>(chromium, 'conflicts');
    expect(conflicts).toMatchObject([{ store: 'Bookmark', mine: { Title: 'Chromium title' }, theirs: { Title: 'Firefox title' } }]);
    // While in conflict the mirror leaves Chromium's node as the user made it.
    expect((await findNode(cPage, url))?.title).toBe('Chromium title');

    // Resolve in the popup: the status line's conflicts link, then "Keep this device's".
    const popup = await chromium.openExtensionPage('popup.html');
    const raw = popup.raw as Page;
    await raw.locator('[data-testid=sync-status] button.link').click();
    await raw.getByRole('button', { name: "Keep this device's" }).click();
    await popup.waitFor(() => document.body.textContent?.includes('No conflicts') || !document.querySelector('fieldset.conflict'), undefined, WAIT);
    await popup.close();

    expect((await call<{ conflicts: number }>(chromium, 'status')).conflicts).toBe(0);
    await syncedUp(chromium);
    expect((await findNode(cPage, url))?.title).toBe('Chromium title');
    await eventually(firefox, async () => ((await findNode(fPage, url))?.title === 'Chromium title' ? true : undefined), 'the resolution in Firefox\'s folder');
    // Still one node per folder for that URL.
    expect((await listing(fPage)).filter((l) => l.includes('cli.example'))).toHaveLength(1);
    expect((await listing(cPage)).filter((l) => l.includes('cli.example'))).toHaveLength(1);
  });

  it('a native change made while Chromium\'s worker is stopped wakes it and is mirrored, once', async () => {
    const before = await chromium.backgroundInstance();
    await chromium.stopWorker();
    await native(cPage, 'create', { parentId: await mirrorRoot(cPage), title: 'Woke the worker', url: 'https://wake.example/' });
    await pollUntil(async () => ((await call<{ total: number }>(chromium, 'bookmark-search', { query: 'wake.example' })).total === 1 ? true : undefined), 'the restarted worker to mirror it', WAIT);
    expect((await chromium.backgroundInstance()).id).not.toBe(before.id);
    await syncedUp(chromium);
    await eventually(firefox, async () => ((await listing(fPage)).includes('|Woke the worker|https://wake.example/') ? true : undefined), 'the bookmark in Firefox');
    expect((await listing(cPage)).filter((l) => l.includes('wake.example'))).toHaveLength(1);
  });
});

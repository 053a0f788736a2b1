// The vault against the real Mesh Service in Chromium: connect by PIN from a CLI admin, add a login in
// the popup → synced (the CLI sees it); edit while the service is down → pending, synced after restart;
// the worker stopped after connecting comes back connected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, launchChromium, type ChromiumSession, type ExtensionSession } from './harness/index.ts';
import { startServiceProcess, type ServiceProcess } from './harness/service.ts';
import { mesh } from '../integration/cli-helpers.ts';
import { call } from './harness/vault-api.ts';
import { acceptByPin, connectByPin as connectCliAdmin } from './harness/connect-by-pin.ts';

const ACCOUNT = 'alice@mesh.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };


interface SyncStatus {
  phase: string;
  pending: number;
  lastError?: string;
}

let svc: ServiceProcess;
const admin = mkdtempSync(join(tmpdir(), 'meshpass-admin-'));
beforeAll(async () => {
  svc = await startServiceProcess();
  await mesh(admin, 'profile', 'create', '--description', 'admin');
  await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc.url);
});
afterAll(async () => {
  await svc?.dispose();
  await rm(admin, { recursive: true, force: true });
});

/** Connects the browser by a PIN the CLI admin issues, and sets the passphrase. */
async function connectByPin(s: ExtensionSession): Promise<string> {
  return (await connectCliAdmin(s, { home: admin, account: ACCOUNT, serviceUrl: svc.url }, PASS, CHEAP_KDF))!;
}

describe('vault with the real service (firefox)', () => {
  let s: ExtensionSession;
  beforeAll(async () => {
    s = await launchBrowser('firefox');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('connects by PIN, syncs a login both ways', async () => {
    await connectByPin(s);
    await call(s, 'credential-save', { input: { title: 'Fox', url: 'https://fox.example/', username: 'fx', password: 'from-firefox', notes: '' } });
    expect(await call<SyncStatus>(s, 'sync-now')).toMatchObject({ phase: 'idle', pending: 0 });
    expect((await mesh(admin, 'password', 'get', 'fox.example')).entries).toMatchObject([{ username: 'fx', password: 'from-firefox' }]);
    await mesh(admin, 'password', 'add', 'https://owl.example/', 'ow', 'from-cli');
    await call(s, 'sync-now');
    const [owl] = (await call<{ items: { id: string }[] }>(s, 'search', { query: 'owl' })).items;
    expect(await call(s, 'credential-get', { id: owl.id })).toMatchObject({ password: 'from-cli' });
  });
});

describe('vault with the real service (chromium)', () => {
  let s: ChromiumSession;
  beforeAll(async () => {
    s = await launchChromium();
  });
  afterAll(async () => {
    await s?.close();
  });

  const adminPasswords = async () => ((await mesh(admin, 'password', 'get', 'shop.example.com')) as { entries: { username: string; password: string }[] }).entries;

  it('connects by PIN, shows the account fingerprint, and syncs a login added in the popup', async () => {
    const accountUdf = ((await mesh(admin, 'device', 'list')) as { accountUdf?: string }).accountUdf;
    const step = await acceptByPin(s, { home: admin, account: ACCOUNT, serviceUrl: svc.url });
    if (accountUdf) expect(step.profileUdf).toBe(accountUdf);
    expect(step.profileUdf).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4})+/);
    const st = await call<{ phase: string; account: { address: string } }>(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF });
    expect(st).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT } });

    const popup = await s.openExtensionPage('popup.html');
    await popup.waitFor(() => !!document.querySelector('input[type=search]'));
    await popup.click('.searchbar button.primary');
    await popup.fill('#f-title', 'Shop');
    await popup.fill('#f-url', 'https://shop.example.com/login');
    await popup.fill('#f-user', 'ann');
    await popup.fill('#f-pass', 'first-secret');
    await popup.click('.editor button[type=submit]');
    await popup.waitFor(() => [...document.querySelectorAll('.row .title')].some((e) => e.textContent === 'Shop'));
    await popup.close();

    const synced = await call<SyncStatus>(s, 'sync-now');
    expect(synced, synced.lastError).toMatchObject({ phase: 'idle', pending: 0 });
    expect(await adminPasswords()).toMatchObject([{ username: 'ann', password: 'first-secret' }]);
  });

  it('keeps an edit made while the service is down and sends it once the service is back', async () => {
    const [item] = (await call<{ items: { id: string }[] }>(s, 'search', { query: 'shop' })).items;
    await svc.stop();
    await call(s, 'credential-save', { id: item.id, input: { title: 'Shop', url: 'https://shop.example.com/login', username: 'ann', password: 'second-secret', notes: '' } });
    const down = await call<SyncStatus>(s, 'sync-now');
    expect(down.phase).toMatch(/offline|error/);
    expect(down.pending).toBe(1);
    await s.stopWorker(); // and the worker restarts in between
    await svc.restart();
    const up = await call<SyncStatus>(s, 'sync-now');
    expect(up, up.lastError).toMatchObject({ phase: 'idle', pending: 0 });
    expect(await adminPasswords()).toMatchObject([{ username: 'ann', password: 'second-secret' }]);
  });

  it('a worker stopped in the middle of a sync resumes with nothing lost and nothing duplicated', async () => {
    for (let i = 0; i < 5; i++) await call(s, 'credential-save', { input: { title: `Mid ${i}`, url: 'https://mid.example/', username: `m${i}`, password: `pw${i}`, notes: '' } });
    const inFlight = call(s, 'sync-now').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    await s.stopWorker();
    await inFlight;
    const st = await call<SyncStatus>(s, 'sync-now');
    expect(st, st.lastError).toMatchObject({ phase: 'idle', pending: 0 });
    const entries = ((await mesh(admin, 'password', 'get', 'mid.example')) as { entries: { username: string }[] }).entries;
    expect(entries.map((e) => e.username).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect((await call<{ total: number }>(s, 'search', { query: 'mid.example' })).total).toBe(5);
  });

  it('receives a login the admin added', async () => {
    await mesh(admin, 'password', 'add', 'https://mail.example.org/', 'bob', 'from-cli');
    await call(s, 'sync-now');
    const found = await call<{ items: { id: string; username: string }[] }>(s, 'search', { query: 'mail.example' });
    expect(found.items).toMatchObject([{ username: 'bob' }]);
    expect(await call(s, 'credential-get', { id: found.items[0].id })).toMatchObject({ password: 'from-cli' });
  });

  it('shows a same-field conflict with another device, and the user choice wins everywhere', async () => {
    const [item] = (await call<{ items: { id: string }[] }>(s, 'search', { query: 'shop' })).items;
    // The admin changes the password and syncs; this browser changed it too, before seeing that.
    await svc.stop();
    await call(s, 'credential-save', { id: item.id, input: { title: 'Shop', url: 'https://shop.example.com/login', username: 'ann', password: 'browser-choice', notes: '' } });
    await svc.restart();
    await mesh(admin, 'password', 'add', 'https://shop.example.com/login', 'ann', 'cli-choice');
    await call(s, 'sync-now');
    const conflicts = await call<{ id: string; store: string; mine: Record<string, string>; theirs: Record<string, string> }[]>(s, 'conflicts');
    expect(conflicts).toMatchObject([{ id: item.id, store: 'Credential', mine: { Password: 'browser-choice' }, theirs: { Password: 'cli-choice' } }]);
    expect((await call<{ conflicts: number }>(s, 'status')).conflicts).toBe(1);
    await call(s, 'conflict-resolve', { id: item.id, store: 'Credential', choice: { keep: 'mine' } });
    const st = await call<SyncStatus>(s, 'sync-now');
    expect(st, st.lastError).toMatchObject({ phase: 'idle', pending: 0 });
    expect((await call<{ conflicts: number }>(s, 'status')).conflicts).toBe(0);
    expect(await adminPasswords()).toMatchObject([{ username: 'ann', password: 'browser-choice' }]);
  });
});

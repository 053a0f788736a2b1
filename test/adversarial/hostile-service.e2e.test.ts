// A hostile Mesh Service against the extension (Chromium, test build): the browser talks to the real
// service through hostile-proxy.ts, which holds the service keys (valid response MACs). For every
// attack: the sync fails, nothing from the answer is applied (the popup's list is unchanged), the
// status carries a security warning naming the store and the popup shows it; the next honest sync
// brings the real data. Connect answered with another account's profile never connects the browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, pollUntil, type ChromiumSession, type ExtensionSession } from '../e2e/harness/index.ts';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { mesh } from '../integration/cli-helpers.ts';
import { buildEntryFrame } from '../../src/mesh/catalog/frame.ts';
import { credentialFields } from '../../src/mesh/catalog/credential.ts';
import { storeKeys } from '../../src/mesh/device.ts';
import { nonceUdf } from '../../src/mesh/protocol/fingerprints.ts';
import { loadDevice } from '../../src/cli/home.ts';
import { edKey } from '../integration/service-fixtures.ts';
import { startHostileProxy, type Attack, type HostileProxy } from './hostile-proxy.ts';
import { recordCase } from './summary.ts';
import { call } from '../e2e/harness/vault-api.ts';
import { connectByPin } from '../e2e/harness/connect-by-pin.ts';

const ACCOUNT = 'alice@hostile-browser.test';
const OTHER = 'mallory@hostile-browser.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };

interface SyncStatus {
  phase: string;
  pending: number;
  lastError?: string;
}
interface Status {
  phase: string;
  sync: SyncStatus;
  warnings: { store: string; message: string }[];
}
interface ConnectStep {
  step: string;
  profileUdf?: string;
  error?: string;
}

let svc: ServiceProcess;
let proxy: HostileProxy;
const dirs: string[] = [];
const home = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `meshpass-hostile-e2e-${name}-`));
  dirs.push(d);
  return d;
};
const admin = home('admin');
let accountUdf = '';
let counter = 0;

beforeAll(async () => {
  svc = await startServiceProcess();
  proxy = await startHostileProxy(svc.url, svc.dataDir);
  await mesh(admin, 'profile', 'create', '--description', 'admin');
  accountUdf = (await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc.url)).accountUdf;
  await mesh(admin, 'password', 'add', 'https://first.example/', 'first', 'pw-first');
});
afterAll(async () => {
  await proxy?.close();
  await svc?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The admin (talking to the service directly) adds logins the browser has not seen. */
async function adminAdds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await mesh(admin, 'password', 'add', `https://w${++counter}.example/`, `w${counter}`, `pw-${counter}`);
}

/** The admin adds logins in one upload, so every Download the browser makes holds all of them or none. */
async function adminAddsAtOnce(n: number): Promise<void> {
  const rows = ['name,url,username,password,note'];
  for (let i = 0; i < n; i++) rows.push(`w${++counter},https://w${counter}.example/,w${counter},pw-${counter},`);
  const file = join(home('csv'), 'logins.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  const applied = await mesh(admin, 'password', 'import', file);
  if (applied.added !== n) throw new Error(`the admin import added ${applied.added} of ${n}`);
}

const total = async (s: ExtensionSession) => (await call<{ total: number }>(s, 'search', { query: '.example' })).total;

describe('a hostile service against the extension (chromium)', () => {
  let s: ChromiumSession;
  beforeAll(async () => {
    s = await launchChromium();
  });
  afterAll(async () => {
    await s?.close();
  });

  it("Connect answered with another account's profile: the wrong fingerprint is shown and the browser never connects", async () => {
    let passed = false;
    try {
      const other = home('other');
      await mesh(other, 'profile', 'create', '--description', 'mallory');
      const otherUdf = (await mesh(other, 'account', 'create', OTHER, '--service', svc.url)).accountUdf;
      const { pin } = await mesh(admin, 'device', 'pin');
      proxy.set({ kind: 'wrong-profile', profile: loadDevice(other).account!.profileUser });
      await call(s, 'connect-start', { address: ACCOUNT, pin, serviceUrl: proxy.url });
      const shown = await pollUntil(async () => {
        const st = await call<ConnectStep>(s, 'connect-state');
        return st.profileUdf || st.step === 'failed' ? st : undefined;
      }, 'the account fingerprint', 30_000);
      expect(proxy.applied).toBe(1);
      expect(shown.profileUdf).toBe(otherUdf);
      expect(shown.profileUdf).not.toBe(accountUdf);
      // The real administrator answers the real request; completing it against the substituted
      // profile fails (the administrator signatures do not match), so nothing is installed.
      const failed = await pollUntil(async () => {
        await mesh(admin, 'profile', 'sync');
        const st = await call<ConnectStep>(s, 'connect-state');
        return st.step === 'failed' ? st : st.step === 'choose-passphrase' ? st : undefined;
      }, 'the connection to fail', 45_000);
      expect(failed.step).toBe('failed');
      expect(failed.error).toMatch(/answers another request|is not the one confirmed/);
      expect((await call<{ phase: string; account?: unknown }>(s, 'status')).account).toBeUndefined();
      passed = true;
    } finally {
      proxy.set(undefined);
      await call(s, 'connect-cancel').catch(() => undefined);
      recordCase('hostile-service', 'extension: wrong account profile on Connect', { detected: passed, invariants: 4, passed });
    }
  });

  it('connects through the proxy when it behaves', async () => {
    expect(await connectByPin(s, { home: admin, account: ACCOUNT, serviceUrl: proxy.url }, PASS, CHEAP_KDF)).toBe(accountUdf);
    const st = await call<SyncStatus>(s, 'sync-now');
    expect(st, st.lastError).toMatchObject({ phase: 'idle' });
    await adminAdds(2);
    expect(await call<SyncStatus>(s, 'sync-now')).toMatchObject({ phase: 'idle' });
    expect(await total(s)).toBe(counter + 1);
  });

  const injected = (): Attack => ({
    kind: 'inject',
    build: async (index) => {
      const uniqueId = nonceUdf();
      const fields = { ...credentialFields({ site: 'https://evil.example/', username: 'evil', password: 'planted' }), Uid: uniqueId };
      return buildEntryFrame({ store: 'Credential', uniqueId, event: 'New', previous: 0, modified: '2026-01-01T00:00:00Z', frameId: nonceUdf(), indexHint: index, fields }, { recipient: storeKeys(loadDevice(admin), 'Credential').write!.recipient, signer: edKey().signer });
    },
  });
  const attacks: [string, () => Attack, RegExp?, 'one by one'?][] = [
    ['alter (a flipped bit)', () => ({ kind: 'flip' })],
    // Edits uploaded one by one carry their own signatures; an upload of several is signed by its batch
    // frame, whose digest then no longer matches.
    ['alter, digests forged', () => ({ kind: 'flip', forge: true }), /not signed by a device/, 'one by one'],
    ['alter a batch, digests forged', () => ({ kind: 'flip', forge: true }), /batch frame \d+ does not match/],
    ['reorder', () => ({ kind: 'reorder' })],
    ['drop', () => ({ kind: 'drop' })],
    ['truncate', () => ({ kind: 'truncate' })],
    ['rollback', () => ({ kind: 'rollback' }), /rollback/],
    ['replay of a verified frame', () => ({ kind: 'replay' }), /replay/],
    ['injected frame, unknown signer', injected, /not signed by a device/],
  ];
  it("this browser's own accepted edits reordered, digests forged: detected, kept, sent once", async () => {
    let passed = false;
    try {
      await call(s, 'dismiss-warnings');
      const before = await total(s);
      proxy.set({ kind: 'reorder', forge: true }, 'Credential');
      for (let i = 0; i < 2; i++) {
        const u = `own${++counter}`;
        await call(s, 'credential-save', { input: { title: u, url: `https://${u}.example/`, username: u, password: `pw-${counter}`, notes: '' } });
      }
      const st = await call<SyncStatus>(s, 'sync-now');
      const applied = proxy.applied;
      proxy.set(undefined);
      expect(applied, 'the attack was carried out').toBeGreaterThan(0);
      expect(st.lastError).toMatch(/Credential: the service moved [12] edit/); // with their batch frame, the last two frames are one edit and the signature
      expect((await call<Status>(s, 'status')).warnings.some((w) => w.store === 'Credential')).toBe(true);
      expect(await total(s), 'the edits are still shown (pending)').toBe(before + 2);
      const ok = await call<SyncStatus>(s, 'sync-now');
      expect(ok, ok.lastError).toMatchObject({ phase: 'idle', pending: 0 });
      expect(await total(s)).toBe(before + 2);
      const onService = ((await mesh(admin, 'password', 'list')) as { entries: { username: string }[] }).entries.filter((e) => e.username.startsWith('own'));
      expect(onService.map((e) => e.username).sort()).toEqual([`own${counter - 1}`, `own${counter}`].sort());
      passed = true;
    } finally {
      proxy.set(undefined);
      recordCase('hostile-service', 'extension: own accepted edits reordered, forged', { detected: passed, invariants: 5, passed });
    }
  });

  for (const [name, attack, message, uploads] of attacks) {
    it(`${name}: detected, nothing applied, a warning naming Credential`, async () => {
      let passed = false;
      try {
        const before = await total(s);
        await call(s, 'dismiss-warnings');
        // Armed before the admin adds, and (unless the attack works on a single frame) the adds made in one
        // upload: a sync the browser starts on its own (its alarm, a debounce) meets the attack with both
        // frames, never with one frame it cannot reorder.
        proxy.set(attack(), 'Credential');
        await (uploads === 'one by one' ? adminAdds(2) : adminAddsAtOnce(2));
        const st = await call<SyncStatus>(s, 'sync-now');
        const applied = proxy.applied;
        proxy.set(undefined);
        expect(applied, 'the attack was carried out').toBeGreaterThan(0);
        expect(st.phase).toBe('error');
        expect(st.lastError).toMatch(/Credential/);
        if (message) expect(st.lastError).toMatch(message);
        expect(await total(s), 'nothing applied').toBe(before);
        const status = await call<Status>(s, 'status');
        expect(status.warnings.some((w) => w.store === 'Credential' && /Credential/.test(w.message)), JSON.stringify(status.warnings)).toBe(true);
        if (name === 'rollback') {
          // The popup shows it (once is enough: the popup renders status.warnings).
          const popup = await s.openExtensionPage('popup.html');
          await popup.waitFor(() => [...document.querySelectorAll('.warning li strong')].some((e) => e.textContent === 'Credential'));
          await popup.close();
        }
        // The honest service again.
        const ok = await call<SyncStatus>(s, 'sync-now');
        expect(ok, ok.lastError).toMatchObject({ phase: 'idle' });
        expect(await total(s)).toBe(before + 2);
        passed = true;
      } finally {
        proxy.set(undefined);
        recordCase('hostile-service', `extension: ${name}`, { detected: passed, invariants: 4, passed });
      }
    });
  }
});

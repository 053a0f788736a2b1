// End to end with the real service process and three CLI devices (separate homes): account
// creation, a device by PIN, a device by verification code, sync, a conflict, removal, privacy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { mesh, meshProcess } from './cli-helpers.ts';

const ACCOUNT = 'alice@mesh.test';
const SITE = 'shop.example.org';
const USER = 'walrus.user';
const SECRETS = ['pw-Initial-1', 'pw-FromB-2', 'pw-FromC-3'];

let svc: ServiceProcess;
const homes: string[] = [];
const home = () => {
  const h = mkdtempSync(join(tmpdir(), 'mesh-home-'));
  homes.push(h);
  return h;
};

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  svc = await startServiceProcess();
}, 30_000);

afterAll(async () => {
  await svc?.dispose();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('mesh CLI against the real service', () => {
  it('connects devices by PIN and by verification code, syncs, resolves a conflict, removes a device', async () => {
    const A = home();
    const B = home();
    const C = home();
    const created = await mesh(A, 'profile', 'create', '--description', 'admin laptop');
    const acct = await mesh(A, 'account', 'create', ACCOUNT, '--service', svc.url);
    expect(acct.accountUdf).toBe(created.accountUdf);
    expect(statSync(join(A, 'device.json')).mode & 0o777).toBe(0o600);

    // Escrow and recovery give back the same profile.
    const escrow = await mesh(A, 'profile', 'escrow', '--shares', '3', '--quorum', '2');
    expect(escrow.shares).toHaveLength(3);
    const recovered = await mesh(home(), 'profile', 'recover', escrow.shares[2], escrow.shares[0]);
    expect(recovered.accountUdf).toBe(acct.accountUdf);

    // B by PIN: a real `mesh device request` process waits while the admin syncs.
    const { uri } = await mesh(A, 'device', 'pin');
    expect(uri).toContain(`?udf=${acct.accountUdf}`);
    const request = meshProcess(B, 'device', 'request', uri, '--service', svc.url, '--interval-ms', '150', '--timeout', '60', '--json');
    let done = false;
    void request.then(() => (done = true));
    while (!done) {
      await mesh(A, 'profile', 'sync');
      await new Promise((r) => setTimeout(r, 150));
    }
    const rb = await request;
    expect(rb.code, rb.stderr).toBe(0);
    const connectedB = JSON.parse(rb.stdout);
    expect(connectedB).toMatchObject({ status: 'connected', address: ACCOUNT, accountUdf: acct.accountUdf });

    // C by verification code: request, the admin sees the same code, accepts.
    const rc = await mesh(C, 'device', 'request', ACCOUNT, '--service', svc.url, '--no-wait');
    expect(rc.status).toBe('pending');
    const pending = await mesh(A, 'device', 'pending');
    expect(pending.requests.map((r: { witness: string }) => r.witness)).toContain(rc.witness);
    await mesh(A, 'device', 'accept', rc.witness);
    const cc = await mesh(C, 'device', 'complete', '--interval-ms', '100', '--timeout', '20');
    expect(cc.status).toBe('connected');

    // A wrong PIN is refused at once.
    const D = home();
    await mesh(D, 'device', 'request', ACCOUNT, '--service', svc.url, '--pin', 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG', '--no-wait');
    const sync = await mesh(A, 'profile', 'sync');
    expect(sync.refused.map((r: { result: string }) => r.result)).toEqual(['PinInvalid']);
    await expect(mesh(D, 'device', 'complete', '--interval-ms', '100', '--timeout', '5')).rejects.toThrow(/PIN is wrong/);

    // A device told which account profile to expect refuses another one.
    await expect(mesh(home(), 'device', 'request', ACCOUNT, '--service', svc.url, '--account-udf', 'MBQC-7OHA-RNBA-FRDL-R4GI-YQHA-DL36', '--no-wait')).rejects.toThrow(/not the expected/);

    // A password added on A is read on B (matched by base domain).
    await mesh(A, 'password', 'add', `https://${SITE}/login`, USER, SECRETS[0]);
    const got = await mesh(B, 'password', 'get', `www.example.org`);
    expect(got.entries).toHaveLength(1);
    expect(got.entries[0]).toMatchObject({ username: USER, password: SECRETS[0] });
    // B verified and installed its device record from Status, and keeps its digest.
    const stateB = JSON.parse(readFileSync(join(B, 'device.json'), 'utf8'));
    expect(stateB.account.catalogedDeviceDigest).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}-[A-Z2-7]{2}$/);
    expect(stateB.account.roles).toEqual(['web']);
    await mesh(C, 'profile', 'sync');

    // Concurrent edits of the same password on B and C: a conflict keeping both values.
    await mesh(C, 'password', 'add', SITE, USER, SECRETS[2], '--no-sync');
    await mesh(B, 'password', 'add', SITE, USER, SECRETS[1]);
    const cSync = await mesh(C, 'profile', 'sync');
    expect(cSync.stores.find((s: { store: string }) => s.store === 'Credential').conflicts).toBe(1);
    const onC = await mesh(C, 'password', 'get', SITE);
    expect(onC.entries[0].password).toBe(SECRETS[1]);
    expect(onC.conflicts).toHaveLength(1);
    expect(onC.conflicts[0].local.password).toBe(SECRETS[2]);
    expect(onC.conflicts[0].remote.password).toBe(SECRETS[1]);
    await mesh(C, 'password', 'resolve', onC.conflicts[0].id, '--keep', 'local');
    const onB = await mesh(B, 'password', 'get', SITE);
    expect(onB.entries[0].password).toBe(SECRETS[2]);
    expect(onB.conflicts).toHaveLength(0);

    // Bookmarks travel the same way.
    await mesh(B, 'bookmark', 'add', 'https://news.example.net/', 'News');
    expect((await mesh(A, 'bookmark', 'list')).bookmarks.map((b: { uri: string }) => b.uri)).toContain('https://news.example.net/');

    // Removal: C can no longer sync, and the real CLI reports it on one line with a non-zero exit.
    const list = await mesh(A, 'device', 'list');
    expect(list.devices).toHaveLength(3);
    await mesh(A, 'device', 'remove', cc.deviceUdf);
    await expect(mesh(C, 'profile', 'sync')).rejects.toMatchObject({ code: 'auth' });
    const refused = await meshProcess(C, 'password', 'list', '--json');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(refused.stdout).code).toBe('auth');
    expect((await mesh(A, 'device', 'list')).devices).toHaveLength(2);

    // The service's data directory holds none of the plaintext.
    for (const f of filesUnder(svc.dataDir)) {
      const text = readFileSync(f).toString('latin1');
      for (const s of [SITE, 'example.org', USER, ...SECRETS, 'news.example.net']) expect(text.includes(s), `${s} in ${f}`).toBe(false);
    }
  }, 120_000);
});

// A new Mesh created from Chromium: recovery shares shown and checked, this browser becomes the
// administrator; the mesh CLI then connects as a device by a PIN issued in the browser, and another by
// verification code accepted in the browser; a login crosses both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, pollUntil, type ChromiumSession } from './harness/index.ts';
import { startServiceProcess, type ServiceProcess } from './harness/service.ts';
import { mesh, meshProcess } from '../integration/cli-helpers.ts';
import { call } from './harness/vault-api.ts';

const ACCOUNT = 'carol@mesh.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };


describe('a new Mesh created in the browser (chromium)', () => {
  let svc: ServiceProcess;
  let s: ChromiumSession;
  const homes: string[] = [];
  const home = () => {
    const h = mkdtempSync(join(tmpdir(), 'meshpass-cli-'));
    homes.push(h);
    return h;
  };
  beforeAll(async () => {
    svc = await startServiceProcess();
    s = await launchChromium();
  });
  afterAll(async () => {
    await s?.close();
    await svc?.dispose();
    for (const h of homes) await rm(h, { recursive: true, force: true });
  });

  it('creates the Mesh, checks that a share was kept, and becomes the administrator', async () => {
    const step = await call<{ step: string; shares: string[]; quorum: number; profileUdf: string; error?: string }>(s, 'create-start', { address: ACCOUNT, serviceUrl: svc.url });
    expect(step.step, step.error).toBe('shares');
    expect(step.shares).toHaveLength(3);
    expect(step.quorum).toBe(2);
    await expect(call(s, 'create-confirm', { share: 'NOT-A-SHARE' })).rejects.toThrow(/not one of the recovery shares/);
    await expect(call(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).rejects.toThrow(/recovery shares/);
    expect(await call(s, 'create-confirm', { share: step.shares[1].toLowerCase() })).toMatchObject({ step: 'choose-passphrase', profileUdf: step.profileUdf });
    expect(await call(s, 'setup', { passphrase: PASS, kdf: CHEAP_KDF })).toMatchObject({ phase: 'unlocked', account: { address: ACCOUNT, profileUdf: step.profileUdf } });
    // The shares restore the same profile (the CLI's recovery).
    const recovered = await mesh(home(), 'profile', 'recover', step.shares[0], step.shares[2]);
    expect(recovered.accountUdf).toBe(step.profileUdf);
    const devices = await call<{ admin: boolean; devices: { self: boolean; roles: string[] }[] }>(s, 'devices');
    expect(devices.admin).toBe(true);
    expect(devices.devices).toMatchObject([{ self: true }]);
  });

  it('connects the CLI by a PIN issued in the browser; logins cross both ways', async () => {
    const { pin, uri } = await call<{ pin: string; uri: string }>(s, 'device-pin');
    expect(uri).toContain(pin.replace(/-/g, '').slice(0, 4));
    const B = home();
    const request = meshProcess(B, 'device', 'request', ACCOUNT, '--pin', pin, '--service', svc.url, '--interval-ms', '150', '--timeout', '60', '--json');
    let done = false;
    void request.then(() => (done = true));
    await pollUntil(async () => {
      await call(s, 'devices'); // answers PIN requests automatically
      return done ? true : undefined;
    }, 'the CLI to connect', 60_000);
    const r = await request;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'connected', address: ACCOUNT });

    await call(s, 'credential-save', { input: { title: 'Bank', url: 'https://bank.example/login', username: 'carol', password: 'from-browser', notes: '' } });
    await call(s, 'sync-now');
    expect((await mesh(B, 'password', 'get', 'bank.example')).entries).toMatchObject([{ username: 'carol', password: 'from-browser' }]);
    await mesh(B, 'password', 'add', 'https://news.example/', 'carol', 'from-cli');
    await call(s, 'sync-now');
    const found = await call<{ items: { id: string }[] }>(s, 'search', { query: 'news' });
    expect(await call(s, 'credential-get', { id: found.items[0].id })).toMatchObject({ password: 'from-cli' });
  });

  it('accepts a device by its verification code, and removes it', async () => {
    const C = home();
    const rc = await mesh(C, 'device', 'request', ACCOUNT, '--service', svc.url, '--no-wait');
    expect(rc.status).toBe('pending');
    const waiting = await call<{ pending: { id: string; witness: string }[] }>(s, 'devices');
    const req = waiting.pending.find((p) => p.witness === rc.witness);
    expect(req).toBeDefined();
    await call(s, 'device-accept', { id: req!.id });
    const cc = await mesh(C, 'device', 'complete', '--interval-ms', '100', '--timeout', '20');
    expect(cc.status).toBe('connected');
    const list = await call<{ devices: { id: string; self: boolean; active: boolean }[] }>(s, 'devices');
    expect(list.devices.filter((d) => !d.self && d.active)).toHaveLength(2);
    const c = list.devices.find((d) => d.id === cc.deviceUdf)!;
    await call(s, 'device-remove', { id: c.id });
    await expect(mesh(C, 'password', 'list')).rejects.toThrow();
  });
});

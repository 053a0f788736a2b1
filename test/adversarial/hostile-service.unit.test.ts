// A hostile Mesh Service against the CLI and the shared sync engine (node, real service process).
// The proxy (hostile-proxy.ts) holds the service's keys, so its altered answers carry valid response
// MACs. For every attack: the sync fails with a MeshError naming the store (the CLI prints it as its
// one-line error), nothing from the answer is applied, and the next honest sync converges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshError } from '../../src/mesh/errors.ts';
import { buildEntryFrame } from '../../src/mesh/catalog/frame.ts';
import { credentialFields } from '../../src/mesh/catalog/credential.ts';
import { storeKeys } from '../../src/mesh/device.ts';
import { nonceUdf } from '../../src/mesh/protocol/fingerprints.ts';
import type { RecipientKey } from '../../src/mesh/dare/recipients.ts';
import { loadDevice, openSession } from '../../src/cli/home.ts';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { mesh, meshProcess } from '../integration/cli-helpers.ts';
import { edKey, xKey } from '../integration/service-fixtures.ts';
import { startHostileProxy, type Attack, type HostileProxy } from './hostile-proxy.ts';
import { recordCase } from './summary.ts';

const ACCOUNT = 'alice@hostile.test';
const OTHER = 'mallory@hostile.test';
const STORE = 'Credential';

let svc: ServiceProcess;
let proxy: HostileProxy;
const dirs: string[] = [];
const home = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `meshpass-hostile-${name}-`));
  dirs.push(d);
  return d;
};
/** The writer: the account's administration device, talking to the service directly. */
const W = home('writer');
/** The victim: a second device of the account, talking to the service through the hostile proxy. */
const R = home('reader');
let accountUdf = '';
let counter = 0;

async function writerAdds(n: number): Promise<void> {
  const s = await openSession(W);
  await s.sync();
  await s.addCredentials(Array.from({ length: n }, () => ({ site: `https://w${++counter}.example/`, username: `w${counter}`, password: `pw-${counter}` })));
  const r = await s.sync();
  expect(r.complete).toBe(true);
}

/** What R has confirmed (frames it verified, the catalog it replayed): never touched by an attack. */
async function confirmed(h: string) {
  const s = await openSession(h);
  const r = s.replica(STORE);
  const live = r.catalog.live().map((c) => `${c.fields?.Username}:${c.fields?.Password}`).sort();
  return { count: r.count, apex: r.state.apex, live };
}

async function liveOf(h: string): Promise<string[]> {
  return (await confirmed(h)).live;
}

async function syncError(h: string): Promise<unknown> {
  return mesh(h, 'profile', 'sync').then(() => undefined, (e: unknown) => e);
}

beforeAll(async () => {
  svc = await startServiceProcess();
  proxy = await startHostileProxy(svc.url, svc.dataDir);
  await mesh(W, 'profile', 'create', '--description', 'writer');
  accountUdf = (await mesh(W, 'account', 'create', ACCOUNT, '--service', svc.url)).accountUdf;
  await mesh(W, 'password', 'add', 'https://first.example/', 'first', 'pw-first');
  const { pin } = await mesh(W, 'device', 'pin');
  await mesh(R, 'device', 'request', ACCOUNT, '--pin', pin, '--service', proxy.url, '--no-wait', '--description', 'reader');
  await mesh(W, 'profile', 'sync');
  await mesh(R, 'device', 'complete', '--interval-ms', '100', '--timeout', '60');
  await mesh(R, 'profile', 'sync'); // the proxy records this first history (rollback material)
  await writerAdds(2);
  await mesh(R, 'profile', 'sync');
  expect(await liveOf(R)).toEqual(await liveOf(W));
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await svc?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A well-formed entry frame signed by a key the account does not have. */
function forgedFrame(index: number, recipient: RecipientKey) {
  const uniqueId = nonceUdf();
  const fields = { ...credentialFields({ site: 'https://evil.example/', username: 'evil', password: 'planted' }), Uid: uniqueId };
  return buildEntryFrame({ store: STORE, uniqueId, event: 'New', previous: 0, modified: '2026-01-01T00:00:00Z', frameId: nonceUdf(), indexHint: index, fields }, { recipient, signer: edKey().signer });
}

interface CaseOptions {
  prepare?: () => Promise<void>;
  codes?: string[];
  message?: RegExp;
}

/** One attack on R's next sync: detected (MeshError naming the store), nothing applied, then recovery. */
async function attackCase(name: string, attack: Attack, opts: CaseOptions = {}): Promise<void> {
  let passed = false;
  try {
    await (opts.prepare ?? (() => writerAdds(2)))();
    const before = await confirmed(R);
    proxy.set(attack, STORE);
    const err = await syncError(R);
    const applied = proxy.applied;
    proxy.set(undefined);
    expect(applied, `the attack was carried out (${String(err)}; ${proxy.seen.slice(-8).join(",")})`).toBeGreaterThan(0);
    expect(err, 'the sync failed').toBeInstanceOf(MeshError);
    const e = err as MeshError;
    expect(opts.codes ?? ['integrity', 'rollback']).toContain(e.code);
    expect(e.message).toMatch(opts.message ?? /Credential/);
    expect(await confirmed(R), 'nothing from the hostile answer was applied').toEqual(before);
    // The honest service again: everything arrives once, R and W converge.
    await mesh(R, 'profile', 'sync');
    await mesh(W, 'profile', 'sync');
    const [r, w] = [await liveOf(R), await liveOf(W)];
    expect(r).toEqual(w);
    expect(new Set(r).size, 'no duplicate').toBe(r.length);
    passed = true;
  } finally {
    recordCase('hostile-service', `cli: ${name}`, { detected: passed, invariants: 4, passed });
  }
}

describe('a hostile service against the CLI (through the proxy, valid response MACs)', () => {
  it('a flipped bit in a frame', () => attackCase('flip', { kind: 'flip' }));
  it('a flipped bit with payload and tree digests recomputed (only the signature is left)', () => attackCase('flip, digests forged', { kind: 'flip', forge: true }));
  it('two frames reordered', () => attackCase('reorder', { kind: 'reorder' }));
  it('a frame dropped from the middle', () => attackCase('drop', { kind: 'drop' }));
  it('the run truncated and announced as complete', () => attackCase('truncate', { kind: 'truncate' }));
  it('an older Status and Download served again (rollback)', () => attackCase('rollback', { kind: 'rollback' }, { codes: ['rollback'] }));
  it('an older Download answer served again', () => attackCase('stale download', { kind: 'stale-download' }));
  it('a frame already verified replayed as a new one', () => attackCase('replay', { kind: 'replay' }, { codes: ['rollback'] }));
  it('a frame encrypted to the store key but signed by an unknown key', () =>
    attackCase('inject, unknown signer', {
      kind: 'inject',
      build: async (index) => {
        const write = storeKeys(loadDevice(W), STORE).write!;
        return forgedFrame(index, write.recipient);
      },
    }));
  it('a frame encrypted and signed by unknown keys', () =>
    attackCase('inject, unknown keys', {
      kind: 'inject',
      build: async (index) => {
        const x = xKey();
        return forgedFrame(index, { kid: x.kid, crv: 'X448', public: x.pub });
      },
    }));
  it('answers stripped of their MAC (a tamperer without the service key)', () => attackCase('strip MAC', { kind: 'strip-mac' }, { codes: ['auth'], message: /not authenticated/ }));

  const ownEdits = async () => {
    const s = await openSession(R);
    await s.addCredentials([{ site: `https://r${++counter}.example/`, username: `r${counter}`, password: `pw-${counter}` }, { site: `https://r${++counter}.example/`, username: `r${counter}`, password: `pw-${counter}` }]);
  };
  it("this device's own accepted edits reordered, digests forged", () => attackCase('own edits reordered, forged', { kind: 'reorder', forge: true }, { prepare: ownEdits, message: /Credential: the service moved/ }));
  it("this device's own accepted edit dropped, digests forged", () => attackCase('own edit dropped, forged', { kind: 'drop', which: 'first', forge: true }, { prepare: ownEdits, message: /Credential: the service dropped/ }));

  it('the mesh process prints one clear line and exits non-zero', async () => {
    let passed = false;
    try {
      await writerAdds(1);
      const before = await confirmed(R);
      proxy.set({ kind: 'flip', forge: true }, STORE);
      const out = await meshProcess(R, 'profile', 'sync');
      proxy.set(undefined);
      expect(out.code).not.toBe(0);
      const lines = out.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Credential: (batch )?frame \d+ is not signed by a device of the account/);
      expect(await confirmed(R)).toEqual(before);
      await mesh(R, 'profile', 'sync');
      passed = true;
    } finally {
      recordCase('hostile-service', 'cli process: flip, digests forged', { detected: passed, invariants: 3, passed });
    }
  }, 60_000);

  it("Connect answered with another account's profile: refused with the account fingerprint, never completed", async () => {
    let passed = false;
    try {
      const C = home('other-admin');
      await mesh(C, 'profile', 'create', '--description', 'mallory');
      const other = await mesh(C, 'account', 'create', OTHER, '--service', svc.url);
      const profile = loadDevice(C).account!.profileUser;
      expect(other.accountUdf).not.toBe(accountUdf);

      // With the account fingerprint from the connection URI / QR code: refused at once.
      const D1 = home('new-1');
      const { pin, uri } = await mesh(W, 'device', 'pin');
      proxy.set({ kind: 'wrong-profile', profile });
      const err = await mesh(D1, 'device', 'request', uri, '--service', proxy.url, '--no-wait').then(() => undefined, (e: unknown) => e);
      expect(proxy.applied).toBe(1);
      expect(err).toBeInstanceOf(MeshError);
      expect((err as MeshError).code).toBe('auth');
      expect((err as MeshError).message).toMatch(/answered for account profile .* not the expected/);
      expect(loadDevice(D1).account).toBeUndefined();

      // Without it: the fingerprint shown is not the account's, and completion fails (the
      // administrator's signatures do not match the substituted profile); nothing is installed.
      const D2 = home('new-2');
      const { pin: pin2 } = await mesh(W, 'device', 'pin');
      proxy.set({ kind: 'wrong-profile', profile });
      const shown = await mesh(D2, 'device', 'request', ACCOUNT, '--pin', pin2, '--service', proxy.url, '--no-wait');
      expect(shown.accountUdf).toBe(other.accountUdf);
      expect(shown.accountUdf).not.toBe(accountUdf);
      await mesh(W, 'profile', 'sync'); // the real administrator answers the real request
      const done = await mesh(D2, 'device', 'complete', '--interval-ms', '100', '--timeout', '20').then(() => undefined, (e: unknown) => e);
      proxy.set(undefined);
      expect(done).toBeInstanceOf(Error);
      expect(String((done as Error).message)).toMatch(/answers another request|is not the one confirmed/);
      expect(loadDevice(D2).account).toBeUndefined();
      expect(existsSync(join(D2, 'stores'))).toBe(false);
      void pin;
      passed = true;
    } finally {
      proxy.set(undefined);
      recordCase('hostile-service', 'cli: wrong account profile on Connect', { detected: passed, invariants: 5, passed });
    }
  }, 90_000);
});

// Faults in the browser (Chromium, test build, real service behind a pass-through proxy used only to
// see where a sync is): the MV3 worker stopped at random points of a sync, and the browser closed
// with pending edits (one of them in a Transact the service applied but never answered to the
// browser), then relaunched on the same profile. Invariants: every edit on the service exactly once,
// the browser and the CLI device hold the same logins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, pollUntil, type ChromiumSession, type ExtensionSession } from '../e2e/harness/index.ts';
import { startServiceProcess, type ServiceProcess } from '../e2e/harness/service.ts';
import { mesh } from '../integration/cli-helpers.ts';
import { startHostileProxy, type HostileProxy } from './hostile-proxy.ts';
import { isSoak, recordCase } from './summary.ts';
import { call } from '../e2e/harness/vault-api.ts';
import { connectByPin } from '../e2e/harness/connect-by-pin.ts';

const ACCOUNT = 'dave@faults-browser.test';
const PASS = 'correct horse battery';
const CHEAP_KDF = { m: 256, t: 1, p: 1 };
const RUNS = isSoak() ? 20 : 4;

interface SyncStatus {
  phase: string;
  pending: number;
  lastError?: string;
}

let svc: ServiceProcess;
let proxy: HostileProxy;
const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `meshpass-faults-e2e-${name}-`));
  dirs.push(d);
  return d;
};
const admin = tmp('admin');
const profileDir = tmp('chromium-profile');
/** username → password of every login the browser saved. */
const expected = new Map<string, string>();
let counter = 0;

beforeAll(async () => {
  svc = await startServiceProcess();
  proxy = await startHostileProxy(svc.url, svc.dataDir);
  await mesh(admin, 'profile', 'create', '--description', 'admin');
  await mesh(admin, 'account', 'create', ACCOUNT, '--service', svc.url);
});
afterAll(async () => {
  await proxy?.close();
  await svc?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function save(s: ExtensionSession, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const u = `f${++counter}`;
    expected.set(u, `pw-${counter}`);
    await call(s, 'credential-save', { input: { title: u, url: `https://${u}.faults.example/`, username: u, password: `pw-${counter}`, notes: '' } });
  }
}

/** Syncs until idle with nothing pending (manual syncs ignore the back-off). */
async function settle(s: ExtensionSession): Promise<void> {
  await pollUntil(async () => {
    const st = await call<SyncStatus>(s, 'sync-now');
    return st.phase === 'idle' && st.pending === 0 ? st : undefined;
  }, 'a complete sync', 60_000);
}

/** The invariants; returns how many were checked. */
async function checkInvariants(s: ExtensionSession): Promise<number> {
  await settle(s);
  const entries = ((await mesh(admin, 'password', 'list')) as { entries: { host: string; username: string }[] }).entries.filter((e) => e.host.endsWith('.faults.example'));
  const names = entries.map((e) => e.username).sort();
  expect(new Set(names).size, 'no duplicate on the service').toBe(names.length);
  expect(names, 'no edit lost').toEqual([...expected.keys()].sort());
  const found = await call<{ items: { id: string; username: string }[]; total: number }>(s, 'search', { query: 'faults.example', limit: 1000 });
  expect(found.total, 'the browser holds the same logins').toBe(expected.size);
  const probe = found.items[Math.floor(Math.random() * found.items.length)];
  expect(await call(s, 'credential-get', { id: probe.id })).toMatchObject({ password: expected.get(probe.username) });
  return 4;
}

describe('faults in the browser (chromium)', () => {
  let s: ChromiumSession;
  beforeAll(async () => {
    s = await launchChromium({ profileDir });
    await connectByPin(s, { home: admin, account: ACCOUNT, serviceUrl: proxy.url }, PASS, CHEAP_KDF);
    await settle(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it(`the worker stopped at random points of a sync (${RUNS} runs): nothing lost, no duplicate`, async () => {
    const points: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      let passed = false;
      let invariants = 0;
      try {
        await save(s, 3);
        // Stop the worker when the proxy sees the k-th request of the sync (Status, Download,
        // Transact, ...), after a random few ms: before, during or after the service's work.
        const k = 1 + Math.floor(Math.random() * 3);
        let n = 0;
        let stopped: Promise<void> | undefined;
        proxy.onRequest = (tx) => {
          if (++n !== k || stopped) return;
          points.push(tx);
          stopped = new Promise<void>((r) => setTimeout(r, Math.random() * 30)).then(() => s.stopWorker());
        };
        await call(s, 'sync-now').catch(() => undefined); // the answer may be lost with the worker
        if (!stopped) {
          // The sync needed fewer requests than k: stop the worker right after it instead.
          points.push('after');
          stopped = s.stopWorker();
        }
        await stopped;
        proxy.onRequest = undefined;
        invariants = await checkInvariants(s);
        passed = true;
      } finally {
        proxy.onRequest = undefined;
        recordCase('faults', `worker stopped during a sync, run ${run + 1}`, { invariants, passed });
      }
    }
    console.log(`worker stopped at: ${points.join(', ')}`);
  });

  it('the browser closed with pending edits (one Transact applied but unanswered), relaunched on the same profile', async () => {
    let passed = false;
    let invariants = 0;
    try {
      // Edits made while the service is down stay pending.
      await svc.stop();
      await save(s, 2);
      const down = await call<SyncStatus>(s, 'sync-now');
      expect(down.pending).toBeGreaterThan(0);
      await svc.restart();
      // The next Transact reaches the service, which applies it; its answer is held back, and the
      // browser is closed before it arrives.
      await save(s, 2);
      proxy.set({ kind: 'delay', ms: 60_000, tx: 'Transact' });
      void call(s, 'sync-now').catch(() => undefined);
      await pollUntil(() => (proxy.applied > 0 ? true : undefined), 'the Transact to reach the service', 30_000);
      await s.close();
      proxy.set(undefined);
      s = await launchChromium({ profileDir });
      const st = await call<{ phase: string }>(s, 'status');
      if (st.phase === 'locked') await call(s, 'unlock', { passphrase: PASS });
      invariants = await checkInvariants(s);
      passed = true;
    } finally {
      proxy.set(undefined);
      recordCase('faults', 'browser closed with pending edits and an unanswered Transact, relaunched', { invariants, passed });
    }
  });
});

import { describe, expect, it, vi } from 'vitest';
import 'fake-indexeddb/auto';
import { Background } from '../../../src/background/background.ts';
import { openVaultDb } from '../../../src/background/db.ts';
import { memorySession } from '../../../src/background/platform.ts';
import type { SyncBackend } from '../../../src/background/remote.ts';
import { backoffMs, SyncScheduler } from '../../../src/background/sync-scheduler.ts';
import type { StoreReplica } from '../../../src/mesh/sync.ts';
import { openUnconnected } from '../../../src/background/vault.ts';
import { MeshError } from '../../../src/mesh/errors.ts';
import { CHEAP_KDF, clock } from './helpers.ts';

describe('SyncScheduler', () => {
  it('runs one sync at a time and coalesces requests made meanwhile', async () => {
    let runs = 0;
    let release!: () => void;
    const s = new SyncScheduler(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
      return { conflicts: 0 };
    }, clock(), () => {});
    const a = s.request('manual');
    void s.request('popup');
    void s.request('popup');
    release();
    await new Promise((r) => setTimeout(r, 0));
    release();
    await a;
    await s.idle();
    expect(runs).toBe(2);
    expect(s.status(0).phase).toBe('idle');
  });

  it('backs off after failures, reports the error, and raises integrity failures as security warnings', async () => {
    const c = clock();
    const alarms: string[] = [];
    let error: MeshError | undefined = new MeshError('network', 'unreachable');
    const s = new SyncScheduler(async () => {
      if (error) throw error;
      return { conflicts: 0 };
    }, c, (store) => alarms.push(store));
    await s.request('alarm');
    expect(s.status(3)).toMatchObject({ phase: 'offline', lastError: 'unreachable', pending: 3, nextAttempt: c.t + backoffMs(1) });
    error = new MeshError('rollback', 'served fewer frames', { store: 'Bookmark' });
    await s.request('alarm'); // inside the back-off window: skipped
    expect(alarms).toEqual([]);
    await s.request('manual');
    expect(alarms).toEqual(['Bookmark']);
    expect(s.status(0).phase).toBe('error');
    error = undefined;
    c.t += backoffMs(2);
    await s.request('alarm');
    expect(s.status(0)).toMatchObject({ phase: 'idle', lastSync: c.t });
    expect(backoffMs(100)).toBe(30 * 60_000);
  });
});

describe('Background with a sync backend', () => {
  it('syncs on unlock inside the vault lock, shows what the engine confirmed, and warns on integrity failures', async () => {
    const db = await openVaultDb(`sync-${Math.random()}`);
    let credentials: StoreReplica | undefined;
    const calls: string[] = [];
    let fail: MeshError | undefined;
    const backend: SyncBackend = {
      openStore: async (store, local) => {
        const r = await openUnconnected(store, local);
        if (store === 'Credential') credentials = r;
        return r;
      },
      sync: vi.fn(async () => {
        calls.push('sync');
        if (fail) throw fail;
        if (credentials!.state.count < 2) {
          credentials!.catalog.apply({ uniqueId: 'R', index: 1, event: 'New', fields: { Uid: 'R', Service: 'remote.example', Username: 'r' } });
          credentials!.state = { ...credentials!.state, count: 2 };
        }
        return { conflicts: 0 };
      }),
    };
    const bg = new Background({ db, session: memorySession(), clock: clock(), allowKdfOverride: true, syncFactory: () => backend });
    await bg.start();
    await bg.lock.setup('correct horse', CHEAP_KDF, { device: 'state' });
    await bg.handle({ type: 'lock' }, { fromExtensionPage: true });
    await bg.handle({ type: 'unlock', passphrase: 'correct horse' }, { fromExtensionPage: true });
    await bg.scheduler.idle();
    expect(calls).toEqual(['sync']);
    const r = await bg.handle({ type: 'search', query: 'remote' }, { fromExtensionPage: true });
    expect(r).toMatchObject({ ok: true, value: { total: 1 } });
    fail = new MeshError('integrity', 'frame 2 altered', { store: 'Credential' });
    await bg.handle({ type: 'sync-now' }, { fromExtensionPage: true });
    const st = await bg.status();
    expect(st.sync.phase).toBe('error');
    expect(st.warnings.map((w) => w.store)).toEqual(['Credential']);
  });

  it('after a sync re-indexes what changed: confirmed own edits lose their pending mark, remote edits show, the rest is untouched', async () => {
    const db = await openVaultDb(`sync-${Math.random()}`);
    let credentials: StoreReplica | undefined;
    let remote: { uniqueId: string; fields: Record<string, string> } | undefined;
    const backend: SyncBackend = {
      openStore: async (store, local) => {
        const r = await openUnconnected(store, local);
        if (store === 'Credential') credentials = r;
        return r;
      },
      // A service that accepts every queued edit as it is, then shows one edit made elsewhere.
      sync: async () => {
        const r = credentials!;
        let count = r.state.count;
        for (const p of r.pending) r.catalog.apply({ uniqueId: p.uniqueId, index: count++, event: p.event, fields: p.fields ?? null, frameId: p.frameId });
        if (remote) r.catalog.apply({ uniqueId: remote.uniqueId, index: count++, event: 'Update', fields: remote.fields, frameId: 'elsewhere' });
        r.pending = [];
        r.state = { ...r.state, count };
        return { conflicts: 0 };
      },
    };
    const bg = new Background({ db, session: memorySession(), clock: clock(), allowKdfOverride: true, syncFactory: () => backend });
    await bg.start();
    const call = async (type: string, fields: object = {}) => {
      const r = await bg.handle({ ...fields, type } as never, { fromExtensionPage: true });
      if (!r.ok) throw new Error(r.message);
      return r.value as any;
    };
    await bg.lock.setup('correct horse', CHEAP_KDF, { device: 'state' });
    await call('lock');
    await call('unlock', { passphrase: 'correct horse' });
    await bg.scheduler.idle();
    const adds = Array.from({ length: 300 }, (_, i) => ({ site: `https://s${i}.example/`, username: `u${i}`, password: `p${i}`, title: `Site ${i}` }));
    await call('import-batch', { adds, updates: [] });
    expect((await call('search', { query: 'site', limit: 500 })).items.every((s: { pending: boolean }) => s.pending)).toBe(true);
    await call('sync-now');
    const after = await call('search', { query: 'site', limit: 500 });
    expect(after.total).toBe(300);
    expect(after.items.filter((s: { pending: boolean }) => s.pending)).toEqual([]);
    // An edit from another device changes what the list shows for that entry.
    const target = after.items.find((s: { title: string }) => s.title === 'Site 7');
    remote = { uniqueId: target.id, fields: { Uid: target.id, Service: 'https://s7.example/', Username: 'renamed-elsewhere' } };
    await call('sync-now');
    expect((await call('search', { query: 'renamed-elsewhere' })).items).toMatchObject([{ id: target.id, pending: false }]);
    expect((await call('search', { query: '', limit: 500 })).total).toBe(300);
  });
});

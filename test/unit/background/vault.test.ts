import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { openVaultDb } from '../../../src/background/db.ts';
import { IdbSyncLocal, PENDING_CHUNK } from '../../../src/background/idb-sync-local.ts';
import type { PendingEdit } from '../../../src/mesh/sync-local.ts';
import { importAesKey } from '../../../src/background/local-crypto.ts';
import { Vault } from '../../../src/background/vault.ts';
import { randomBytes } from '../../../src/mesh/bytes.ts';

async function fresh() {
  const db = await openVaultDb(`vault-${Math.random()}`);
  const key = await importAesKey(randomBytes(32));
  const problems: string[] = [];
  const local = new IdbSyncLocal(db, key, (_s, m) => problems.push(m));
  return { db, key, local, problems, vault: await Vault.open(local) };
}

const rawJson = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Array.from(x) : x));

describe('Vault', () => {
  it('persists every edit before it is visible, and reopens with it', async () => {
    const { local, vault } = await fresh();
    const id = await vault.put('Credential', undefined, { Service: 'a.example', Username: 'u', Password: 'p' });
    expect(vault.get('Credential', id)).toMatchObject({ Uid: id, Username: 'u' });
    const again = await Vault.open(local);
    expect(again.get('Credential', id)).toMatchObject({ Uid: id, Password: 'p' });
    expect(again.replica('Credential').pending).toMatchObject([{ event: 'New', base: 0, uniqueId: id }]);
    expect(again.pendingCount()).toBe(1);
  });

  it('keys a new entry by the Uid it carries', async () => {
    const { vault } = await fresh();
    const id = await vault.put('Credential', undefined, { Uid: 'NABC-DEFG', Username: 'u' });
    expect(id).toBe('NABC-DEFG');
    expect(vault.replica('Credential').pending[0]).toMatchObject({ uniqueId: 'NABC-DEFG', fields: { Uid: 'NABC-DEFG' } });
  });

  it('keeps entry plaintext out of IndexedDB', async () => {
    const { db, vault } = await fresh();
    await vault.put('Credential', undefined, { Service: 'secret-site.example', Password: 'hunter2-very-secret' });
    const raw = rawJson([await db.getAll('pending'), await db.getAll('kv')]);
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('secret-site');
  });

  it('replaces an unsent edit in place and forgets a never-sent entry on delete', async () => {
    const { vault } = await fresh();
    const id = await vault.put('Bookmark', undefined, { Uri: 'https://a', Title: 'A' });
    await vault.put('Bookmark', id, { Uid: id, Uri: 'https://a', Title: 'B' });
    expect(vault.replica('Bookmark').pending).toMatchObject([{ event: 'New', fields: { Title: 'B' } }]);
    expect([...vault.entries('Bookmark')]).toMatchObject([{ uniqueId: id, pending: true }]);
    await vault.remove('Bookmark', id);
    expect(vault.replica('Bookmark').pending).toHaveLength(0);
    expect(vault.get('Bookmark', id)).toBeNull();
    await expect(vault.remove('Bookmark', id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('shows the other version while a conflict is open, and resolves it with the user choice', async () => {
    const { local } = await fresh();
    await local.commit('Credential', {
      append: [],
      state: { store: 'Credential', count: 0 },
      pending: [
        {
          id: 'e1', store: 'Credential', uniqueId: 'X', event: 'Update', fields: { Uid: 'X', Password: 'mine' }, base: 1, frameId: 'F', modified: '2025-01-01T00:00:00Z',
          conflict: { remoteIndex: 3, remote: { Uid: 'X', Password: 'theirs' }, base: null, fields: ['Password'] },
        },
      ],
    });
    const vault = await Vault.open(local);
    expect(vault.conflicts()).toHaveLength(1);
    expect(vault.isConflicted('Credential', 'X')).toBe(true);
    await vault.resolve('Credential', 'X', { Uid: 'X', Password: 'mine' });
    expect(vault.conflicts()).toHaveLength(0);
    expect(vault.replica('Credential').pending).toMatchObject([{ event: 'Update', base: 3, fields: { Password: 'mine' } }]);
    expect((await Vault.open(local)).get('Credential', 'X')).toMatchObject({ Password: 'mine' });
  });

  it('reports a tampered pending record and does not use it', async () => {
    const { db, local, vault, problems } = await fresh();
    const id = await vault.put('Credential', undefined, { Username: 'u' });
    const rec = (await db.getAll('pending'))[0];
    rec.sealed.ct[0] ^= 0x80;
    await db.put('pending', rec);
    const again = await Vault.open(local);
    expect(again.get('Credential', id)).toBeNull();
    expect(problems).toHaveLength(1);
  });

  it('rejects a pending record moved to another store', async () => {
    const { db, local, vault, problems } = await fresh();
    await vault.put('Credential', undefined, { Username: 'u' });
    const rec = (await db.getAll('pending'))[0];
    await db.put('pending', { ...rec, store: 'Bookmark' });
    const again = await Vault.open(local);
    expect([...again.entries('Bookmark')]).toHaveLength(0);
    expect(problems.length).toBeGreaterThan(0);
  });

  it('marks a store whose frames were tampered as broken: shown empty, not writable', async () => {
    const { local, db } = await fresh();
    await local.commit('Bookmark', { append: [], state: { store: 'Bookmark', count: 2, apex: 'AAAA' }, pending: [] });
    const vault = await Vault.open(local);
    expect(vault.broken.has('Bookmark')).toBe(true);
    expect(vault.replicas().map((r) => r.store)).toEqual(['Credential']);
    await expect(vault.put('Bookmark', undefined, { Uri: 'x' })).rejects.toMatchObject({ code: 'integrity' });
    void db;
  });

  it('adds an import batch in one commit', async () => {
    const { local, vault } = await fresh();
    const ids = await vault.putMany('Credential', Array.from({ length: 200 }, (_, i) => ({ Username: `u${i}` })));
    expect(new Set(ids).size).toBe(200);
    const again = await Vault.open(local);
    expect([...again.entries('Credential')]).toHaveLength(200);
    expect(again.get('Credential', ids[7])).toMatchObject({ Uid: ids[7], Username: 'u7' });
  });
});

describe('IdbSyncLocal', () => {
  it('commits frames, state and pending atomically and seals base seeds', async () => {
    const { db, local } = await fresh();
    const envelope = [{ EnvelopeId: 'E' }, 'body'] as [Record<string, unknown>, string];
    await local.commit('Credential', {
      append: [{ index: 0, envelope, tree: 'T0', baseSeed: 'SEED-SECRET' }, { index: 1, envelope, tree: 'T1' }],
      state: { store: 'Credential', count: 2, apex: 'T1' },
      pending: [],
    });
    expect(await local.loadState('Credential')).toEqual({ store: 'Credential', count: 2, apex: 'T1' });
    const frames = await local.loadFrames('Credential');
    expect(frames.map((f) => [f.index, f.baseSeed])).toEqual([[0, 'SEED-SECRET'], [1, undefined]]);
    expect(await local.loadFrame('Credential', 1)).toMatchObject({ index: 1, tree: 'T1' });
    expect(rawJson(await db.getAll('seeds'))).not.toContain('SEED-SECRET');
    expect(await local.loadFrames('Bookmark')).toEqual([]);
  });
});

describe('IdbSyncLocal frames', () => {
  it('keeps frames in runs, reads them back one by one, and still reads single-frame records', async () => {
    const { db, local } = await fresh();
    const env = (i: number) => [{ EnvelopeId: `E${i}` }, `body${i}`] as [Record<string, unknown>, string];
    await db.put('frames', { store: 'Credential', index: 0, envelope: env(0), tree: 'T0' }); // as written before runs
    const append = Array.from({ length: 2500 }, (_, k) => ({ index: k + 1, envelope: env(k + 1), tree: `T${k + 1}` }));
    await local.commit('Credential', { append, state: { store: 'Credential', count: 2501 }, pending: [] });
    expect(await db.count('frames')).toBe(4); // the old record + runs of 1000, 1000, 500
    const all = await local.loadFrames('Credential');
    expect(all.map((f) => f.index)).toEqual(Array.from({ length: 2501 }, (_, i) => i));
    expect(all[1777]).toEqual({ index: 1777, envelope: env(1777), tree: 'T1777' });
    for (const i of [0, 1, 1000, 1001, 2500]) expect(await local.loadFrame('Credential', i)).toEqual({ index: i, envelope: env(i), tree: `T${i}` });
    expect(await local.loadFrame('Credential', 2501)).toBeUndefined();
    expect(await local.loadFrame('Bookmark', 3)).toBeUndefined();
  });
});

describe('IdbSyncLocal pending queue', () => {
  const edit = (i: number): PendingEdit => ({ id: `E${i}`, store: 'Credential', uniqueId: `U${i}`, event: 'New', fields: { Uid: `U${i}`, Username: `u${i}` }, base: 0, frameId: `F${i}`, modified: '2026-12-02T00:00:00Z' });
  const state = { store: 'Credential', count: 0 };

  async function writtenChunks(db: Awaited<ReturnType<typeof fresh>>['db'], commit: () => Promise<void>): Promise<number> {
    const before = new Map((await db.getAll('pending')).map((r) => [r.id, r.sealed]));
    await commit();
    return (await db.getAll('pending')).filter((r) => before.get(r.id) !== r.sealed && JSON.stringify(before.get(r.id)) !== JSON.stringify(r.sealed)).length;
  }

  it('re-seals only the chunks whose edits changed, and reloads the same queue in order', async () => {
    const { db, key, local } = await fresh();
    let pending = Array.from({ length: 2 * PENDING_CHUNK + 10 }, (_, i) => edit(i));
    expect(await writtenChunks(db, () => local.commit('Credential', { append: [], state, pending }))).toBe(3);
    // An edit set in place (as the sync engine does once the service accepts it): one chunk.
    pending[PENDING_CHUNK + 3].acceptedIndex = 42;
    expect(await writtenChunks(db, () => local.commit('Credential', { append: [], state, pending }))).toBe(1);
    // Edits that landed leave the queue, a replaced edit keeps its place, new edits go last.
    pending = [...pending.slice(100), edit(9999)];
    pending[5] = { ...pending[5], fields: { Uid: 'U105', Username: 'changed' }, frameId: 'F105b' };
    expect(await writtenChunks(db, () => local.commit('Credential', { append: [], state, pending }))).toBe(2);
    const reopened = new IdbSyncLocal(db, key);
    expect(await reopened.loadPending('Credential')).toEqual(JSON.parse(JSON.stringify(pending)));
    // Nothing changed: nothing re-sealed; a reordered queue is rewritten whole and still reloads in order.
    expect(await writtenChunks(db, () => local.commit('Credential', { append: [], state, pending }))).toBe(0);
    pending = [pending[pending.length - 1], ...pending.slice(0, -1)];
    await local.commit('Credential', { append: [], state, pending });
    expect((await new IdbSyncLocal(db, key).loadPending('Credential')).map((e) => e.id)).toEqual(pending.map((e) => e.id));
    await local.commit('Credential', { append: [], state, pending: [] });
    expect(await db.getAll('pending')).toEqual([]);
  });

  it('applies commits in the order they were issued', async () => {
    const { db, key, local } = await fresh();
    const big = Array.from({ length: 3 * PENDING_CHUNK }, (_, i) => edit(i));
    const first = local.commit('Credential', { append: [], state, pending: big });
    const second = local.commit('Credential', { append: [], state, pending: [edit(7)] });
    await Promise.all([first, second]);
    expect((await new IdbSyncLocal(db, key).loadPending('Credential')).map((e) => e.id)).toEqual(['E7']);
  });
});

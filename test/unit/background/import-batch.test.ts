import { afterEach, describe, expect, it, vi } from 'vitest';
import { importBatchEdits } from '../../../src/background/entries.ts';
import { IdbSyncLocal } from '../../../src/background/idb-sync-local.ts';
import { MeshError } from '../../../src/mesh/errors.ts';
import { CHEAP_KDF, makeBackground, sampleCredential } from './helpers.ts';

async function withOneCredential() {
  const b = await makeBackground();
  await b.call('setup', { passphrase: 'import batch test', kdf: CHEAP_KDF });
  const { id } = await b.call('credential-save', { input: sampleCredential(1) });
  const total = async () => (await b.call('search', { query: '', limit: 500 })).total;
  const pending = async () => (await b.call('status', {})).sync.pending;
  return { ...b, id, total, pending };
}

afterEach(() => vi.restoreAllMocks());

describe('import-batch is all-or-nothing', () => {
  it('a bad update is a MeshError naming the item, before anything is built or queued', () => {
    const current = () => ({ Uid: 'x', Service: 'old.example.com' });
    const req = { adds: [{ site: 'https://a.example.com', username: 'a', password: 'b' }], updates: [{ id: 'ID1', input: { site: 42, username: 'u', password: 'p' } }] };
    let err: unknown;
    try {
      importBatchEdits(req, current);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshError);
    expect(err).toMatchObject({ code: 'malformed' });
    expect((err as Error).message).toMatch(/update 1 \(id ID1\): site must be text, got number/);
    expect(() => importBatchEdits({ adds: [{ site: 'a.example', username: 'a' }], updates: [] }, current)).toThrow(/add 1 \(site "a\.example"\): password must be text, got undefined/);
    expect(() => importBatchEdits({ adds: [], updates: [{ input: { site: 'a', username: 'a', password: 'b' } }] }, current)).toThrow(/update 1 \(site "a"\): id must be text/);
    expect(() => importBatchEdits({ adds: {}, updates: [] }, current)).toThrow(MeshError);
    expect(() => importBatchEdits({ adds: [null], updates: [] }, current)).toThrow(/add 1: is null, not an entry/);
    expect(() => importBatchEdits({ adds: [{ site: 's', username: 'u', password: 'p', urls: [1] }], updates: [] }, current)).toThrow(/urls must be a list of text/);
  });

  it('fuzz repro: good add + update with site 42 → bad-request naming the item; total and pending unchanged, also after a worker restart', async () => {
    const { bg, id, total, pending, name, session } = await withOneCredential();
    const commit = vi.spyOn(IdbSyncLocal.prototype, 'commit');
    expect(await total()).toBe(1);
    const pendingBefore = await pending();
    const r = await bg.handle(
      {
        type: 'import-batch',
        adds: [{ site: 'https://a.example.com', username: 'a', password: 'b' }],
        updates: [{ id, input: { site: 42 as unknown as string, username: 'u', password: 'p' } }],
      },
      { fromExtensionPage: true },
    );
    expect(r).toMatchObject({ ok: false, error: 'bad-request' });
    expect(!r.ok && r.message).toMatch(new RegExp(`update 1 \\(id ${id}\\): site must be text, got number; nothing was imported`));
    expect(commit).not.toHaveBeenCalled();
    expect(await total()).toBe(1);
    expect(await pending()).toBe(pendingBefore);
    const again = await makeBackground({ name, session });
    expect((await again.call('search', { query: '', limit: 500 })).total).toBe(1);
    expect((await again.call('credential-get', { id })).username).toBe('user1@mail.test');
  });

  it('a good batch applies every add and update in one local commit', async () => {
    const { call, id, total, pending, name, session } = await withOneCredential();
    const pendingBefore = await pending();
    const commit = vi.spyOn(IdbSyncLocal.prototype, 'commit');
    const r = await call('import-batch', {
      adds: [
        { site: 'https://a.example.com', username: 'a', password: 'pa' },
        { site: 'https://b.example.com/login', username: 'b', password: 'pb', title: 'B', notes: 'note b', urls: ['https://b2.example.com/'] },
      ],
      updates: [{ id, input: { site: 'https://login.site1.example.com/signin', username: 'user1@mail.test', password: 'replaced', title: 'Site 1 new' } }],
    });
    expect(r).toEqual({ added: 2, updated: 1 });
    expect(commit).toHaveBeenCalledTimes(1);
    expect(await total()).toBe(3);
    expect(await pending()).toBe(pendingBefore + 2); // the update replaces the saved entry's unsent edit
    expect(await call('credential-get', { id })).toMatchObject({ password: 'replaced', title: 'Site 1 new' });
    const b = (await call('search', { query: 'b.example.com' })).items;
    expect(b).toHaveLength(1);
    expect(await call('credential-get', { id: b[0].id })).toMatchObject({ username: 'b', password: 'pb', title: 'B', notes: 'note b' });
    const again = await makeBackground({ name, session });
    expect((await again.call('search', { query: '', limit: 500 })).total).toBe(3);
    expect((await again.call('credential-get', { id })).password).toBe('replaced');
  });

  it('a failed commit leaves nothing behind: not on disk, not in the vault in memory', async () => {
    const { bg, id, total, pending } = await withOneCredential();
    const pendingBefore = await pending();
    vi.spyOn(IdbSyncLocal.prototype, 'commit').mockRejectedValueOnce(new Error('disk full'));
    const r = await bg.handle(
      { type: 'import-batch', adds: [{ site: 'https://a.example.com', username: 'a', password: 'b' }], updates: [{ id, input: { site: 'https://x.example.com', username: 'u', password: 'p' } }] },
      { fromExtensionPage: true },
    );
    expect(r.ok).toBe(false);
    expect(await total()).toBe(1);
    expect(await pending()).toBe(pendingBefore);
    expect((await bg.handle({ type: 'credential-get', id }, { fromExtensionPage: true })) as unknown).toMatchObject({ ok: true, value: { username: 'user1@mail.test' } });
  });

  it('an update of an entry deleted since the preview adds the record instead', async () => {
    const { call, id, total } = await withOneCredential();
    await call('credential-delete', { id });
    expect(await total()).toBe(0);
    expect(await call('import-batch', { adds: [], updates: [{ id, input: { site: 'https://c.example.com', username: 'c', password: 'pc' } }] })).toEqual({ added: 1, updated: 0 });
    expect(await total()).toBe(1);
  });
});

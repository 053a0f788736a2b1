// The bookmark mirror against a fake bookmarks API (ours, in bookmark-mirror-fake.ts) and the real Vault
// on fake-indexeddb: both directions, folders, moves, deletes, no echo loops, no duplicates after a cut-off
// run, conflicts left alone, locked periods caught up, the root folder removed, the one-time import.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openVaultDb } from '../../../src/background/db.ts';
import { IdbSyncLocal } from '../../../src/background/idb-sync-local.ts';
import { importAesKey } from '../../../src/background/local-crypto.ts';
import { Vault } from '../../../src/background/vault.ts';
import { BookmarkMirror, MIRROR_FOLDER_TITLE, type MirrorState } from '../../../src/background/bookmark-mirror.ts';
import { randomBytes } from '../../../src/mesh/bytes.ts';
import { FakeBookmarks } from './bookmark-mirror-fake.ts';

const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

async function newVault() {
  const db = await openVaultDb(`bm-${Math.random()}`);
  const local = new IdbSyncLocal(db, await importAesKey(randomBytes(32)), () => undefined);
  return Vault.open(local);
}

function memoryStore(initial?: MirrorState) {
  const box = { saved: initial && structuredClone(initial) };
  return { box, store: { load: async () => box.saved && structuredClone(box.saved), save: async (s: MirrorState) => void (box.saved = structuredClone(s)) } };
}

async function setup(opts: { flavour?: 'chromium' | 'firefox'; vault?: Vault; enable?: boolean } = {}) {
  const vault = opts.vault ?? (await newVault());
  const api = new FakeBookmarks(opts.flavour);
  const { box, store } = memoryStore();
  const mirror = new BookmarkMirror(api, store, { debounceMs: 5 });
  api.onEvent((k, id) => mirror.onNative(k, id));
  await mirror.attach(vault);
  if (opts.enable !== false) await mirror.setEnabled(true);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await mirror.idle();
      await tick();
    }
    await mirror.idle();
  };
  await settle();
  const root = () => box.saved!.rootId!;
  return { vault, api, mirror, box, store, settle, root };
}

const catalog = (v: Vault) =>
  [...v.entries('Bookmark')].map((r) => `${(r.fields.Path as string) ?? ''}|${(r.fields.Title as string) ?? ''}|${r.fields.Uri as string}`).sort();

describe('bookmark mirror', () => {
  it('makes the "Mesh bookmarks" folder under Other bookmarks and mirrors the catalog into it, folders included', async () => {
    const vault = await newVault();
    await vault.put('Bookmark', undefined, { Uri: 'https://a.example/', Title: 'A' });
    await vault.put('Bookmark', undefined, { Uri: 'https://b.example/docs', Title: 'B', Path: 'Work/Docs' });
    const { api, root, box } = await setup({ vault });
    expect(api.find(api.otherId, MIRROR_FOLDER_TITLE)).toBe(root());
    expect(api.listing(root())).toEqual(['|A|https://a.example/', 'Work/Docs|B|https://b.example/docs'].sort());
    expect(Object.keys(box.saved!.map)).toHaveLength(2);
  });

  it('uses Firefox\'s "Other Bookmarks" (unfiled) folder in Firefox', async () => {
    const { api, root } = await setup({ flavour: 'firefox' });
    expect(api.find('unfiled_____', MIRROR_FOLDER_TITLE)).toBe(root());
  });

  it('turns a bookmark created natively in the folder into one catalog entry, with its folder path, and nothing else', async () => {
    const { api, vault, root, settle, mirror } = await setup();
    const folder = await api.create({ parentId: root(), title: 'News' });
    await api.create({ parentId: folder.id, title: 'Paper', url: 'https://paper.example/' });
    await settle();
    expect(catalog(vault)).toEqual(['News|Paper|https://paper.example/']);
    expect(api.listing(root())).toEqual(['News|Paper|https://paper.example/']);
    api.writes.length = 0;
    const again = await mirror.runNow();
    expect(api.writes).toEqual([]);
    expect(again === undefined || again.added + again.created + again.changed + again.updated === 0).toBe(true);
  });

  it('follows native edits, moves, folder renames and deletions', async () => {
    const { api, vault, root, settle } = await setup();
    const work = await api.create({ parentId: root(), title: 'Work' });
    const n1 = await api.create({ parentId: work.id, title: 'One', url: 'https://one.example/' });
    const n2 = await api.create({ parentId: work.id, title: 'Two', url: 'https://two.example/' });
    await settle();
    await api.update(n1.id, { title: 'One!', url: 'https://one.example/new' });
    await settle();
    expect(catalog(vault)).toEqual(['Work|One!|https://one.example/new', 'Work|Two|https://two.example/']);
    await api.move(n2.id, { parentId: root() });
    await settle();
    expect(catalog(vault)).toEqual(['Work|One!|https://one.example/new', '|Two|https://two.example/'].sort());
    await api.update(work.id, { title: 'Job' });
    await settle();
    expect(catalog(vault)).toContain('Job|One!|https://one.example/new');
    await api.remove(n2.id);
    await settle();
    expect(catalog(vault)).toEqual(['Job|One!|https://one.example/new']);
    await api.removeTree(work.id);
    await settle();
    expect(catalog(vault)).toEqual([]);
  });

  it('a bookmark moved out of the folder leaves the catalog; one moved in joins it', async () => {
    const { api, vault, root, settle } = await setup();
    const n = await api.create({ parentId: root(), title: 'X', url: 'https://x.example/' });
    await settle();
    await api.move(n.id, { parentId: api.toolbarId });
    await settle();
    expect(catalog(vault)).toEqual([]);
    await api.move(n.id, { parentId: root() });
    await settle();
    expect(catalog(vault)).toEqual(['|X|https://x.example/']);
  });

  it('applies catalog changes (sync, popup) to the folder and prunes folders it emptied', async () => {
    const { api, vault, root, settle } = await setup();
    const id = await vault.put('Bookmark', undefined, { Uri: 'https://c.example/', Title: 'C', Path: 'Deep/Er' });
    await settle();
    expect(api.listing(root())).toEqual(['Deep/Er|C|https://c.example/']);
    await vault.put('Bookmark', id, { Uid: id, Uri: 'https://c.example/2', Title: 'C2', Path: 'Flat' });
    await settle();
    expect(api.listing(root())).toEqual(['Flat|C2|https://c.example/2']);
    expect(api.find(root(), 'Deep')).toBeUndefined(); // emptied by the move: pruned
    await vault.remove('Bookmark', id);
    await settle();
    expect(api.listing(root())).toEqual([]);
  });

  it('keeps a folder the user left empty', async () => {
    const { api, root, settle } = await setup();
    const f = await api.create({ parentId: root(), title: 'Mine' });
    await settle();
    expect(api.find(root(), 'Mine')).toBe(f.id);
  });

  it('does not loop between two browsers on one catalog, and makes no duplicates', async () => {
    const vault = await newVault();
    const a = await setup({ vault });
    const b = await setup({ vault });
    await a.api.create({ parentId: a.root(), title: 'Shared', url: 'https://shared.example/' });
    await a.settle();
    await b.settle();
    await a.settle();
    expect(catalog(vault)).toEqual(['|Shared|https://shared.example/']);
    expect(b.api.listing(b.root())).toEqual(['|Shared|https://shared.example/']);
    const idB = b.api.find(b.root(), 'Shared')!;
    await b.api.update(idB, { title: 'Shared 2' });
    await b.settle();
    await a.settle();
    expect(a.api.listing(a.root())).toEqual(['|Shared 2|https://shared.example/']);
    a.api.writes.length = 0;
    b.api.writes.length = 0;
    await a.mirror.runNow();
    await b.mirror.runNow();
    await a.settle();
    await b.settle();
    expect([...a.api.writes, ...b.api.writes]).toEqual([]);
    await b.api.remove(idB);
    await b.settle();
    await a.settle();
    expect(a.api.listing(a.root())).toEqual([]);
    expect(catalog(vault)).toEqual([]);
  });

  it('catches up at unlock with native changes made while locked', async () => {
    const { api, vault, root, mirror, settle } = await setup();
    const n = await api.create({ parentId: root(), title: 'Before', url: 'https://before.example/' });
    await settle();
    await mirror.detach();
    await api.update(n.id, { title: 'While locked' });
    await api.create({ parentId: root(), title: 'New while locked', url: 'https://locked.example/' });
    await tick();
    expect(catalog(vault)).toEqual(['|Before|https://before.example/']);
    await mirror.attach(vault);
    await settle();
    expect(catalog(vault)).toEqual(['|New while locked|https://locked.example/', '|While locked|https://before.example/'].sort());
  });

  it('pairs identical unmapped entries instead of duplicating them (a run cut off before its id map was saved)', async () => {
    const { api, vault, root, box, settle } = await setup();
    await vault.put('Bookmark', undefined, { Uri: 'https://p.example/', Title: 'P', Path: 'F' });
    await api.create({ parentId: root(), title: 'Q', url: 'https://q.example/' });
    await settle();
    // A new worker run with the map as it was before those were paired.
    const { store } = memoryStore({ ...box.saved!, map: {} });
    const again = new BookmarkMirror(api, store, { debounceMs: 5 });
    await again.attach(vault);
    const r = await again.runNow();
    expect(r).toMatchObject({ adopted: 2, created: 0, added: 0 });
    expect(api.listing(root())).toEqual(['F|P|https://p.example/', '|Q|https://q.example/'].sort());
    expect(catalog(vault)).toHaveLength(2);
  });

  it('leaves a conflicted entry alone until it is resolved, then shows the chosen version', async () => {
    const { api, vault, root, settle } = await setup();
    const n = await api.create({ parentId: root(), title: 'Mine', url: 'https://conf.example/' });
    await settle();
    const uid = [...vault.entries('Bookmark')][0].uniqueId;
    // What a sync does when another device changed the same field: the local edit is set aside.
    const replica = vault.replica('Bookmark');
    const edit = replica.pending.find((p) => p.uniqueId === uid)!;
    replica.pending = [{ ...edit, conflict: { remoteIndex: 5, remote: { Uid: uid, Uri: 'https://conf.example/', Title: 'Theirs' }, base: null, fields: ['Title'] } }];
    vault.emit([]);
    await settle();
    expect(api.listing(root())).toEqual(['|Mine|https://conf.example/']);
    const r = await (async () => {
      await api.update(n.id, { title: 'Mine again' }); // a native edit during the conflict is not pushed
      await settle();
      return vault.conflicts().length;
    })();
    expect(r).toBe(1);
    // (This fake sync has no confirmed remote frame, so the resolution is a version of its own.)
    await vault.resolve('Bookmark', uid, { Uid: uid, Uri: 'https://conf.example/', Title: 'Resolved' });
    await settle();
    expect(api.listing(root())).toEqual(['|Resolved|https://conf.example/']);
    expect(catalog(vault)).toEqual(['|Resolved|https://conf.example/']);
  });

  it('turns itself off when the whole folder is deleted, and deletes no catalog entry', async () => {
    const { api, vault, root, settle, mirror } = await setup();
    await vault.put('Bookmark', undefined, { Uri: 'https://keep.example/', Title: 'Keep' });
    await settle();
    await api.removeTree(root());
    await settle();
    expect(catalog(vault)).toEqual(['|Keep|https://keep.example/']);
    expect(await mirror.status()).toMatchObject({ enabled: false, mirrored: 0, lastError: expect.stringContaining('turned off') });
  });

  it('is off until enabled, and turning it off keeps folder and catalog', async () => {
    const { api, vault, mirror, settle } = await setup({ enable: false });
    await vault.put('Bookmark', undefined, { Uri: 'https://off.example/', Title: 'Off' });
    await settle();
    expect(api.find(api.otherId, MIRROR_FOLDER_TITLE)).toBeUndefined();
    await mirror.setEnabled(true);
    await settle();
    const root = api.find(api.otherId, MIRROR_FOLDER_TITLE)!;
    expect(api.listing(root)).toEqual(['|Off|https://off.example/']);
    await mirror.setEnabled(false);
    await api.create({ parentId: root, title: 'After', url: 'https://after.example/' });
    await settle();
    expect(catalog(vault)).toEqual(['|Off|https://off.example/']);
    expect(api.listing(root)).toHaveLength(2);
    // Re-enabling over the existing folder pairs what matches and adds what the user put there.
    await mirror.setEnabled(true);
    await settle();
    expect(catalog(vault)).toEqual(['|After|https://after.example/', '|Off|https://off.example/'].sort());
    expect(api.listing(root)).toHaveLength(2);
  });

  it('compares URLs as the browser canonicalises them (no endless re-update)', async () => {
    const { api, vault, root, settle, mirror } = await setup();
    await vault.put('Bookmark', undefined, { Uri: 'HTTPS://Case.Example', Title: 'Case' });
    await settle();
    expect(api.listing(root())).toEqual(['|Case|https://case.example/']);
    api.writes.length = 0;
    await mirror.runNow();
    await settle();
    expect(api.writes).toEqual([]);
    expect([...vault.entries('Bookmark')][0].fields.Uri).toBe('HTTPS://Case.Example');
  });

  it('skips an entry the browser refuses, without retrying it on every run', async () => {
    const { api, vault, root, settle, mirror } = await setup();
    await vault.put('Bookmark', undefined, { Uri: 'not a url', Title: 'Bad' });
    await vault.put('Bookmark', undefined, { Uri: 'https://good.example/', Title: 'Good' });
    await settle();
    expect(api.listing(root())).toEqual(['|Good|https://good.example/']);
    api.writes.length = 0;
    await mirror.runNow();
    expect(api.writes).toEqual([]);
    expect(catalog(vault)).toHaveLength(2);
  });

  it('does not retry in a loop when the browser refuses an update', async () => {
    const { api, vault, root, settle, mirror } = await setup();
    const id = await vault.put('Bookmark', undefined, { Uri: 'https://ok.example/', Title: 'Ok' });
    await settle();
    await vault.put('Bookmark', id, { Uid: id, Uri: 'not a url', Title: 'Bad now' });
    await settle();
    expect(mirror.lastReport).toMatchObject({ failed: 1 });
    const runs = mirror.lastRun;
    await new Promise((r) => setTimeout(r, 100));
    await settle();
    expect(mirror.lastRun).toBe(runs);
    expect(api.listing(root())).toEqual(['|Ok|https://ok.example/']);
  });

  it('imports the browser\'s own bookmarks once, under browser-neutral folder names, skipping the mirror folder', async () => {
    for (const flavour of ['chromium', 'firefox'] as const) {
      const { api, vault, mirror, root, settle } = await setup({ flavour, enable: true });
      const dev = await api.create({ parentId: api.toolbarId, title: 'Dev' });
      await api.create({ parentId: dev.id, title: 'MDN', url: 'https://developer.mozilla.org/' });
      await api.create({ parentId: api.otherId, title: 'Loose', url: 'https://loose.example/' });
      await api.create({ parentId: root(), title: 'Already mirrored', url: 'https://m.example/' });
      await settle();
      expect(await mirror.importExisting()).toEqual({ added: 2, skipped: 0 });
      await settle();
      expect(catalog(vault)).toEqual(['Other|Loose|https://loose.example/', 'Toolbar/Dev|MDN|https://developer.mozilla.org/', '|Already mirrored|https://m.example/'].sort());
      expect(await mirror.importExisting()).toMatchObject({ added: 0 });
      // The imported entries appear in the mirror folder too (the mirror is on).
      expect(api.listing(root())).toContain('Toolbar/Dev|MDN|https://developer.mozilla.org/');
      expect((await mirror.status()).importedAt).toBeGreaterThan(0);
    }
  });

  it('looks only at what changed after its first full walk, and a full walk afterwards finds nothing to fix (random edits on both sides, two browsers)', async () => {
    const vault = await newVault();
    const a = await setup({ vault });
    const b = await setup({ vault, flavour: 'firefox' });
    let seed = 42;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const folders = ['', 'F1', 'F1/G', 'F2'];
    const nodesIn = (x: typeof a) => x.api.listing(x.root()).length;
    let targeted = 0;
    for (let step = 0; step < 40; step++) {
      const x = rnd(2) ? a : b;
      const op = rnd(6);
      const ids = [...vault.entries('Bookmark')].map((r) => r.uniqueId);
      if (op === 0 || ids.length < 2) {
        // native create (in a folder, made natively if needed)
        let parent = x.root();
        for (const seg of folders[rnd(folders.length)].split('/').filter(Boolean)) parent = x.api.find(parent, seg) ?? (await x.api.create({ parentId: parent, title: seg })).id;
        await x.api.create({ parentId: parent, title: `N${step}`, url: `https://n${step}.example/` });
      } else if (op === 1) {
        await vault.put('Bookmark', undefined, { Uri: `https://c${step}.example/`, Title: `C${step}`, Path: folders[rnd(folders.length)] });
      } else if (op === 2) {
        const id = ids[rnd(ids.length)];
        const f = vault.get('Bookmark', id)!;
        await vault.put('Bookmark', id, { ...f, Title: `T${step}`, Path: folders[rnd(folders.length)] });
      } else if (op === 3) {
        await vault.remove('Bookmark', ids[rnd(ids.length)]);
      } else {
        // native edit / move / delete of a mirrored node
        const lines = x.api.listing(x.root());
        if (!lines.length) continue;
        const title = lines[rnd(lines.length)].split('|')[1];
        const node = x.api.find(x.root(), title)!;
        if (op === 4) await x.api.update(node, { title: `E${step}` });
        else if (rnd(2)) await x.api.move(node, { parentId: x.root() });
        else await x.api.remove(node);
      }
      await a.settle();
      await b.settle();
      await a.settle();
      if (a.mirror.lastReport?.targeted || b.mirror.lastReport?.targeted) targeted++;
      const want = catalog(vault);
      expect(a.api.listing(a.root()), `step ${step}`).toEqual(want);
      expect(b.api.listing(b.root()), `step ${step}`).toEqual(want);
    }
    expect(targeted).toBeGreaterThan(10);
    expect(nodesIn(a)).toBe(catalog(vault).length);
    // A full walk (what a new worker does) agrees and changes nothing.
    a.api.writes.length = 0;
    b.api.writes.length = 0;
    for (const x of [a, b]) {
      await x.mirror.detach();
      await x.mirror.attach(vault);
      const r = await x.mirror.runNow();
      expect(r?.targeted).toBeFalsy();
    }
    await a.settle();
    await b.settle();
    expect([...a.api.writes, ...b.api.writes]).toEqual([]);
  });
});

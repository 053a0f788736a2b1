import { describe, expect, it } from 'vitest';
import { ed448 } from '@noble/curves/ed448.js';
import { randomBytes } from '../../src/mesh/bytes.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { publicFromPrivate } from '../../src/mesh/dare/curves.ts';
import { decryptionKey } from '../../src/mesh/dare/recipients.ts';
import { keysByKid, signer } from '../../src/mesh/dare/signature.ts';
import { keyFingerprint } from '../../src/mesh/protocol/fingerprints.ts';
import { buildStoreHeaderFrame } from '../../src/mesh/catalog/frame.ts';
import { MemorySyncLocal, StoreReplica, queueEdit, resolveConflict, syncStores, type SyncStoreKeys } from '../../src/mesh/sync.ts';
import { FakeService } from './sync-fake.ts';

function makeKeys(): SyncStoreKeys {
  const storePriv = randomBytes(56);
  const storePub = publicFromPrivate('X448', storePriv);
  const storeKid = keyFingerprint('X448', storePub);
  const sigPriv = randomBytes(57);
  const sigPub = ed448.getPublicKey(sigPriv);
  const sigKid = keyFingerprint('Ed448', sigPub);
  return {
    read: { decrypt: [decryptionKey('X448', storePriv, storeKid)], signers: keysByKid([{ kid: sigKid, crv: 'Ed448', public: sigPub }]) },
    write: { recipient: { kid: storeKid, crv: 'X448', public: storePub }, signer: signer('Ed448', sigPriv, sigKid) },
  };
}

const STORE = 'Credential';

async function setup() {
  const service = new FakeService();
  const keys = makeKeys();
  service.createStore(STORE, buildStoreHeaderFrame('NAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA', { PublicKeyECDH: { crv: 'X448', Public: 'x' } }));
  return { service, keys };
}

async function device(service: FakeService, keys: SyncStoreKeys, local = new MemorySyncLocal()) {
  const replica = await StoreReplica.open(local, STORE, keys.read);
  const sync = (extra: object = {}) => syncStores({ transport: service.transport(), local, replicas: [replica], keys: { [STORE]: keys }, ...extra });
  return { local, replica, sync };
}

const cred = (service: string, username: string, password: string) => ({ Protocol: 'https', Service: service, Username: username, Password: password });

describe('sync engine', () => {
  it('carries an entry from one device to another', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const b = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('login.example.com', 'alice.walrus', 'pw1-Secret-Value') });
    expect(a.replica.view()).toHaveLength(1);
    const ra = await a.sync();
    expect(ra.complete).toBe(true);
    expect(a.replica.pending).toHaveLength(0);
    expect(a.replica.catalog.get(e.uniqueId)?.fields?.Password).toBe('pw1-Secret-Value');
    await b.sync();
    const got = b.replica.catalog.get(e.uniqueId);
    expect(got?.fields).toMatchObject({ Service: 'login.example.com', Username: 'alice.walrus', Password: 'pw1-Secret-Value', Uid: e.uniqueId });
    // Nothing on the service reveals the site, user or password.
    const wire = JSON.stringify([...service.frames.values()]);
    for (const s of ['example.com', 'alice.walrus', 'pw1-Secret-Value']) expect(wire).not.toContain(s);
  });

  it('merges disjoint field changes and keeps both values of a same-field conflict', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const b = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('example.com', 'alice', 'pw1') });
    await a.sync();
    await b.sync();
    const base = b.replica.catalog.get(e.uniqueId)!.fields!;
    // Disjoint: A changes the username, B the description.
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...base, Username: 'alice2' } });
    await queueEdit(b.local, b.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...base, Description: 'note' } });
    await a.sync();
    await b.sync();
    await a.sync();
    expect(a.replica.catalog.get(e.uniqueId)!.fields).toMatchObject({ Username: 'alice2', Description: 'note' });
    expect(b.replica.catalog.get(e.uniqueId)!.fields).toEqual(a.replica.catalog.get(e.uniqueId)!.fields);
    // Same field: both change the password.
    const now = a.replica.catalog.get(e.uniqueId)!.fields!;
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...now, Password: 'fromA' } });
    await queueEdit(b.local, b.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...now, Password: 'fromB' } });
    await a.sync();
    const rb = await b.sync();
    expect(rb.stores[0].conflicts).toBe(1);
    const [c] = b.replica.conflicts();
    expect(c.conflict!.fields).toEqual(['Password']);
    expect(c.fields!.Password).toBe('fromB');
    expect(c.conflict!.remote!.Password).toBe('fromA');
    expect(b.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('fromA');
    // The user keeps B's value; it syncs to A.
    const { lost } = await resolveConflict(b.local, b.replica, c.id, c.fields!);
    expect(lost.map((l) => l.Password)).toEqual(['fromA']);
    await b.sync();
    await a.sync();
    expect(a.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('fromB');
    expect(b.replica.conflicts()).toHaveLength(0);
  });

  it('edit against delete re-creates; delete against edit is dropped', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const b = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('x.org', 'u', 'p') });
    await a.sync();
    await b.sync();
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Delete' });
    await queueEdit(b.local, b.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...b.replica.catalog.get(e.uniqueId)!.fields!, Password: 'p2' } });
    await a.sync();
    const r = await b.sync();
    expect(r.stores[0].notices.join()).toMatch(/re-created/);
    await a.sync();
    expect(a.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('p2');
    // Now B deletes while A edits: A's edit wins, B's delete is dropped with a notice.
    await queueEdit(b.local, b.replica, { uniqueId: e.uniqueId, event: 'Delete' });
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...a.replica.catalog.get(e.uniqueId)!.fields!, Password: 'p3' } });
    await a.sync();
    const r2 = await b.sync();
    expect(r2.stores[0].notices.join()).toMatch(/delete not applied/);
    expect(b.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('p3');
  });

  it('a lost Transact response and a rerun give no duplicate and no lost edit', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('b.com', 'u', '2') });
    service.loseNextResponse = true;
    await expect(a.sync()).rejects.toThrow(/response lost/);
    // "Restart": a fresh replica from the same local state.
    const a2 = await device(service, keys, a.local);
    expect(a2.replica.pending).toHaveLength(2);
    await a2.sync();
    expect(service.frames.get(STORE)).toHaveLength(4); // header, 2 entries, their batch frame
    expect(a2.replica.pending).toHaveLength(0);
    expect(a2.replica.catalog.live()).toHaveLength(2);
  });

  it('signs a single edit itself, and many edits with one batch frame per upload', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('one.com', 'u', '1') });
    await a.sync();
    const signatures = (env: unknown[]) => ((env[2] as { signatures?: unknown[] } | undefined)?.signatures ?? []).length;
    expect(service.frames.get(STORE)!.map(signatures)).toEqual([0, 1]);
    for (let i = 0; i < 7; i++) await queueEdit(a.local, a.replica, { event: 'New', fields: cred(`s${i}.com`, 'u', String(i)) });
    await a.sync({ batchSize: 4, checkpointEvery: 0 });
    // Two uploads (4 + 3 entries), each followed by its signed batch frame.
    expect(service.frames.get(STORE)!.slice(2).map(signatures)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 1]);
    // Both uploads under one key exchange: the entry frames share one recipient block.
    const entryRecipients = service.frames.get(STORE)!.slice(2).filter((f) => signatures(f) === 0).map((f) => JSON.stringify((f[0] as { recipients?: unknown }).recipients));
    expect(entryRecipients).toHaveLength(7);
    expect(new Set(entryRecipients).size).toBe(1);
    const b = await device(service, keys);
    await b.sync();
    expect(b.replica.catalog.live()).toHaveLength(8);
  });

  it("does not download its own accepted frames again when the service's digest matches them", async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    for (let i = 0; i < 5; i++) await queueEdit(a.local, a.replica, { event: 'New', fields: cred(`s${i}.com`, 'u', String(i)) });
    const transport = service.transport();
    const downloads: number[] = [];
    const counting = { ...transport, status: transport.status.bind(transport), transact: transport.transact.bind(transport), downloadPage: (...args: Parameters<typeof transport.downloadPage>) => (downloads.push(1), transport.downloadPage(...args)) };
    // Batches of 2: three uploads (2 + batch frame, 2 + batch frame, 1 signed on its own), each put in
    // verified form while the next one travels.
    await syncStores({ transport: counting, local: a.local, replicas: [a.replica], keys: { [STORE]: keys }, batchSize: 2 });
    expect(downloads).toEqual([1]); // the store header only
    expect(a.replica.count).toBe(8);
    expect(JSON.stringify(a.local.stores.get(STORE)!.frames)).not.toContain('"json"'); // the cached text is not stored twice
    expect(a.replica.catalog.live().map((r) => r.fields?.Service).sort()).toEqual(['s0.com', 's1.com', 's2.com', 's3.com', 's4.com']);
    // What it keeps is what another device downloads.
    const b = await device(service, keys);
    await b.sync();
    expect(b.replica.tree.map((t) => Buffer.from(t).toString('hex'))).toEqual(a.replica.tree.map((t) => Buffer.from(t).toString('hex')));
    expect(b.replica.catalog.live().map((r) => JSON.stringify(r.fields)).sort()).toEqual(a.replica.catalog.live().map((r) => JSON.stringify(r.fields)).sort());
    // Reopened from its local store, the replica checks out.
    const again = await StoreReplica.open(a.local, STORE, keys.read);
    expect(again.catalog.live()).toHaveLength(5);
    // Its own checkpoint (written at the end of a sync, taken in by the next) counts as seen: no second one.
    const again3 = () => syncStores({ transport: counting, local: a.local, replicas: [a.replica], keys: { [STORE]: keys }, checkpointEvery: 3 });
    await again3();
    await again3();
    expect(a.replica.state.checkpointAt).toBe(8);
    await again3();
    expect(a.replica.count).toBe(9);
    expect(downloads).toEqual([1]);
  });

  it('keeps its own frames as each Transact answer confirms them, and ignores an answer whose digest they do not make', async () => {
    for (const mode of ['honest', 'lie'] as const) {
      const { service, keys } = await setup();
      const a = await device(service, keys);
      await a.sync();
      service.confirmInTransact = mode;
      for (let i = 0; i < 5; i++) await queueEdit(a.local, a.replica, { event: 'New', fields: cred(`s${i}.com`, 'u', String(i)) });
      const transport = service.transport();
      const counted: string[] = [];
      const counting = {
        status: (...x: Parameters<typeof transport.status>) => (counted.push('status'), transport.status(...x)),
        transact: (...x: Parameters<typeof transport.transact>) => (counted.push('transact'), transport.transact(...x)),
        downloadPage: (...x: Parameters<typeof transport.downloadPage>) => (counted.push('download'), transport.downloadPage(...x)),
      };
      // After each upload of 2 (+ its batch frame) the replica grows (the header, 2 + 1, 2 + 1, 1 signed alone), before any Status.
      const counts: number[] = [];
      const commit = a.local.commit.bind(a.local);
      a.local.commit = async (store, c) => (counts.push(a.replica.count), commit(store, c));
      await syncStores({ transport: counting, local: a.local, replicas: [a.replica], keys: { [STORE]: keys }, batchSize: 2 });
      expect(a.replica.count, mode).toBe(8);
      expect(counted.filter((x) => x === 'download'), mode).toEqual([]);
      if (mode === 'honest') expect([...new Set(counts)]).toEqual([4, 7, 8]); // each answer confirms its frames at once
      else expect([...new Set(counts)]).toEqual([1, 8]); // confirmed only by the next Status
      const b = await device(service, keys);
      await b.sync();
      expect(b.replica.tree.map((t) => Buffer.from(t).toString('hex'))).toEqual(a.replica.tree.map((t) => Buffer.from(t).toString('hex')));
    }
  });

  it('pages through long downloads and honours checkpoints', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    for (let i = 0; i < 12; i++) await queueEdit(a.local, a.replica, { event: 'New', fields: cred(`s${i}.com`, 'u', String(i)) });
    await a.sync({ checkpointEvery: 5, batchSize: 5 });
    expect(service.frames.get(STORE)!.length).toBe(17); // header + 3 × (entries + batch frame) + checkpoint
    const b = await device(service, keys);
    await b.sync({ pageSize: 4 });
    expect(b.replica.catalog.live()).toHaveLength(12);
    expect(b.replica.state.checkpointAt).toBe(16);
  });

  const tamperCases: [string, (s: FakeService) => void, string][] = [
    ['altered body', (s) => { const f = s.frames.get(STORE)!; f[1][1] = f[1][1].slice(0, -4) + 'AAAA'; }, 'integrity'],
    ['reordered', (s) => { const f = s.frames.get(STORE)!; [f[1], f[2]] = [f[2], f[1]]; }, 'integrity'],
    ['dropped', (s) => { const f = s.frames.get(STORE)!; f.splice(1, 1); }, 'integrity'],
    ['batch frame removed (entries left unsigned)', (s) => { s.frames.get(STORE)!.pop(); }, 'integrity'],
    ['forged signature', (s) => { const f = s.frames.get(STORE)!; const t = f[f.length - 1][2] as { signatures: { signature: string }[] }; const v = t.signatures[0].signature; t.signatures[0].signature = (v[5] === 'A' ? 'B' : 'A') + v.slice(1, 5) + (v[5] === 'A' ? 'B' : 'A') + v.slice(6); }, 'integrity'],
  ];
  for (const [name, tamper, code] of tamperCases) {
    it(`detects a service that serves ${name} frames and applies nothing`, async () => {
      const { service, keys } = await setup();
      const a = await device(service, keys);
      await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
      await queueEdit(a.local, a.replica, { event: 'New', fields: cred('b.com', 'u', '2') });
      await a.sync();
      tamper(service);
      const b = await device(service, keys);
      const err = await b.sync().catch((e) => e);
      expect(err).toBeInstanceOf(MeshError);
      expect(err.code).toBe(code);
      expect(err.message).toContain(STORE);
      expect(b.replica.catalog.live()).toHaveLength(0);
      expect(b.replica.count).toBe(0);
    });
  }

  it('detects truncation, rollback and replay against what it verified', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('b.com', 'u', '2') });
    await a.sync();
    const good = structuredClone(service.frames.get(STORE)!);
    service.frames.set(STORE, good.slice(0, 2)); // truncate
    expect((await a.sync().catch((e) => e)).code).toBe('rollback');
    service.frames.delete(STORE); // the whole store gone
    expect((await a.sync().catch((e) => e)).code).toBe('rollback');
    // Replay: an old frame re-appended as new.
    service.frames.set(STORE, structuredClone(good));
    const list = service.frames.get(STORE)!;
    const replayed = structuredClone(list[1]);
    (replayed[0] as { SequenceInfo: { Index: number } }).SequenceInfo.Index = 4;
    list.push(replayed);
    const err = await a.sync().catch((e) => e);
    expect(['rollback', 'integrity']).toContain(err.code);
    expect(a.replica.count).toBe(4);
  });

  it('detects a locally altered replica on open', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    await a.sync();
    const f = a.local.stores.get(STORE)!.frames[1];
    f.envelope[1] = f.envelope[1].slice(0, -4) + 'AAAA';
    await expect(StoreReplica.open(a.local, STORE, keys.read)).rejects.toThrow(/altered/);
  });
});

describe('sync engine, crash windows', () => {
  it('an edit replacing a sent version whose answer was lost does not conflict with itself', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    await a.sync();
    const f = a.replica.catalog.get(e.uniqueId)!.fields!;
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...f, Password: '2' } });
    service.loseNextResponse = true;
    await expect(a.sync()).rejects.toThrow(/response lost/);
    // Offline, the user changes the password again before the next sync.
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...f, Password: '3' } });
    const r = await a.sync();
    expect(r.stores[0].conflicts).toBe(0);
    expect(a.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('3');
    expect(a.replica.pending).toHaveLength(0);
  });

  it('…also after a restart that lost the built frame (as the extension does not keep it)', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    await a.sync();
    const f = a.replica.catalog.get(e.uniqueId)!.fields!;
    await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...f, Password: '2' } });
    service.loseNextResponse = true;
    await expect(a.sync()).rejects.toThrow(/response lost/);
    // Restart: the queued edit comes back without its built frame.
    const stored = a.local.stores.get(STORE)!;
    stored.pending = stored.pending.map(({ envelope: _dropped, ...p }) => p);
    const b = await device(service, keys, a.local);
    await queueEdit(b.local, b.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...f, Password: '3' } });
    const r = await b.sync();
    expect(r.stores[0].conflicts).toBe(0);
    expect(b.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('3');
    expect(b.replica.pending).toHaveLength(0);
  });
});

describe('sync engine, a service that drops an accepted edit', () => {
  it('is detected and the edit is kept', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    const t = service.transport();
    let n = 0;
    // Accepts, then replaces the frame with another device's before anyone downloads it.
    const transport = { ...t, transact: async (input: Parameters<typeof t.transact>[0]) => {
      const r = await t.transact(input);
      if (n++ === 0) {
        const list = service.frames.get(STORE)!;
        list.pop();
      }
      return r;
    } };
    const b = await device(service, keys);
    await queueEdit(b.local, b.replica, { event: 'New', fields: cred('b.com', 'u', '2') });
    const err = await syncStores({ transport, local: a.local, replicas: [a.replica], keys: { [STORE]: keys }, maxRounds: 1 }).then(() => b.sync()).then(() => syncStores({ transport: t, local: a.local, replicas: [a.replica], keys: { [STORE]: keys } })).catch((e) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect(err.message).toMatch(/dropped 1 edit/);
    expect(a.replica.pending).toHaveLength(1);
    expect(a.replica.pending[0].acceptedIndex).toBeUndefined();
  });
});

describe('sync engine, edits made while a sync runs', () => {
  it('an edit queued during the Transact is neither lost nor in conflict with the landed one', async () => {
    const { service, keys } = await setup();
    const a = await device(service, keys);
    const e = await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'u', '1') });
    const t = service.transport();
    let queued = false;
    const transport = { ...t, transact: async (input: Parameters<typeof t.transact>[0]) => {
      if (!queued) {
        queued = true;
        // The user edits while the frame is on its way.
        await queueEdit(a.local, a.replica, { uniqueId: e.uniqueId, event: 'Update', fields: { ...cred('a.com', 'u', '2'), Uid: e.uniqueId } });
        await queueEdit(a.local, a.replica, { event: 'New', fields: cred('b.com', 'v', '3') });
      }
      return t.transact(input);
    } };
    const r = await syncStores({ transport, local: a.local, replicas: [a.replica], keys: { [STORE]: keys } });
    expect(r.complete).toBe(true);
    expect(a.replica.conflicts()).toHaveLength(0);
    expect(a.replica.pending).toHaveLength(0);
    expect(a.replica.catalog.get(e.uniqueId)!.fields!.Password).toBe('2');
    expect(a.replica.catalog.live()).toHaveLength(2);
    // What is on disk agrees with memory.
    expect((await a.local.loadPending(STORE))).toHaveLength(0);
  });
});

describe('sync engine against random tampering', () => {
  it('any one-character change to the served frames is applied correctly or refused with a MeshError', async () => {
    const fc = await import('fast-check');
    const { service, keys } = await setup();
    const a = await device(service, keys);
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('a.com', 'user-a', 'secret-1') });
    await queueEdit(a.local, a.replica, { event: 'New', fields: cred('b.com', 'user-b', 'secret-2') });
    await a.sync();
    const pristine = structuredClone(service.frames.get(STORE)!);
    const text = JSON.stringify(pristine);
    await fc.assert(
      fc.asyncProperty(fc.nat(text.length - 1), fc.constantFrom(...'AQgw019_-"{}[],:xZ'), async (pos, ch) => {
        let mutated: unknown;
        try {
          mutated = JSON.parse(text.slice(0, pos) + ch + text.slice(pos + 1));
        } catch {
          return; // not JSON: the protocol client would refuse the response
        }
        service.frames.set(STORE, mutated as never);
        const b = await device(service, keys);
        try {
          await b.sync();
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
          expect(b.replica.count).toBe(0);
          return;
        }
        // Accepted: the view must be exactly the original one.
        const view = b.replica.catalog.live().map((r) => r.fields!.Password).sort();
        expect(view).toEqual(['secret-1', 'secret-2']);
      }),
      { numRuns: Number(process.env.F2_FUZZ_RUNS ?? 60) },
    );
    service.frames.set(STORE, pristine);
  });
});

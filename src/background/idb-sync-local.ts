// F2's SyncLocal (src/mesh/sync-local.ts) on IndexedDB. Frames are kept as downloaded (they are DARE
// envelopes; the replica re-checks their tree digests on open). Pending edits and the frames' base seeds
// are sealed under the vault key. A commit is one IndexedDB transaction: all of it or none of it.
import type { ConfirmedFrame, PendingEdit, StoreCommit, StoreSyncState, SyncLocal } from '../mesh/sync-local.ts';
import type { EnvelopeJson } from '../mesh/protocol/messages.ts';
import type { FrameRecord, PendingRecord, VaultDb } from './db.ts';
import { openJson, sealJson } from './local-crypto.ts';
import { loadedLayout, planPendingCommit, sealedEdit, type PendingLayout } from './pending-layout.ts';

const stateKey = (store: string) => `state:${store}`;
const pendingAad = (store: string, chunk: number) => `pending:${store}:${chunk}`;
export { PENDING_CHUNK } from './pending-layout.ts';
const seedAad = (key: string) => `seeds:${key}`;
const batchKey = (store: string, first: number) => `${store}:${String(first).padStart(12, '0')}`;

/** Frames per stored record: a commit of 10,000 downloaded frames is 10 puts, not 10,000. */
const FRAME_RUN = 1000;

/** The frames a stored record holds (unreadable ones come back empty: the replica's tree check refuses them). */
function framesOf(r: FrameRecord): ConfirmedFrame[] {
  if (!r.run) return [{ index: r.index, envelope: r.envelope as EnvelopeJson, tree: r.tree ?? '' }];
  let envelopes: unknown;
  try {
    envelopes = JSON.parse(r.run.envelopes);
  } catch {
    envelopes = [];
  }
  return r.run.trees.map((tree, k) => ({ index: r.index + k, envelope: ((envelopes as EnvelopeJson[])[k] ?? [{}, '']) as EnvelopeJson, tree }));
}

/** Reports a local record that failed its check; it is not used. */
export type ProblemSink = (store: string, message: string) => void;

export class IdbSyncLocal implements SyncLocal {
  /** Per store, the pending chunks as last loaded or written (a commit re-seals only the changed ones). */
  private readonly layouts = new Map<string, PendingLayout>();

  constructor(
    private readonly db: VaultDb,
    private readonly key: CryptoKey,
    private readonly problem: ProblemSink = () => {},
  ) {}

  async loadState(store: string): Promise<StoreSyncState | undefined> {
    return (await this.db.get('kv', stateKey(store))) as StoreSyncState | undefined;
  }

  async loadFrames(store: string): Promise<ConfirmedFrame[]> {
    const [frames, batches] = await Promise.all([this.db.getAllFromIndex('frames', 'byStore', store), this.db.getAllFromIndex('seeds', 'byStore', store)]);
    const seeds = new Map<number, string>();
    for (const b of batches) {
      try {
        for (const [i, s] of await openJson<[number, string][]>(this.key, b.sealed, seedAad(b.key))) seeds.set(i, s);
      } catch {
        this.problem(store, 'stored key material failed its integrity check and was not used');
      }
    }
    return frames
      .sort((a, b) => a.index - b.index)
      .flatMap(framesOf)
      .map((f) => (seeds.has(f.index) ? { ...f, baseSeed: seeds.get(f.index) } : f));
  }

  async loadFrame(store: string, index: number): Promise<ConfirmedFrame | undefined> {
    // The record holding it starts at or before it.
    const cursor = await this.db.transaction('frames').store.openCursor(IDBKeyRange.bound([store, 0], [store, index]), 'prev');
    return cursor ? framesOf(cursor.value).find((f) => f.index === index) : undefined;
  }

  async loadPending(store: string): Promise<PendingEdit[]> {
    const recs = (await this.db.getAllFromIndex('pending', 'byStore', store)).sort((a, b) => a.seq - b.seq);
    const out: PendingEdit[] = [];
    const chunks = new Map<number, PendingEdit[]>();
    for (const r of recs) {
      try {
        const edits = await openJson<PendingEdit[]>(this.key, r.sealed, pendingAad(store, r.seq));
        chunks.set(r.seq, edits);
        out.push(...edits);
      } catch {
        this.problem(store, 'pending local edits failed their integrity check and were not used');
      }
    }
    this.layouts.set(store, loadedLayout(chunks));
    return out;
  }

  /** Commits run one after another, in the order they are issued (each builds on the layout the last one wrote). */
  private queue: Promise<unknown> = Promise.resolve();

  commit(store: string, c: StoreCommit): Promise<void> {
    const run = this.queue.then(() => this.write(store, c));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(store: string, c: StoreCommit): Promise<void> {
    // Seal first: an IndexedDB transaction closes when it waits on anything but IndexedDB.
    const plan = planPendingCommit(this.layouts.get(store), c.pending);
    const pending: PendingRecord[] = await Promise.all(
      [...plan.write].map(async ([seq, chunk]) => ({ id: `${store}:${seq}`, store, seq, sealed: await sealJson(this.key, chunk.map(sealedEdit), pendingAad(store, seq)) })),
    );
    const seeds = c.append.filter((f) => f.baseSeed).map((f) => [f.index, f.baseSeed!] as [number, string]);
    const bk = c.append.length ? batchKey(store, c.append[0].index) : '';
    const seedBatch = seeds.length ? { key: bk, store, sealed: await sealJson(this.key, seeds, seedAad(bk)) } : undefined;

    const tx = this.db.transaction(['frames', 'seeds', 'pending', 'kv'], 'readwrite');
    const frames = tx.objectStore('frames');
    for (let i = 0; i < c.append.length; i += FRAME_RUN) {
      const run = c.append.slice(i, i + FRAME_RUN);
      const envelopes = `[${run.map((f) => f.json ?? JSON.stringify(f.envelope)).join(',')}]`;
      void frames.put({ store, index: run[0].index, run: { envelopes, trees: run.map((f) => f.tree) } });
    }
    if (seedBatch) void tx.objectStore('seeds').put(seedBatch);
    const ps = tx.objectStore('pending');
    const keep = new Set([...plan.layout.chunks.keys()].map((seq) => `${store}:${seq}`));
    for (const p of pending) void ps.put(p);
    void tx.objectStore('kv').put(c.state, stateKey(store));
    // Should this transaction fail, the next commit rewrites every chunk.
    this.layouts.delete(store);
    for (const id of await ps.index('byStore').getAllKeys(store)) if (!keep.has(id)) void ps.delete(id);
    await tx.done;
    this.layouts.set(store, plan.layout);
  }
}

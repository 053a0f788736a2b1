// The unlocked vault: one F2 StoreReplica per store (the confirmed catalog from the service's frames
// overlaid with this device's pending edits, sync.md §4.1). Local edits go through F2's queueEdit, which
// commits them to IndexedDB before the vault shows them, so a stopped worker or a browser restart loses
// nothing. Local edits and sync runs take turns (one mutex): neither overwrites the other's queue.
import { MeshError } from '../mesh/errors.ts';
import { Catalog } from '../mesh/catalog/index.ts';
import type { EntryFields } from '../mesh/catalog/entries.ts';
import { keysByKid } from '../mesh/dare/signature.ts';
import { queueEdit, queueEdits, resolveConflict, StoreReplica, type EditInput, type PendingEdit, type SyncLocal } from '../mesh/sync.ts';
import type { StoreName } from '../shared/messages.ts';
import { newUid } from './entries.ts';

export type { EntryFields, PendingEdit };
export const STORES: readonly StoreName[] = ['Credential', 'Bookmark'];

/** What the vault uses of a store replica. */
export type StoreSide = Pick<StoreReplica, 'store' | 'catalog' | 'pending' | 'state'>;

/** Opens a store's replica: with the account's keys once connected, else with none (no frames yet). */
export type ReplicaOpener = (store: StoreName, local: SyncLocal) => Promise<StoreReplica>;

export const openUnconnected: ReplicaOpener = (store, local) => StoreReplica.open(local, store, { decrypt: [], signers: keysByKid([]) });

export interface VaultChange {
  store: StoreName;
  uniqueId: string;
  /** Only the entry's pending / conflicted flags may have changed: its fields are the same. */
  flagsOnly?: boolean;
}

/** A local edit (to be synced) or a sync (already is). */
export type ChangeOrigin = 'local' | 'sync';

/** Where each store stood before a sync: what `changesSince` compares with. */
export type VaultMark = Record<StoreName, { count: number; pending: PendingEdit[] }>;

export interface ViewRecord {
  uniqueId: string;
  fields: EntryFields;
  pending: boolean;
  conflicted: boolean;
  modified?: string;
}

export class Vault {
  private sides = {} as Record<StoreName, StoreReplica>;
  /** Stores whose local copy failed its integrity check: shown empty, never written. */
  readonly broken = new Map<StoreName, string>();
  private listeners: ((changes: VaultChange[], origin: ChangeOrigin) => void)[] = [];
  private turn: Promise<unknown> = Promise.resolve();

  private constructor(readonly local: SyncLocal) {}

  static async open(local: SyncLocal, opener: ReplicaOpener = openUnconnected): Promise<Vault> {
    const v = new Vault(local);
    for (const store of STORES) {
      try {
        v.sides[store] = await opener(store, local);
      } catch (e) {
        v.broken.set(store, e instanceof Error ? e.message : String(e));
        v.sides[store] = { store, catalog: new Catalog(store), pending: [], state: { store, count: 0 } } as unknown as StoreReplica;
      }
    }
    return v;
  }

  replica(store: StoreName): StoreReplica {
    return this.sides[store];
  }

  /** The replicas a sync may use (not the broken ones). */
  replicas(): StoreReplica[] {
    return STORES.filter((s) => !this.broken.has(s)).map((s) => this.sides[s]);
  }

  onChange(f: (changes: VaultChange[], origin: ChangeOrigin) => void): void {
    this.listeners.push(f);
  }

  /** Tells listeners what changed (an empty list: anything may have), by a local edit or by a sync. */
  emit(changes: VaultChange[], origin: ChangeOrigin = 'local'): void {
    for (const f of this.listeners) f(changes, origin);
  }

  mark(): VaultMark {
    const m = {} as VaultMark;
    for (const store of STORES) m[store] = { count: this.sides[store].state.count, pending: this.sides[store].pending };
    return m;
  }

  /**
   * The entries a sync changed since `mark`: those with new frames and those whose pending edits came
   * or went. An edit of this device's that the service confirmed unchanged (the catalog now holds its
   * frame and nothing is queued after it) is `flagsOnly`: after an import of 10,000, re-indexing
   * means flipping 10,000 flags, not rebuilding 10,000 summaries.
   */
  changesSince(mark: VaultMark): VaultChange[] {
    const out: VaultChange[] = [];
    for (const store of STORES) {
      const side = this.sides[store];
      const { count, pending: before } = mark[store];
      if (side.state.count === count && side.pending === before) continue;
      const changed = new Map<string, boolean>();
      const after = new Set(side.pending);
      const queued = new Set<string>();
      for (const p of side.pending) queued.add(p.uniqueId);
      // The edit each entry showed before (the newest one not in conflict).
      const shown = new Map<string, PendingEdit>();
      for (const p of before) if (!p.conflict) shown.set(p.uniqueId, p);
      for (const p of before) if (!after.has(p)) changed.set(p.uniqueId, changed.get(p.uniqueId) ?? true);
      const kept = new Set(before);
      for (const p of side.pending) if (!kept.has(p)) changed.set(p.uniqueId, false);
      if (side.state.count !== count) {
        for (const r of side.catalog.records.values()) {
          if (r.index < count) continue;
          const own = shown.get(r.uniqueId);
          const same = own !== undefined && own.frameId === r.frameId && !queued.has(r.uniqueId) && changed.get(r.uniqueId) !== false;
          changed.set(r.uniqueId, same);
        }
      }
      for (const [uniqueId, flagsOnly] of changed) {
        // A removed edit whose frame is not in the catalog (dropped, resolved away) changes what is shown.
        const was = shown.get(uniqueId);
        const confirmed = flagsOnly && was !== undefined && side.catalog.get(uniqueId)?.frameId === was.frameId && !queued.has(uniqueId);
        out.push(confirmed ? { store, uniqueId, flagsOnly: true } : { store, uniqueId });
      }
    }
    return out;
  }

  /** Runs f when no other local edit or sync run is in progress. */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.turn.then(f, f);
    this.turn = run.catch(() => undefined);
    return run;
  }

  // ---- reading ----

  private newest(store: StoreName, uniqueId: string): PendingEdit | undefined {
    const q = this.sides[store].pending;
    for (let i = q.length - 1; i >= 0; i--) if (q[i].uniqueId === uniqueId && !q[i].conflict) return q[i];
    return undefined;
  }

  /** The entry as the user sees it (a conflicted edit shows the other device's version until resolved). */
  get(store: StoreName, uniqueId: string): EntryFields | null {
    const p = this.newest(store, uniqueId);
    if (p) return p.event === 'Delete' ? null : p.fields;
    const c = this.sides[store].catalog.get(uniqueId);
    return c && c.event !== 'Delete' ? c.fields : null;
  }

  modified(store: StoreName, uniqueId: string): string | undefined {
    return this.newest(store, uniqueId)?.modified ?? this.sides[store].catalog.get(uniqueId)?.modified;
  }

  hasPending(store: StoreName, uniqueId: string): boolean {
    return this.newest(store, uniqueId) !== undefined;
  }

  isConflicted(store: StoreName, uniqueId: string): boolean {
    return this.sides[store].pending.some((p) => p.uniqueId === uniqueId && p.conflict);
  }

  *entries(store: StoreName): Generator<ViewRecord> {
    const side = this.sides[store];
    const top = new Map<string, PendingEdit>();
    const conflicted = new Set<string>();
    for (const p of side.pending) {
      if (p.conflict) conflicted.add(p.uniqueId);
      else top.set(p.uniqueId, p);
    }
    for (const r of side.catalog.live()) {
      if (top.has(r.uniqueId)) continue;
      yield { uniqueId: r.uniqueId, fields: r.fields!, pending: false, conflicted: conflicted.has(r.uniqueId), modified: r.modified };
    }
    for (const [id, p] of top) {
      if (p.event !== 'Delete' && p.fields) yield { uniqueId: id, fields: p.fields, pending: true, conflicted: conflicted.has(id), modified: p.modified };
    }
  }

  pendingCount(): number {
    let n = 0;
    for (const s of STORES) for (const p of this.sides[s].pending) if (!p.conflict) n++;
    return n;
  }

  conflicts(): PendingEdit[] {
    return STORES.flatMap((s) => this.sides[s].pending.filter((p) => p.conflict));
  }

  // ---- local edits ----

  private writable(store: StoreName): StoreReplica {
    const why = this.broken.get(store);
    if (why) throw new MeshError('integrity', `${store} cannot be changed: its local copy failed its integrity check (${why})`);
    return this.sides[store];
  }

  /** Adds (uniqueId undefined: a fresh UDF nonce, also the entry's Uid) or replaces an entry; returns its id. */
  put(store: StoreName, uniqueId: string | undefined, fields: EntryFields): Promise<string> {
    return this.exclusive(async () => {
      // A new entry's UniqueId is its Uid (decision 6), whoever chose it.
      const id = uniqueId ?? (typeof fields.Uid === 'string' ? fields.Uid : undefined);
      const edit = await queueEdit(this.local, this.writable(store), { uniqueId: id, event: id && this.get(store, id) ? 'Update' : 'New', fields });
      this.emit([{ store, uniqueId: edit.uniqueId }]);
      return edit.uniqueId;
    });
  }

  remove(store: StoreName, uniqueId: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.get(store, uniqueId) === null) throw new MeshError('not-found', 'no such entry');
      await queueEdit(this.local, this.writable(store), { uniqueId, event: 'Delete' });
      this.emit([{ store, uniqueId }]);
    });
  }

  /** Adds many new entries in one commit (import): one IndexedDB transaction, not one per entry. */
  putMany(store: StoreName, items: EntryFields[]): Promise<string[]> {
    return this.exclusive(async () => {
      const replica = this.writable(store);
      const modified = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const edits: PendingEdit[] = items.map((fields) => {
        const uniqueId = newUid();
        return { id: newUid(), store, uniqueId, event: 'New', fields: { ...fields, Uid: uniqueId }, base: 0, frameId: newUid(), modified };
      });
      const pending = [...replica.pending, ...edits];
      await this.local.commit(store, { append: [], state: replica.state, pending });
      replica.pending = pending;
      this.emit(edits.map((e) => ({ store, uniqueId: e.uniqueId })));
      return edits.map((e) => e.uniqueId);
    });
  }

  /**
   * Queues new entries and updates in ONE commit (import-batch): all of them or, if the commit fails,
   * none (the queue in memory is put back as it was). Returns the edits' UniqueIds in input order.
   */
  queueMany(store: StoreName, inputs: EditInput[]): Promise<string[]> {
    return this.exclusive(async () => {
      const replica = this.writable(store);
      const before = replica.pending;
      let edits: PendingEdit[];
      try {
        edits = await queueEdits(this.local, replica, inputs);
      } catch (e) {
        replica.pending = before;
        throw e;
      }
      this.emit(edits.map((e) => ({ store, uniqueId: e.uniqueId })));
      return edits.map((e) => e.uniqueId);
    });
  }

  /**
   * Resolves a conflict with the user's choice (null: the entry stays deleted as the other device
   * left it). The choice is based on the frame the local edit collided with, so it wins everywhere.
   */
  resolve(store: StoreName, uniqueId: string, chosen: EntryFields | null): Promise<void> {
    return this.exclusive(async () => {
      const replica = this.writable(store);
      const c = replica.pending.find((p) => p.uniqueId === uniqueId && p.conflict);
      if (!c) throw new MeshError('not-found', 'no such conflict');
      if (chosen) await resolveConflict(this.local, replica, c.id, chosen);
      else {
        const pending = replica.pending.filter((p) => p !== c);
        await this.local.commit(store, { append: [], state: replica.state, pending });
        replica.pending = pending;
      }
      this.emit([{ store, uniqueId }]);
    });
  }
}

// A device's in-memory replica of one store: the confirmed frames' tree digests and ids (for the
// integrity and rollback checks), the replayed catalog and the pending queue. Built from SyncLocal.
import { MeshError } from './errors.ts';
import { equal, fromBase64Url, toBase64Url } from './bytes.ts';
import { sha512 } from './dare/primitives.ts';
import { treeDigest } from './dare/merkle.ts';
import { Catalog, type CatalogRecord } from './catalog/index.ts';
import { decodeEntry, frameInfo, SeedCache, type StoreReadKeys } from './catalog/frame.ts';
import type { EntryFields } from './catalog/entries.ts';
import type { ConfirmedFrame, PendingEdit, StoreSyncState, SyncLocal } from './sync-local.ts';
import type { EnvelopeJson } from './protocol/messages.ts';

export class StoreReplica {
  /** T[i] of every confirmed frame. */
  readonly tree: Uint8Array[] = [];
  readonly frameIds = new Set<string>();
  readonly catalog: Catalog;
  readonly seeds = new SeedCache();
  pending: PendingEdit[] = [];
  /** Frames this device uploaded that are not pending edits (batch and checkpoint frames), by accepted index, until confirmed. */
  readonly uploaded = new Map<number, EnvelopeJson>();

  private constructor(
    readonly store: string,
    public state: StoreSyncState,
    readonly keys: StoreReadKeys,
  ) {
    this.catalog = new Catalog(store);
  }

  get count(): number {
    return this.state.count;
  }

  /** Index of the last confirmed frame (-1 when none). */
  get lastIndex(): number {
    return this.state.count - 1;
  }

  /**
   * Loads the replica, recomputing every tree digest from the stored frames and comparing the
   * apex with the remembered one: a corrupted or altered local record is detected, not used.
   */
  static async open(local: SyncLocal, store: string, keys: StoreReadKeys, opts: { verifyLocal?: boolean } = {}): Promise<StoreReplica> {
    const state = (await local.loadState(store)) ?? { store, count: 0 };
    const r = new StoreReplica(store, state, keys);
    const frames = (await local.loadFrames(store)).slice(0, state.count);
    if (frames.length !== state.count) throw new MeshError('integrity', `local replica of ${store} is missing frames (${frames.length} of ${state.count})`);
    for (const f of frames) await r.load(f, opts.verifyLocal ?? true);
    if (state.count > 0) {
      const apex = r.tree[state.count - 1];
      if (!state.apex || !equal(apex, fromBase64Url(state.apex))) throw new MeshError('integrity', `local replica of ${store} does not match its remembered apex`);
    }
    r.pending = await local.loadPending(store);
    return r;
  }

  /** `verify`: recompute the tree digest from the stored frame (false: the platform's storage is itself authenticated). */
  private async load(f: ConfirmedFrame, verify: boolean): Promise<void> {
    if (f.index !== this.tree.length) throw new MeshError('integrity', `local replica of ${this.store}: frame ${f.index} out of order`);
    const info = frameInfo(f.envelope);
    const stored = fromBase64Url(f.tree);
    const t = verify ? treeDigest(f.index, sha512(info.envelope.body), (i) => this.tree[i]) : stored;
    if (!equal(t, stored)) throw new MeshError('integrity', `local replica of ${this.store}: frame ${f.index} was altered`);
    this.tree.push(t);
    if (info.frameId) this.frameIds.add(info.frameId);
    if (info.uniqueId && info.event && !info.checkpoint && !info.batch) {
      let fields: EntryFields | null = null;
      try {
        fields = (await decodeEntry(this.store, info, this.keys, { baseSeed: f.baseSeed ? fromBase64Url(f.baseSeed) : undefined, seeds: this.seeds })).fields;
      } catch (e) {
        if (!(e instanceof MeshError && e.code === 'decrypt')) throw e;
      }
      this.catalog.apply({ uniqueId: info.uniqueId, index: f.index, event: info.event, fields, modified: info.modified, frameId: info.frameId });
    }
  }

  /** Adds verified frames (called by the sync engine after they are committed). */
  applyVerified(frames: { frame: ConfirmedFrame; tree: Uint8Array; record?: CatalogRecord; frameId?: string }[]): void {
    for (const f of frames) {
      this.tree.push(f.tree);
      if (f.frameId) this.frameIds.add(f.frameId);
      if (f.record) this.catalog.apply(f.record);
    }
    if (frames.length) {
      this.state = { ...this.state, count: this.tree.length, apex: toBase64Url(this.tree[this.tree.length - 1]) };
    }
  }

  /** The catalog as the user sees it: confirmed entries overlaid with pending (not conflicted) edits. */
  view(): CatalogRecord[] {
    const out = new Map<string, CatalogRecord>();
    for (const r of this.catalog.live()) out.set(r.uniqueId, r);
    for (const p of this.pending) {
      if (p.conflict) continue;
      if (p.event === 'Delete') out.delete(p.uniqueId);
      else if (p.fields) out.set(p.uniqueId, { uniqueId: p.uniqueId, index: p.acceptedIndex ?? -1, event: p.event, fields: p.fields, modified: p.modified, frameId: p.frameId });
    }
    return [...out.values()];
  }

  /** The current value of one entry in the user's view (pending edits first). */
  current(uniqueId: string): CatalogRecord | undefined {
    return this.view().find((r) => r.uniqueId === uniqueId);
  }

  conflicts(): PendingEdit[] {
    return this.pending.filter((p) => p.conflict);
  }
}

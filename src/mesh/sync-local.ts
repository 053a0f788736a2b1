// The persistent per-store state the sync engine keeps on a device (sync.md §4.1), as an interface
// each platform implements: files in the CLI home, IndexedDB in the extension. MemorySyncLocal is
// the reference implementation (tests, and a model for the others).
import type { EnvelopeJson } from './protocol/messages.ts';
import type { CatalogEvent } from './catalog/frame.ts';
import type { EntryFields } from './catalog/entries.ts';

/** A frame the service has confirmed, by service index. */
export interface ConfirmedFrame {
  index: number;
  /** The envelope exactly as downloaded. */
  envelope: EnvelopeJson;
  /** base64url tree digest T[index] (dare.md §6.5a), computed and checked on arrival. */
  tree: string;
  /** base64url base seed unwrapped on arrival (saves the key agreement on every open).
   *  As secret as the store key: keep it wherever the keys are kept. */
  baseSeed?: string;
  /** The envelope's JSON text when already at hand, non-enumerable (a store may keep it instead of serializing again). */
  readonly json?: string;
}

/** Sync state of one store: what the device verified last (decision 13 rollback memory). */
export interface StoreSyncState {
  store: string;
  /** Number of confirmed frames (= last confirmed index + 1); 0 = nothing yet. */
  count: number;
  /** base64url T[count - 1]. */
  apex?: string;
  /** Index of the newest trusted checkpoint frame seen or written (decision 14). */
  checkpointAt?: number;
  /** When the last sync of this store completed (RFC 3339). */
  lastSync?: string;
}

export interface ConflictInfo {
  /** Index of the remote frame the local edit collided with. */
  remoteIndex: number;
  remote: EntryFields | null;
  remoteModified?: string;
  /** The entry both sides started from (null: none known). */
  base: EntryFields | null;
  /** Fields changed on both sides to different values. */
  fields: string[];
}

/** A local edit not yet seen back from the service (sync.md §4.1). Holds plaintext fields:
 *  platforms must store it as protected as the keys (the extension: under the vault key). */
export interface PendingEdit {
  /** Local id of the edit (stable across rebases). */
  id: string;
  store: string;
  uniqueId: string;
  event: CatalogEvent;
  fields: EntryFields | null;
  /** Service index of the frame this edit was made from (0: none). */
  base: number;
  /** EnvelopeId of the prepared frame: a retry re-sends the same frame (idempotent). */
  frameId: string;
  modified: string;
  /**
   * The prepared frame, re-sent unchanged until the edit is rebased. A local store may drop it: the
   * frame is then built again under the same frameId (the service answers a stored EnvelopeId as a
   * replay, and a sync downloads what landed before it sends anything).
   */
  envelope?: EnvelopeJson;
  /** Index the service assigned (Transact accepted; the frame not yet downloaded). */
  acceptedIndex?: number;
  /** Set aside: the same field changed on both sides; the user resolves it. */
  conflict?: ConflictInfo;
  /** A note for the user from a rebase (e.g. re-created after a remote delete). */
  notice?: string;
  /** Frame ids of earlier prepared versions this edit replaced (they may have landed: not a conflict). */
  sent?: string[];
}

export interface StoreCommit {
  /** New confirmed frames, in index order, continuing the stored ones. */
  append: ConfirmedFrame[];
  state: StoreSyncState;
  /** The complete pending queue after this commit. */
  pending: PendingEdit[];
}

export interface SyncLocal {
  loadState(store: string): Promise<StoreSyncState | undefined>;
  /** All confirmed frames in index order. */
  loadFrames(store: string): Promise<ConfirmedFrame[]>;
  loadFrame(store: string, index: number): Promise<ConfirmedFrame | undefined>;
  loadPending(store: string): Promise<PendingEdit[]>;
  /** Atomic: after a crash either all of the commit is visible or none of it. */
  commit(store: string, c: StoreCommit): Promise<void>;
}

export class MemorySyncLocal implements SyncLocal {
  readonly stores = new Map<string, { state: StoreSyncState; frames: ConfirmedFrame[]; pending: PendingEdit[] }>();

  private get(store: string) {
    let s = this.stores.get(store);
    if (!s) this.stores.set(store, (s = { state: { store, count: 0 }, frames: [], pending: [] }));
    return s;
  }
  async loadState(store: string) {
    return this.stores.has(store) ? structuredClone(this.get(store).state) : undefined;
  }
  async loadFrames(store: string) {
    return this.get(store).frames.slice();
  }
  async loadFrame(store: string, index: number) {
    return this.get(store).frames[index];
  }
  async loadPending(store: string) {
    return structuredClone(this.get(store).pending);
  }
  async commit(store: string, c: StoreCommit) {
    const s = this.get(store);
    s.frames.push(...c.append);
    s.state = structuredClone(c.state);
    s.pending = structuredClone(c.pending);
  }
}

// The opt-in, per-browser two-way mirror between the Bookmark catalog and a "Mesh bookmarks" folder in
// the browser's own bookmarks (issue 9; docs/bookmarks.md, docs/decisions/bookmarks.md).
//
// It is state based, not event replay: every run compares three things per entry, the catalog entry (c),
// the browser node (b) and the digest both had when they last agreed (kept in a persisted id map
// catalog UniqueId -> [node id, digest]):
//   c = b               in step (the digest is refreshed)
//   b = last, c differs the catalog changed (a sync or the popup) -> the node is updated, moved, created
//   c = last, b differs the user changed the node natively -> a local catalog edit
//   both differ         the browser's version is queued (the newest action on this device)
//   one side missing    deleted there -> deleted on the other side, unless the other side changed since
// Events only say "look again" (debounced); so an event lost while the worker slept, or native changes
// made while the vault was locked, are found by the next run, and a run that repeats changes nothing
// (no loops). Our own changes are not echoed: each browser call the mirror makes registers the one event
// it expects, which is then ignored, and vault change events for entries it wrote itself are ignored.
// Unmapped nodes and catalog entries with the same content are paired before anything is created (a run
// cut off by a worker stop, or re-enabling over an existing folder, makes no duplicates). Conflicted
// entries are left alone until the popup resolves them. The first run of a worker reads the whole folder;
// later runs look only at the nodes events named and the entries whose catalog version moved (falling
// back to a full read when a folder changed). The mirror runs only while the vault is unlocked.
import type { EntryFields } from '../mesh/catalog/entries.ts';
import type { MirrorStatus, StoreName } from '../shared/messages.ts';
import { rootName, type BookmarkNode, type BookmarksApi, type NativeEventKind } from './bookmark-mirror-api.ts';
import { bookmarkFromInput, type CatalogedBookmark } from './entries.ts';
import type { VaultChange, ViewRecord } from './vault.ts';

export const MIRROR_FOLDER_TITLE = 'Mesh bookmarks';

/** What the mirror uses of the unlocked vault (the real Vault in the worker and in tests). */
export interface MirrorVault {
  entries(store: StoreName): Iterable<ViewRecord>;
  get(store: StoreName, uniqueId: string): EntryFields | null;
  put(store: StoreName, uniqueId: string | undefined, fields: EntryFields): Promise<string>;
  putMany(store: StoreName, items: EntryFields[]): Promise<string[]>;
  remove(store: StoreName, uniqueId: string): Promise<void>;
  conflicts(): { store: string; uniqueId: string }[];
  onChange(f: (changes: VaultChange[]) => void): void;
}

/** Persisted per browser (the worker keeps it in IndexedDB's kv store). */
export interface MirrorState {
  enabled: boolean;
  /** The "Mesh bookmarks" folder's node id. */
  rootId?: string;
  /** catalog UniqueId -> [browser node id, digest of {url, title, folder} when both last agreed]. */
  map: Record<string, [string, string]>;
  importedAt?: number;
  lastError?: string;
}

export interface MirrorStore {
  load(): Promise<MirrorState | undefined>;
  save(state: MirrorState): Promise<void>;
}

export interface ReconcileReport {
  /** Browser side. */
  created: number;
  updated: number;
  removed: number;
  /** Catalog side. */
  added: number;
  changed: number;
  deleted: number;
  /** Pairs found by content (no change on either side). */
  adopted: number;
  /** Entries left alone while they are in conflict. */
  frozen: number;
  failed: number;
  /** Only the nodes and entries that changed were looked at (no full walk of the folder). */
  targeted?: boolean;
  ms: number;
}

interface Scope {
  nodes: Map<string, NodeItem>;
  candidates: Iterable<string>;
  unmappedCatalog: Iterable<string>;
  unmappedNodes: Iterable<NodeItem>;
}

/** Above this many changed items a run reads the whole folder at once instead. */
const TARGETED_MAX = 200;

export interface MirrorOptions {
  /** Debounce of event-triggered runs (ms). */
  debounceMs?: number;
  /** How long an expected echo of the mirror's own call is waited for (ms). */
  echoMs?: number;
  now?: () => number;
  /** Concurrent browser calls when creating many nodes. */
  parallel?: number;
}

interface Item {
  url: string;
  title: string;
  path: string;
}
interface NodeItem extends Item {
  id: string;
  parentId: string;
}

/** Folder path as stored in the catalog's `Path`: segments joined by '/', no empty segment. */
export function normPath(p: string | undefined): string {
  return (p ?? '')
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean)
    .join('/');
}

const canonCache = new Map<string, string>();

/** Browsers canonicalise URLs (host case, trailing slash): compare canonical forms (memoised). */
export function canonUrl(u: string): string {
  let c = canonCache.get(u);
  if (c === undefined) {
    try {
      c = new URL(u).href;
    } catch {
      c = u;
    }
    if (canonCache.size > 50_000) canonCache.clear();
    canonCache.set(u, c);
  }
  return c;
}

/** cyrb53: a fast 53-bit string hash, enough to tell versions of one entry apart. */
function cyrb53(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function hashStr(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export function digest(i: Item): string {
  return cyrb53(`${canonUrl(i.url)}\n${i.title}\n${i.path}`);
}

/** The mirrored view of a catalog entry. */
export function catalogItem(f: EntryFields): Item {
  const b = f as CatalogedBookmark;
  return { url: b.Uri ?? '', title: b.Title || b.LocalName || '', path: normPath(b.Path) };
}

// Entry field objects are replaced, never changed in place, so their view and digest can be cached.
const itemCache = new WeakMap<EntryFields, { item: Item; h: string }>();
function cachedItem(f: EntryFields): { item: Item; h: string } {
  let v = itemCache.get(f);
  if (!v) {
    const item = catalogItem(f);
    v = { item, h: digest(item) };
    itemCache.set(f, v);
  }
  return v;
}

const mirrorable = (url: string) => url !== '' && !/^(place|about|chrome|javascript|data):/i.test(url);

export class BookmarkMirror {
  private state: MirrorState = { enabled: false, map: {} };
  private loading: Promise<void> | undefined;
  private vault: MirrorVault | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private applying = false;
  private deferred: [NativeEventKind, string][] = [];
  /** "kind:node id" -> events of our own still to come (their echo), until a deadline. */
  private expected = new Map<string, { n: number; until: number }>();
  /** Catalog entries this mirror is writing (their vault change events are ours). */
  private selfWrites = new Set<string>();
  /** Catalog entries a browser refused (bad URL): not retried in this worker run. */
  private refused = new Set<string>();
  /** node id -> its last seen content and digest (saves hashing 5,000 unchanged nodes per run). */
  private nodeDigests = new Map<string, Item & { h: string }>();
  private nativeDirty = true;
  private catalogDirty = true;
  /** The mirror folder id when this worker has seen every browser-side change since its last full walk. */
  private known: string | undefined;
  /** Folder node id -> folder path, from the last full walk and this worker's own changes. */
  private folderPaths = new Map<string, string>();
  /** Nodes named by events (not our own) since the last run. */
  private dirtyNodes = new Set<string>();
  private catalogVersion = '';
  private generation = 0;
  lastRun: number | undefined;
  lastReport: ReconcileReport | undefined;
  private readonly debounceMs: number;
  private readonly echoMs: number;
  private readonly now: () => number;
  private readonly parallel: number;

  constructor(
    private readonly api: BookmarksApi | undefined,
    private readonly store: MirrorStore,
    opts: MirrorOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 400;
    this.echoMs = opts.echoMs ?? 5_000;
    this.now = opts.now ?? (() => Date.now());
    this.parallel = opts.parallel ?? 32;
  }

  private load(): Promise<void> {
    return (this.loading ??= this.store.load().then((s) => {
      if (s) this.state = { ...s, map: s.map ?? {} };
    }));
  }

  private save(): Promise<void> {
    return this.store.save(this.state);
  }

  // ---- lifecycle ----

  /** The vault was unlocked: listen to it, and catch up with whatever changed while it was locked. */
  async attach(vault: MirrorVault): Promise<void> {
    await this.load();
    this.vault = vault;
    this.generation++;
    this.known = undefined;
    this.nativeDirty = true;
    this.catalogDirty = true;
    this.catalogVersion = '';
    vault.onChange((changes) => {
      if (this.vault === vault) this.onCatalogChange(changes);
    });
    if (this.state.enabled && this.api) this.schedule(0);
  }

  /** The vault is locking: stop (a run in progress stops between two operations). */
  async detach(): Promise<void> {
    this.vault = undefined;
    this.known = undefined;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Wipe: forget everything (the kv store is cleared by the caller). */
  async reset(): Promise<void> {
    await this.detach();
    this.state = { enabled: false, map: {} };
    this.loading = Promise.resolve();
  }

  async status(): Promise<MirrorStatus> {
    await this.load();
    return {
      available: this.api !== undefined,
      enabled: this.state.enabled,
      folder: MIRROR_FOLDER_TITLE,
      mirrored: Object.keys(this.state.map).length,
      running: this.running !== undefined || this.timer !== undefined,
      ...(this.lastRun ? { lastRun: this.lastRun } : {}),
      ...(this.state.lastError ? { lastError: this.state.lastError } : {}),
      ...(this.state.importedAt ? { importedAt: this.state.importedAt } : {}),
    };
  }

  /** Turns the mirror on or off for this browser. Off keeps the folder and the catalog as they are. */
  async setEnabled(enabled: boolean): Promise<MirrorStatus> {
    await this.load();
    if (enabled && !this.api) throw new Error('this browser gives MeshPass no bookmarks API');
    if (!enabled) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.running?.catch(() => undefined);
    }
    this.known = undefined;
    this.state = { ...this.state, enabled, map: enabled ? this.state.map : {}, lastError: undefined };
    await this.save();
    if (enabled && this.vault) {
      this.nativeDirty = true;
      await this.runNow();
    }
    return this.status();
  }

  // ---- triggers ----

  /** A bookmarks API event (created, changed, moved, removed) for node `id`. */
  onNative(kind: NativeEventKind, id: string): void {
    if (!this.vault || !this.state.enabled) return; // locked: the run at unlock finds the change
    if (this.applying) {
      this.deferred.push([kind, id]);
      return;
    }
    if (this.isEcho(kind, id)) return;
    this.nativeDirty = true;
    this.dirtyNodes.add(id);
    this.schedule();
  }

  private onCatalogChange(changes: VaultChange[]): void {
    if (!this.state.enabled || !this.api) return;
    const bookmarks = changes.filter((c) => c.store === 'Bookmark');
    if (changes.length && !bookmarks.length) return;
    if (bookmarks.length && bookmarks.every((c) => this.selfWrites.has(c.uniqueId))) return;
    if (bookmarks.length) this.catalogDirty = true;
    this.schedule();
  }

  /** An event this mirror caused itself (each of our calls expects exactly one event). */
  private isEcho(kind: NativeEventKind, id: string): boolean {
    const key = `${kind}:${id}`;
    const e = this.expected.get(key);
    if (!e) return false;
    if (--e.n <= 0) this.expected.delete(key);
    return e.until >= this.now();
  }

  private expect(kind: NativeEventKind, id: string): void {
    const key = `${kind}:${id}`;
    const e = this.expected.get(key);
    this.expected.set(key, { n: (e?.n ?? 0) + 1, until: this.now() + this.echoMs });
  }

  private schedule(delay = this.debounceMs): void {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runNow().catch(() => undefined), delay);
  }

  /** Runs a reconcile now (or joins the one running); resolves when it is done. */
  async runNow(): Promise<ReconcileReport | undefined> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      await this.running.catch(() => undefined);
      return this.lastReport;
    }
    let report: ReconcileReport | undefined;
    const run = this.reconcile()
      .then((r) => {
        report = r;
        if (r) this.lastReport = r;
      })
      .catch(async (e: unknown) => {
        this.known = undefined;
        this.state.lastError = e instanceof Error ? e.message : String(e);
        await this.save().catch(() => undefined);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    this.running = run;
    await run;
    return report;
  }

  /** Resolves when no run is scheduled or running (tests, benches). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running.catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  // ---- the run ----

  /** Changes whenever a sync or a local edit changed the Bookmark store (frames received, queue changed). */
  private version(vault: MirrorVault): string {
    const r = (vault as { replica?: (s: StoreName) => { state: { count: number }; pending: { id: string; modified: string; conflict?: unknown }[] } }).replica?.('Bookmark');
    if (!r) return String(Math.random());
    let h = 0;
    for (const p of r.pending) h = (Math.imul(h, 31) + hashStr(p.id) + hashStr(p.modified) + (p.conflict ? 7 : 0)) | 0;
    return `${r.state.count}:${r.pending.length}:${h}`;
  }

  /** The mirror folder, found or made; undefined when it was deleted (the mirror then turns itself off). */
  private async root(): Promise<string | undefined> {
    const api = this.api!;
    if (this.state.rootId) {
      const found = await api.get(this.state.rootId).then(
        (n) => n[0],
        () => undefined,
      );
      if (found && found.url === undefined) return found.id;
      if (Object.keys(this.state.map).length) {
        // Deleting the whole folder is read as "stop mirroring", never as "delete every Mesh bookmark".
        this.state = { ...this.state, enabled: false, map: {}, rootId: undefined, lastError: `The "${MIRROR_FOLDER_TITLE}" folder was removed from the browser, so the mirror was turned off. No Mesh bookmark was deleted.` };
        await this.save();
        return undefined;
      }
    }
    const top = (await api.getTree())[0]?.children ?? [];
    const other = top.find((n) => rootName(n) === 'Other') ?? top[top.length - 1];
    if (!other) throw new Error('the browser has no bookmark folders');
    const existing = (await api.getChildren(other.id)).find((n) => n.url === undefined && n.type !== 'separator' && n.title === MIRROR_FOLDER_TITLE);
    const id = existing?.id ?? (await api.create({ parentId: other.id, title: MIRROR_FOLDER_TITLE })).id;
    if (!existing) this.expect('created', id);
    this.state.rootId = id;
    await this.save();
    return id;
  }

  private async reconcile(): Promise<ReconcileReport | undefined> {
    await this.load();
    const vault = this.vault;
    const api = this.api;
    if (!vault || !api || !this.state.enabled) return undefined;
    const version = this.version(vault);
    if (!this.nativeDirty && !this.catalogDirty && version === this.catalogVersion) return undefined;
    const generation = this.generation;
    const live = () => this.generation === generation && this.vault === vault && this.state.enabled;
    const t0 = performance.now();
    const report: ReconcileReport = { created: 0, updated: 0, removed: 0, added: 0, changed: 0, deleted: 0, adopted: 0, frozen: 0, failed: 0, ms: 0 };
    const now = this.now();
    for (const [key, e] of this.expected) if (e.until < now) this.expected.delete(key);
    this.nativeDirty = false;
    this.catalogDirty = false;
    this.applying = true;
    let changed = false;
    let forgetWalk = false;
    try {
      const rootId = await this.root();
      if (rootId === undefined) return undefined;

      // The catalog side (in memory; views and digests cached per entry object).
      const frozen = new Set(vault.conflicts().filter((p) => p.store === 'Bookmark').map((p) => p.uniqueId));
      const catalog = new Map<string, Item>();
      const catalogH = new Map<string, string>();
      for (const r of vault.entries('Bookmark')) {
        if (r.conflicted) continue;
        const { item, h } = cachedItem(r.fields);
        catalog.set(r.uniqueId, item);
        catalogH.set(r.uniqueId, h);
      }
      const nodeH = (b: NodeItem): string => {
        const prev = this.nodeDigests.get(b.id);
        if (prev && prev.url === b.url && prev.title === b.title && prev.path === b.path) return prev.h;
        const h = digest(b);
        this.nodeDigests.set(b.id, { url: b.url, title: b.title, path: b.path, h });
        return h;
      };
      const map = this.state.map;

      // The browser side. When this worker has seen every change since its last full walk, only the nodes
      // that events named and the entries whose catalog version moved are looked at (a few bookmarks.get
      // calls); otherwise, or when a folder changed, every bookmark under the mirror folder is read.
      const scope = this.known === rootId ? await this.targetedScope(api, rootId, map, catalog, catalogH) : undefined;
      let nodes: Map<string, NodeItem>;
      let candidates: Iterable<string>;
      let unmappedCatalog: Iterable<string>;
      let unmappedNodes: Iterable<NodeItem>;
      const folders = new Map<string, string>();
      if (scope) {
        ({ nodes, candidates, unmappedCatalog, unmappedNodes } = scope);
        for (const [id, p] of this.folderPaths) if (!folders.has(p)) folders.set(p, id);
        report.targeted = true;
      } else {
        this.dirtyNodes.clear();
        nodes = new Map<string, NodeItem>();
        folders.set('', rootId);
        const paths = new Map<string, string>([[rootId, '']]);
        const walk = (n: BookmarkNode, path: string) => {
          for (const c of n.children ?? []) {
            if (c.type === 'separator') continue;
            if (c.url !== undefined) nodes.set(c.id, { id: c.id, parentId: n.id, url: c.url, title: c.title ?? '', path });
            else {
              const p = normPath(path ? `${path}/${c.title}` : c.title);
              if (!folders.has(p)) folders.set(p, c.id);
              paths.set(c.id, p);
              walk(c, p);
            }
          }
        };
        const [tree] = await api.getSubTree(rootId);
        if (tree) walk(tree, '');
        this.folderPaths = paths;
        candidates = Object.keys(map);
        const mappedNodes = new Set<string>();
        for (const [nodeId] of Object.values(map)) mappedNodes.add(nodeId);
        unmappedNodes = [...nodes.values()].filter((b) => !mappedNodes.has(b.id));
        unmappedCatalog = [...catalog.keys()].filter((uid) => !(uid in map));
      }

      const browserCreate: [string, Item][] = [];
      const browserUpdate: [string, NodeItem, Item][] = [];
      const browserRemove: [string, NodeItem][] = [];
      const catalogPut: [string, NodeItem][] = [];
      const catalogRemove: string[] = [];

      for (const uid of candidates) {
        const entry = map[uid];
        if (!entry) continue;
        const [nodeId, last] = entry;
        const b = nodes.get(nodeId);
        if (frozen.has(uid)) {
          // In conflict: the popup's resolution decides; a native edit meanwhile is overridden by it.
          if (b && digest(b) !== last) {
            changed = true;
            map[uid] = [nodeId, digest(b)];
          }
          report.frozen++;
          continue;
        }
        const c = catalog.get(uid);
        const hc = c && catalogH.get(uid);
        const hb = b && nodeH(b);
        if (c && b) {
          if (hc === hb) {
            if (hc !== last) {
              changed = true;
              map[uid] = [nodeId, hc!];
            }
          } else if (hb === last) browserUpdate.push([uid, b, c]);
          else catalogPut.push([uid, b]);
        } else if (c) {
          if (hc === last) catalogRemove.push(uid);
          else browserCreate.push([uid, c]);
        } else if (b) {
          if (hb === last) browserRemove.push([uid, b]);
          else catalogPut.push([uid, b]);
        } else {
          changed = true;
          delete map[uid];
        }
      }

      // Unmapped on both sides: pair identical content first (no duplicates after a cut-off run).
      const pool = new Map<string, string[]>();
      for (const uid of unmappedCatalog) {
        const c = catalog.get(uid);
        if (!c || uid in map || this.refused.has(uid) || !mirrorable(c.url)) continue;
        const h = catalogH.get(uid)!;
        const list = pool.get(h);
        if (list) list.push(uid);
        else pool.set(h, [uid]);
      }
      const newNodes: NodeItem[] = [];
      for (const b of unmappedNodes) {
        const h = digest(b);
        const uid = pool.get(h)?.shift();
        if (uid) {
          changed = true;
          map[uid] = [b.id, h];
          report.adopted++;
        } else newNodes.push(b);
      }
      for (const uids of pool.values()) for (const uid of uids) browserCreate.push([uid, catalog.get(uid)!]);

      // Catalog side first (the user's native changes), then the browser side.
      for (const [uid, b] of catalogPut) {
        if (!live()) break;
        const previous = vault.get('Bookmark', uid) as CatalogedBookmark | null;
        this.selfWrites.add(uid);
        await vault.put('Bookmark', uid, bookmarkFromInput({ url: b.url, title: b.title, path: b.path }, uid, previous ?? undefined) as EntryFields);
        changed = true;
        map[uid] = [b.id, digest(b)];
        if (previous) report.changed++;
        else report.added++;
      }
      for (const uid of catalogRemove) {
        if (!live()) break;
        this.selfWrites.add(uid);
        await vault.remove('Bookmark', uid).catch(() => undefined);
        changed = true;
        delete map[uid];
        report.deleted++;
      }
      if (newNodes.length && live()) {
        const fields = newNodes.map((b) => bookmarkFromInput({ url: b.url, title: b.title, path: b.path }, '') as EntryFields);
        for (const f of fields) delete f.Uid; // putMany gives each its own UniqueId = Uid
        const uids = await vault.putMany('Bookmark', fields);
        uids.forEach((uid, i) => {
          this.selfWrites.add(uid);
          changed = true;
          map[uid] = [newNodes[i].id, digest(newNodes[i])];
        });
        report.added += uids.length;
      }

      const prune = new Set<string>();
      const folderFor = async (path: string): Promise<string> => {
        let parent = rootId;
        let acc = '';
        for (const seg of path ? path.split('/') : []) {
          acc = acc ? `${acc}/${seg}` : seg;
          let id = folders.get(acc);
          if (!id) {
            const made = await api.create({ parentId: parent, title: seg });
            id = made.id;
            this.expect('created', id);
            folders.set(acc, id);
            this.folderPaths.set(id, acc);
          }
          parent = id;
        }
        return parent;
      };
      for (const [uid, b, c] of browserUpdate) {
        if (!live()) break;
        try {
          if (b.title !== c.title || canonUrl(b.url) !== canonUrl(c.url)) {
            this.expect('changed', b.id);
            await api.update(b.id, { title: c.title, url: c.url });
          }
          if (b.path !== c.path) {
            const to = await folderFor(c.path);
            this.expect('moved', b.id);
            await api.move(b.id, { parentId: to });
            prune.add(b.parentId);
          }
          changed = true;
          map[uid] = [b.id, digest(c)];
          report.updated++;
        } catch {
          // Not retried at once (a URL the browser refuses would loop); the next trigger reads everything.
          report.failed++;
          forgetWalk = true;
        }
      }
      for (const [uid, b] of browserRemove) {
        if (!live()) break;
        this.expect('removed', b.id);
        await api.remove(b.id).catch(() => void (forgetWalk = true));
        changed = true;
        delete map[uid];
        prune.add(b.parentId);
        report.removed++;
      }
      // Folders first (one at a time), then the nodes in parallel batches.
      for (const [, c] of browserCreate) if (live()) await folderFor(c.path);
      for (let i = 0; i < browserCreate.length && live(); i += this.parallel) {
        await Promise.all(
          browserCreate.slice(i, i + this.parallel).map(async ([uid, c]) => {
            try {
              const node = await api.create({ parentId: await folderFor(c.path), title: c.title, url: c.url });
              this.expect('created', node.id);
              changed = true;
              map[uid] = [node.id, digest(c)];
              report.created++;
            } catch {
              this.refused.add(uid);
              report.failed++;
            }
          }),
        );
      }
      // Folders the mirror emptied go too (not the ones the user left empty).
      for (let id of prune) {
        while (id && id !== rootId && live()) {
          const kids = await api.getChildren(id).catch(() => undefined);
          if (!kids || kids.length) break;
          const [node] = await api.get(id).catch(() => [] as BookmarkNode[]);
          this.expect('removed', id);
          await api.remove(id).catch(() => undefined);
          const gone = this.folderPaths.get(id);
          this.folderPaths.delete(id);
          if (gone !== undefined && folders.get(gone) === id) folders.delete(gone);
          id = node?.parentId ?? '';
        }
      }
      if (this.state.lastError && live()) {
        this.state.lastError = undefined;
        changed = true;
      }
      this.catalogVersion = this.version(vault);
      if (live()) this.known = forgetWalk ? undefined : rootId;
      this.lastRun = this.now();
      report.ms = performance.now() - t0;
      return report;
    } finally {
      this.applying = false;
      this.selfWrites.clear();
      const real = this.deferred.filter(([kind, id]) => !this.isEcho(kind, id));
      this.deferred = [];
      if (real.length) {
        this.nativeDirty = true;
        this.again = true;
        for (const [, id] of real) this.dirtyNodes.add(id);
      }
      if (changed) await this.save();
    }
  }

  /**
   * What a targeted run looks at, or undefined when it must read the whole folder (a mirror folder was
   * renamed, moved or removed, a node sits in a folder this worker does not know, or too much changed).
   */
  private async targetedScope(api: BookmarksApi, rootId: string, map: MirrorState['map'], catalog: Map<string, Item>, catalogH: Map<string, string>): Promise<Scope | undefined> {
    const dirty = [...this.dirtyNodes];
    const candidates = new Set<string>();
    const unmappedCatalog: string[] = [];
    for (const [uid, h] of catalogH) {
      const m = map[uid];
      if (!m) {
        if (!this.refused.has(uid) && mirrorable(catalog.get(uid)!.url)) unmappedCatalog.push(uid);
      } else if (m[1] !== h) candidates.add(uid);
    }
    for (const uid of Object.keys(map)) if (!catalogH.has(uid)) candidates.add(uid);
    if (dirty.length + candidates.size + unmappedCatalog.length > TARGETED_MAX) return undefined;
    const byNode = new Map<string, string>();
    for (const [uid, [nodeId]] of Object.entries(map)) byNode.set(nodeId, uid);
    const fetch = async (id: string): Promise<BookmarkNode | undefined> => (await api.get(id).catch(() => [] as BookmarkNode[]))[0];
    const inside = async (id: string | undefined): Promise<boolean> => {
      for (let k = 0; id !== undefined && k < 64; k++) {
        if (id === rootId) return true;
        id = (await fetch(id))?.parentId;
      }
      return false;
    };
    const nodes = new Map<string, NodeItem>();
    const unmappedNodes: NodeItem[] = [];
    for (const id of dirty) {
      if (this.folderPaths.has(id)) return undefined; // a mirror folder changed
      const uid = byNode.get(id);
      const n = await fetch(id);
      if (!n) {
        if (uid) candidates.add(uid); // removed
        continue;
      }
      if (n.url === undefined || n.type === 'separator') {
        if (n.url === undefined && (await inside(n.parentId))) return undefined; // a new folder in the mirror
        continue;
      }
      const path = n.parentId !== undefined ? this.folderPaths.get(n.parentId) : undefined;
      if (path === undefined) {
        if (uid) candidates.add(uid); // moved out of the mirror: missing there
        else if (await inside(n.parentId)) return undefined;
        continue;
      }
      const b: NodeItem = { id, parentId: n.parentId!, url: n.url, title: n.title ?? '', path };
      nodes.set(id, b);
      if (uid) candidates.add(uid);
      else unmappedNodes.push(b);
    }
    for (const uid of candidates) {
      const nodeId = map[uid]?.[0];
      if (nodeId === undefined || nodes.has(nodeId)) continue;
      const n = await fetch(nodeId);
      if (!n || n.url === undefined) continue;
      const path = n.parentId !== undefined ? this.folderPaths.get(n.parentId) : undefined;
      if (path === undefined) {
        if (await inside(n.parentId)) return undefined;
        continue;
      }
      nodes.set(nodeId, { id: nodeId, parentId: n.parentId!, url: n.url, title: n.title ?? '', path });
    }
    this.dirtyNodes.clear();
    return { nodes, candidates, unmappedCatalog, unmappedNodes };
  }

  // ---- one-time import of the browser's own bookmarks ----

  /**
   * Copies the browser's bookmarks (outside the mirror folder) into the catalog, under folder paths that
   * start with a browser-neutral root name (Toolbar, Menu, Other, Mobile). A bookmark whose URL is
   * already in the catalog under the same folder is skipped, so running it again adds nothing.
   */
  async importExisting(): Promise<{ added: number; skipped: number }> {
    await this.load();
    const vault = this.vault;
    const api = this.api;
    if (!vault) throw new Error('the vault is locked');
    if (!api) throw new Error('this browser gives MeshPass no bookmarks API');
    const have = new Set<string>();
    for (const r of vault.entries('Bookmark')) {
      const c = catalogItem(r.fields);
      have.add(`${canonUrl(c.url)}\n${c.path}`);
    }
    const found: Item[] = [];
    let skipped = 0;
    const walk = (n: BookmarkNode, path: string) => {
      for (const c of n.children ?? []) {
        if (c.id === this.state.rootId || c.type === 'separator') continue;
        if (c.url !== undefined) {
          const key = `${canonUrl(c.url)}\n${path}`;
          if (!mirrorable(c.url) || have.has(key)) skipped++;
          else {
            have.add(key);
            found.push({ url: c.url, title: c.title ?? '', path });
          }
        } else walk(c, normPath(`${path}/${c.title}`));
      }
    };
    for (const top of (await api.getTree())[0]?.children ?? []) walk(top, normPath(rootName(top)));
    const fields = found.map((b) => {
      const f = bookmarkFromInput({ url: b.url, title: b.title, path: b.path }, '') as EntryFields;
      delete f.Uid;
      return f;
    });
    if (fields.length) await vault.putMany('Bookmark', fields);
    this.state.importedAt = this.now();
    await this.save();
    return { added: fields.length, skipped };
  }
}


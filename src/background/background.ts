// The background worker's state and request handling, free of extension globals (main.ts wires the
// browser in). One instance per worker start; everything that must outlive the worker is in IndexedDB
// or session storage.
import { MeshError } from '../mesh/errors.ts';
import { matchUrl, isUsable, matchGroup } from '../mesh/match.ts';
import type { CatalogedBookmark, CatalogedCredential } from '../mesh/catalog/entries.ts';
import {
  DEFAULT_SETTINGS,
  type Api,
  type CredentialSummary,
  type ErrorCode,
  type Request,
  type Result,
  type SecurityWarning,
  type Settings,
  type Status,
  type StoreName,
  type ConnectStep,
  type SuggestionItem,
  type SaveOfferView,
} from '../shared/messages.ts';
import { kvGet, kvSet, wipeAll, type VaultDb } from './db.ts';
import { bookmarkFromInput, bookmarkView, comparableFields, credentialFromInput, credentialView, importBatchEdits, newUid } from './entries.ts';
import { IdbSyncLocal } from './idb-sync-local.ts';
import { FULL_KDF } from './local-crypto.ts';
import { LockError, LockManager } from './lock.ts';
import type { Clock, SessionStore } from './platform.ts';
import type { ConnectBackend, ConnectResult, SyncBackend, SyncBackendFactory } from './remote.ts';
import { SearchIndex } from './search-index.ts';
import { SyncScheduler } from './sync-scheduler.ts';
import { openUnconnected, Vault, type VaultChange, type VaultMark } from './vault.ts';
import { toCsv } from './export-csv.ts';
import { ContentRouter, type ContentSender } from './content-router.ts';
import { BookmarkMirror } from './bookmark-mirror.ts';
import type { BookmarksApi } from './bookmark-mirror-api.ts';

/** What the worker needs from the tabs API to fill. */
export interface Tabs {
  url(tabId: number): Promise<string | undefined>;
  /** Sends a message to one frame of a tab (frame 0: the top frame). */
  sendToFrame(tabId: number, frameId: number, message: unknown): Promise<unknown>;
  /** The active tab of a window (default: the last focused one). */
  active?(windowId?: number): Promise<{ id: number; url?: string } | undefined>;
}

export interface BackgroundDeps {
  db: VaultDb;
  session: SessionStore;
  clock: Clock;
  tabs?: Tabs;
  syncFactory?: SyncBackendFactory;
  connect?: ConnectBackend;
  /** Test builds only: setup may lower the KDF cost. */
  allowKdfOverride?: boolean;
  /** The browser's bookmarks API, for the opt-in bookmark mirror (bookmark-mirror.ts). */
  bookmarks?: BookmarksApi;
  /** Clears the clipboard later, even after the page that copied has closed (clipboard.ts). */
  clipboard?: { clearAfter(seconds: number): Promise<number> };
}

export interface SenderInfo {
  /** The request comes from one of the extension's own pages. */
  fromExtensionPage: boolean;
  /** The sending page's tab, when it is one (a popup page opened as a tab acts on its own window). */
  tab?: { id: number; windowId?: number; active: boolean; url?: string };
}

const SETTINGS_KEY = 'settings';
const WARNINGS_KEY = 'warnings';
const SYNC_KEY = 'syncStatus';
const LIST_LIMIT = 50;
const CONNECTED_KEY = 'connectedDevice';
const CONNECTING_KEY = 'connecting';
const MIRROR_KEY = 'bookmarkMirror';

const fail = (error: ErrorCode, message: string, retryAfter?: number): Result<never> => ({ ok: false, error, message, ...(retryAfter ? { retryAfter } : {}) });

export class Background {
  readonly lock: LockManager;
  readonly scheduler: SyncScheduler;
  vault: Vault | undefined;
  private backend: SyncBackend | undefined;
  private settings: Settings = DEFAULT_SETTINGS;
  private warnings: SecurityWarning[] = [];
  private credentials = new SearchIndex<CredentialSummary>();
  private bookmarks = new SearchIndex<{ id: string; path: string }>();
  private connectStep: ConnectStep = { step: 'idle' };
  private connectAbort: AbortController | undefined;
  /** A finished connection waiting for the new vault's passphrase (memory only). */
  private connected: ConnectResult | undefined;
  private opening: Promise<void> | undefined;
  readonly content: ContentRouter | undefined;
  readonly mirror: BookmarkMirror;

  constructor(private readonly deps: BackgroundDeps) {
    this.mirror = new BookmarkMirror(deps.bookmarks, { load: () => kvGet(deps.db, MIRROR_KEY), save: (s) => kvSet(deps.db, MIRROR_KEY, s) });
    if (deps.tabs) {
      this.content = new ContentRouter(
        {
          unlocked: () => this.vault !== undefined,
          suggestions: (url) => this.suggestionsFor(url),
          secret: (url, id, allowInsecure) => this.secretFor(url, id, allowInsecure),
          credentialUrl: (id) => {
            const c = this.vault?.get('Credential', id) as CatalogedCredential | null;
            return c ? credentialView(id, c).url : undefined;
          },
          offerToSave: () => this.settings.offerToSave,
          fillOnLoad: () => this.settings.fillOnPageLoad,
        },
        deps.tabs,
        () => deps.clock.now(),
      );
    }
    this.lock = new LockManager(deps.db, deps.session, deps.clock);
    this.scheduler = new SyncScheduler(
      () => this.runSync(),
      deps.clock,
      (store, message) => void this.warn(store, `The service sent data for ${store} that failed verification; nothing from it was applied. (${message})`),
      (s) => this.persistSyncStatus(s),
    );
  }

  /** What a restarted worker shows of the last sync; written only when it changed (each run reports twice). */
  private persistedSync = '';
  private persistSyncStatus(s: { lastSync?: number; lastError?: string }): void {
    const value = { lastSync: s.lastSync, lastError: s.lastError };
    const text = JSON.stringify(value);
    if (text === this.persistedSync) return;
    this.persistedSync = text;
    void kvSet(this.deps.db, SYNC_KEY, value);
  }

  async start(): Promise<void> {
    this.settings = { ...DEFAULT_SETTINGS, ...((await kvGet<Partial<Settings>>(this.deps.db, SETTINGS_KEY)) ?? {}) };
    this.warnings = (await kvGet<SecurityWarning[]>(this.deps.db, WARNINGS_KEY)) ?? [];
    this.scheduler.restore(await kvGet(this.deps.db, SYNC_KEY));
    if (await this.lock.restore(this.settings.stayUnlocked)) await this.openVault();
    await this.resumeConnect();
  }

  // ---- status ----

  async status(): Promise<Status> {
    const [device, retryAfter] = await Promise.all([this.lock.device(), this.lock.retryAfter()]);
    const phase = !device ? 'new' : this.lock.unlockProgress !== undefined ? 'unlocking' : this.vault ? 'unlocked' : 'locked';
    return {
      phase,
      unlockProgress: this.lock.unlockProgress,
      retryAfter,
      account: device?.account,
      sync: this.scheduler.status(this.vault?.pendingCount() ?? 0),
      conflicts: this.vault?.conflicts().length ?? 0,
      warnings: this.warnings,
    };
  }

  private async warn(store: SecurityWarning['store'], message: string): Promise<void> {
    this.warnings = [...this.warnings.filter((w) => w.message !== message), { store, message, at: this.deps.clock.now() }].slice(-20);
    await kvSet(this.deps.db, WARNINGS_KEY, this.warnings);
  }

  // ---- unlocking and the vault ----

  private async openVault(): Promise<void> {
    this.opening ??= (async () => {
      const { vaultKey, secrets } = this.lock.current;
      const local = new IdbSyncLocal(this.deps.db, vaultKey, (store, message) => void this.warn(store === 'Credential' || store === 'Bookmark' ? store : 'Local', message));
      this.backend = secrets.mesh !== undefined ? this.deps.syncFactory?.(secrets.mesh, (next) => this.lock.updateMesh(next)) : undefined;
      const backend = this.backend;
      const vault = await Vault.open(local, backend ? (store, l) => backend.openStore(store, l) : openUnconnected);
      for (const [store, why] of vault.broken) await this.warn(store, `The local copy of ${store} failed its integrity check and is not used (${why}).`);
      vault.onChange((changes, origin) => {
        this.reindex(changes.length ? changes : undefined);
        if (changes.length && origin === 'local') void this.scheduler.request('change');
      });
      this.vault = vault;
      this.reindex();
      void this.mirror.attach(vault);
      void this.scheduler.request('unlock');
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private reindex(changes?: VaultChange[]): void {
    const v = this.vault;
    if (!v) return;
    if (!changes) {
      this.credentials.clear();
      this.bookmarks.clear();
      for (const r of v.entries('Credential')) this.indexCredential(r.uniqueId, r.fields as CatalogedCredential, r.pending, r.conflicted);
      for (const r of v.entries('Bookmark')) this.indexBookmark(r.uniqueId, r.fields as CatalogedBookmark);
      return;
    }
    const conflicted = new Set(v.conflicts().map((p) => p.uniqueId));
    const flagged = changes.filter((c) => c.flagsOnly);
    if (flagged.length) this.reflag(flagged, conflicted);
    changes = flagged.length ? changes.filter((c) => !c.flagsOnly) : changes;
    // Past a few hundred changes (an import), one pass over everything beats a lookup per change.
    if (changes.length > 200) return this.reindex();
    for (const c of changes) {
      const fields = v.get(c.store, c.uniqueId);
      const index = c.store === 'Credential' ? this.credentials : this.bookmarks;
      if (!fields) index.remove(c.uniqueId);
      else if (c.store === 'Credential') this.indexCredential(c.uniqueId, fields as CatalogedCredential, v.hasPending(c.store, c.uniqueId), conflicted.has(c.uniqueId));
      else this.indexBookmark(c.uniqueId, fields as CatalogedBookmark);
    }
  }

  /** Entries whose fields did not change (own edits confirmed by a sync): only their flags are updated. */
  private reflag(changes: VaultChange[], conflicted: Set<string>): void {
    const v = this.vault!;
    const pending = new Set(v.replica('Credential').pending.filter((p) => !p.conflict).map((p) => p.uniqueId));
    for (const c of changes) {
      if (c.store !== 'Credential') continue;
      this.credentials.patch(c.uniqueId, (s) => ({ ...s, pending: pending.has(c.uniqueId), conflicted: conflicted.has(c.uniqueId) }));
    }
  }

  private indexCredential(id: string, c: CatalogedCredential, pending: boolean, conflicted: boolean): void {
    const v = credentialView(id, c);
    const s: CredentialSummary = { id, title: v.title, site: c.Service ?? '', username: v.username, url: v.url, pending, conflicted };
    this.credentials.put(id, s, [s.title, s.site, s.username], `${s.title}\u0000${s.username}`, matchGroup(v.url));
  }

  private indexBookmark(id: string, b: CatalogedBookmark): void {
    this.bookmarks.put(id, { id, path: b.Path ?? '' }, [b.Title ?? '', b.Uri ?? '', b.Path ?? ''], b.Title ?? b.Uri ?? '');
  }

  private requireVault(): Vault {
    if (!this.vault) throw new LockError('locked', 'the vault is locked');
    return this.vault;
  }

  private async runSync(): Promise<{ conflicts: number } | undefined> {
    const vault = this.vault;
    const backend = this.backend;
    if (!vault || !backend) return undefined;
    let mark: VaultMark | undefined;
    try {
      return await vault.exclusive(() => {
        mark = vault.mark();
        return backend.sync(vault.local, vault.replicas());
      });
    } finally {
      // Precisely what the sync changed (also when it failed part way): after an import, flags only.
      const changes = mark ? vault.changesSince(mark) : [];
      if (changes.length) vault.emit(changes, 'sync');
    }
  }

  /** Called by the auto-lock alarm. */
  async checkIdle(): Promise<void> {
    if (await this.lock.idleExpired(this.settings.autoLockMinutes)) await this.doLock();
  }

  async doLock(): Promise<void> {
    await this.mirror.detach();
    await this.scheduler.idle();
    this.scheduler.cancel();
    this.vault = undefined;
    this.backend = undefined;
    this.credentials.clear();
    this.bookmarks.clear();
    await this.lock.lock();
  }

  /**
   * The tab a popup acts on. A fresh popup sends activeTab instead of querying the tab first, so the
   * lookup runs here, alongside the rest of the answer, instead of one round trip before the request.
   */
  private async popupTab(req: Api['popup-open'][0], sender: SenderInfo): Promise<{ id: number; url?: string } | undefined> {
    if (req.tabId !== undefined) return { id: req.tabId, url: await this.deps.tabs?.url(req.tabId) };
    if (!req.activeTab) return undefined;
    // The active tab of the sender's own window is the sender itself when it is active: no lookup needed.
    if (sender.tab?.active) return { id: sender.tab.id, url: sender.tab.url };
    return this.deps.tabs?.active?.(sender.tab?.windowId);
  }

  /** Matching credentials for a page, usable ones only. */
  private matching(pageUrl: string): CredentialSummary[] {
    const v = this.vault;
    if (!v) return [];
    // Only the credentials sharing the page's match group can match it (match.ts matchGroup).
    const group = matchGroup(pageUrl);
    if (group === null) return [];
    const out: CredentialSummary[] = [];
    for (const row of this.credentials.inGroup(group)) {
      const c = v.get('Credential', row.id) as CatalogedCredential | null;
      if (!c) continue;
      const view = credentialView(row.id, c);
      if (isUsable(matchUrl(view.url, pageUrl, view.matchMode ?? this.settings.defaultMatchMode))) out.push(row.summary);
    }
    return out;
  }

  // ---- requests from the extension's pages ----

  async handle(req: Request, sender: SenderInfo): Promise<Result<unknown>> {
    if (!sender.fromExtensionPage) return fail('forbidden', 'this request is only accepted from MeshPass pages');
    try {
      if (req.type !== 'status') void this.lock.touch();
      const value = await this.dispatch(req, sender);
      return { ok: true, value };
    } catch (e) {
      if (e instanceof LockError) {
        if (e.reason === 'too-soon') return fail('too-soon', e.message, e.retryAfter);
        if (e.reason === 'wrong-passphrase') return fail('wrong-passphrase', e.message, e.retryAfter);
        if (e.reason === 'locked') return fail('locked', e.message);
        return fail('bad-request', e.message);
      }
      if (e instanceof InsecureFillError) return fail('needs-confirmation', e.message);
      if (e instanceof FillError) return fail('origin-mismatch', e.message);
      if (e instanceof MeshError) return fail(e.code === 'not-found' ? 'not-found' : e.code === 'malformed' ? 'bad-request' : 'internal', e.message);
      return fail('internal', e instanceof Error ? e.message : String(e));
    }
  }

  private async dispatch(req: Request, sender: SenderInfo): Promise<unknown> {
    const vault = () => this.requireVault();
    switch (req.type) {
      case 'status':
        return this.status();
      case 'setup': {
        if (await this.lock.device()) throw new MeshError('malformed', 'this browser already has a vault');
        if (req.passphrase.length < 8) throw new MeshError('malformed', 'the passphrase needs at least 8 characters');
        const kdf = req.kdf && this.deps.allowKdfOverride ? req.kdf : FULL_KDF;
        const c = this.connected ?? (await this.deps.session.get<ConnectResult>(CONNECTED_KEY));
        if (c?.escrow) throw new MeshError('malformed', 'confirm that you kept the recovery shares first');
        await this.lock.setup(req.passphrase, kdf, c?.secrets, c && { address: c.address, profileUdf: c.profileUdf, serviceUrl: c.serviceUrl });
        if (c) {
          this.connected = undefined;
          await this.deps.session.remove(CONNECTED_KEY);
          this.connectStep = { step: 'done', address: c.address };
        }
        await this.openVault();
        return this.status();
      }
      case 'unlock': {
        if (!this.vault) {
          await this.lock.unlock(req.passphrase);
          if (this.settings.stayUnlocked) await this.lock.setStayUnlocked(true);
          await this.openVault();
        }
        return this.status();
      }
      case 'lock':
        await this.doLock();
        return this.status();
      case 'popup-open': {
        const [status, tab] = await Promise.all([this.status(), this.popupTab(req, sender)]);
        const tabId = tab?.id;
        if (!this.vault) return { status, tabId, matches: [], offers: [], recent: [], total: 0 };
        // After this answer has gone: the popup paints first, the sync it asks for runs behind it.
        setTimeout(() => void this.scheduler.request('popup'));
        const web = tab?.url && /^https?:/.test(tab.url) ? tab.url : undefined;
        const matches = web ? this.matching(web).slice(0, LIST_LIMIT) : [];
        const recent = this.credentials.search('', LIST_LIMIT);
        const offers = this.offerViews().filter((o) => tabId === undefined || this.content?.offers.find((x) => x.id === o.id)?.tabId === tabId);
        return { status, tabId, tab: web && tabId !== undefined ? { id: tabId, url: web } : undefined, matches, offers, recent: recent.items, total: recent.total };
      }
      case 'search':
        vault();
        return this.credentials.search(req.query, Math.min(req.limit ?? LIST_LIMIT, 500));
      case 'credential-get': {
        const c = vault().get('Credential', req.id) as CatalogedCredential | null;
        if (!c) throw new MeshError('not-found', 'no such credential');
        return credentialView(req.id, c, vault().modified('Credential', req.id));
      }
      case 'credential-save': {
        const v = vault();
        const previous = req.id ? (v.get('Credential', req.id) as CatalogedCredential | null) : null;
        if (req.id && !previous) throw new MeshError('not-found', 'no such credential');
        const input = { ...req.input, matchMode: req.input.matchMode === this.settings.defaultMatchMode ? undefined : req.input.matchMode };
        const fields = credentialFromInput(input, req.id ?? newUid(), previous ?? undefined);
        return { id: await v.put('Credential', req.id, fields as Record<string, unknown>) };
      }
      case 'credential-delete':
        await vault().remove('Credential', req.id);
        return {};
      case 'bookmark-search': {
        vault();
        const folder = req.folder;
        const inFolder = folder ? (b: { path: string }) => b.path === folder || b.path.startsWith(`${folder}/`) : undefined;
        const r = this.bookmarks.search(req.query, Math.min(req.limit ?? LIST_LIMIT, 500), inFolder);
        // The index may trail an edit by a moment (the change event follows the commit): skip what is gone.
        const items = r.items.flatMap(({ id }) => {
          const b = vault().get('Bookmark', id) as CatalogedBookmark | null;
          return b ? [bookmarkView(id, b, vault().hasPending('Bookmark', id))] : [];
        });
        return { total: r.total - (r.items.length - items.length), items };
      }
      case 'bookmark-save': {
        const v = vault();
        const previous = req.id ? (v.get('Bookmark', req.id) as CatalogedBookmark | null) : null;
        if (req.id && !previous) throw new MeshError('not-found', 'no such bookmark');
        return { id: await v.put('Bookmark', req.id, bookmarkFromInput(req.input, req.id ?? newUid(), previous ?? undefined) as Record<string, unknown>) };
      }
      case 'bookmark-delete':
        await vault().remove('Bookmark', req.id);
        return {};
      case 'bookmark-folders': {
        vault();
        const paths = new Set<string>();
        for (const row of this.bookmarks.all()) for (let p = row.summary.path; p; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') paths.add(p);
        return [...paths].sort((a, b) => a.localeCompare(b));
      }
      case 'mirror-status':
        return this.mirror.status();
      case 'mirror-set':
        if (req.enabled) vault();
        return this.mirror.setEnabled(req.enabled === true);
      case 'mirror-import':
        vault();
        return this.mirror.importExisting();
      case 'fill':
        return this.fill(req.id, req.tabId, req.confirmInsecure === true);
      case 'clipboard-clear-after': {
        if (!this.deps.clipboard) throw new MeshError('unsupported', 'clipboard clearing is not available here');
        return { at: await this.deps.clipboard.clearAfter(Math.max(1, Math.min(600, Math.round(Number(req.seconds) || 30)))) };
      }
      case 'conflicts':
        return vault()
          .conflicts()
          .map((p) => ({
            id: p.uniqueId,
            store: p.store as StoreName,
            theirs: comparableFields(p.conflict!.remote),
            mine: comparableFields(p.fields),
            theirsModified: p.conflict!.remoteModified,
            mineModified: p.modified,
          }));
      case 'conflict-resolve': {
        const c = vault().conflicts().find((p) => p.uniqueId === req.id && p.store === req.store);
        if (!c?.conflict) throw new MeshError('not-found', 'no such conflict');
        const theirs = c.conflict.remote;
        const mine = c.fields;
        let chosen: Record<string, unknown> | null;
        if ('keep' in req.choice) chosen = req.choice.keep === 'mine' ? mine : theirs;
        else {
          chosen = { ...(theirs ?? mine ?? {}) };
          for (const [k, side] of Object.entries(req.choice.fields)) {
            const src = side === 'mine' ? mine : theirs;
            if (src && src[k] !== undefined) chosen[k] = src[k];
            else delete chosen[k];
          }
        }
        await vault().resolve(req.store, req.id, chosen);
        return {};
      }
      case 'settings-get':
        return this.settings;
      case 'settings-set': {
        const next = sanitizeSettings({ ...this.settings, ...req.settings });
        if (next.stayUnlocked !== this.settings.stayUnlocked) await this.lock.setStayUnlocked(next.stayUnlocked && this.lock.isUnlocked);
        this.settings = next;
        await kvSet(this.deps.db, SETTINGS_KEY, next);
        return next;
      }
      case 'sync-now':
        await this.scheduler.request('manual');
        return this.scheduler.status(this.vault?.pendingCount() ?? 0);
      case 'export': {
        const v = vault();
        const device = await this.lock.device();
        // Export re-asks for the passphrase: a stolen unlocked session must not dump the vault silently.
        if (!device) throw new MeshError('not-found', 'no vault');
        await this.lock.unlock(req.passphrase);
        return { csv: toCsv([...v.entries('Credential')].map((r) => credentialView(r.uniqueId, r.fields as CatalogedCredential))) };
      }
      case 'import-existing':
        return [...vault().entries('Credential')].map((r) => {
          const v = credentialView(r.uniqueId, r.fields as CatalogedCredential);
          return { id: r.uniqueId, urls: v.url ? [v.url] : [], username: v.username, ...(v.title ? { title: v.title } : {}) };
        });
      case 'import-batch': {
        // All-or-nothing: every item is checked and built first, then adds and updates go in one commit.
        const v = vault();
        const batch = importBatchEdits(req, (id) => v.get('Credential', id));
        if (batch.edits.length) {
          await v.queueMany('Credential', batch.edits);
          // One deliberate batch: sent at once, not after the debounce that gathers typed edits.
          this.scheduler.cancel();
          void this.scheduler.request('manual');
        }
        return { added: batch.added, updated: batch.updated };
      }
      case 'wipe':
        if (req.confirm !== 'wipe') throw new MeshError('malformed', 'confirmation missing');
        await this.doLock();
        await this.mirror.reset();
        await wipeAll(this.deps.db);
        this.warnings = [];
        this.settings = DEFAULT_SETTINGS;
        return this.status();
      case 'dismiss-warnings':
        this.warnings = [];
        await kvSet(this.deps.db, WARNINGS_KEY, []);
        return {};
      case 'save-offers':
        vault();
        return this.offerViews();
      case 'save-offer-answer': {
        const v = vault();
        const offer = this.content?.takeOffer(req.id);
        if (!offer) throw new MeshError('not-found', 'no such offer');
        if (!req.save) return {};
        const existing = this.offerViews([offer])[0].updates;
        const prev = existing ? (v.get('Credential', existing) as CatalogedCredential) : undefined;
        const input = prev ? { ...credentialView(existing!, prev), password: offer.password } : { title: '', url: offer.url, username: offer.username, password: offer.password, notes: '' };
        return { id: await v.put('Credential', existing, credentialFromInput(input, existing ?? newUid(), prev) as Record<string, unknown>) };
      }
      case 'connect-start':
        return this.connectStart(req);
      case 'connect-state':
        return this.connectStep;
      case 'create-start':
        return this.createStart(req);
      case 'create-confirm':
        return this.createConfirm(req.share);
      case 'recover-start':
        return this.recoverStart(req);
      case 'devices': {
        const admin = this.admin();
        if (!admin) return { admin: false, devices: [], pending: [] };
        return this.requireVault().exclusive(async () => ({ admin: true, devices: await admin.devices(), pending: await admin.pending() }));
      }
      case 'device-pin':
        return this.adminDo((a) => a.issuePin(Math.max(5, Math.min(30 * 24 * 60, req.minutes ?? 24 * 60))));
      case 'device-accept':
        return this.adminDo(async (a) => (await a.accept(req.id), {}));
      case 'device-reject':
        return this.adminDo(async (a) => (await a.reject(req.id), {}));
      case 'device-remove':
        return this.adminDo(async (a) => (await a.remove(req.id), {}));
      case 'connect-cancel':
        this.connectAbort?.abort();
        this.connected = undefined;
        await this.deps.session.remove(CONNECTING_KEY);
        await this.deps.session.remove(CONNECTED_KEY);
        this.connectStep = { step: 'idle' };
        return this.connectStep;
    }
  }

  private admin() {
    return this.vault ? this.backend?.admin : undefined;
  }

  private adminDo<T>(f: (a: NonNullable<SyncBackend['admin']>) => Promise<T>): Promise<T> {
    const a = this.admin();
    if (!a) throw new MeshError('auth', 'this browser is not an administration device of the account');
    return this.requireVault().exclusive(() => f(a));
  }

  // ---- creating a new Mesh ----

  private async createStart(req: Api['create-start'][0]): Promise<ConnectStep> {
    const backend = this.deps.connect;
    if (!backend) throw new MeshError('unsupported', 'creating a Mesh is not available in this build');
    const device = await this.lock.device();
    if (device?.account) throw new MeshError('malformed', 'this browser is already connected to a Mesh');
    if (device && !this.lock.isUnlocked) throw new LockError('locked', 'unlock first');
    try {
      const r = await backend.create(req);
      this.connected = r;
      await this.deps.session.set(CONNECTED_KEY, r);
      return (this.connectStep = { step: 'shares', address: r.address, profileUdf: r.profileUdf, shares: r.escrow!.shares, quorum: r.escrow!.quorum });
    } catch (e) {
      return (this.connectStep = { step: 'failed', address: req.address, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * Recovery from shares on a fresh browser: the account secret rebuilt, this browser rejoins the
   * account as an administrator (worker-side, so a closed popup finds the result), then the passphrase.
   */
  private async recoverStart(req: Api['recover-start'][0]): Promise<ConnectStep> {
    const backend = this.deps.connect;
    if (!backend?.recover) throw new MeshError('unsupported', 'recovery is not available in this build');
    const device = await this.lock.device();
    if (device?.account) throw new MeshError('malformed', 'this browser is already connected to a Mesh');
    if (device && !this.lock.isUnlocked) throw new LockError('locked', 'unlock first');
    this.connectStep = { step: 'contacting', address: req.address };
    try {
      const r = await backend.recover({ address: req.address, shares: req.shares, serviceUrl: req.serviceUrl });
      if (this.lock.isUnlocked) {
        await this.lock.updateMesh(r.secrets, { address: r.address, profileUdf: r.profileUdf, serviceUrl: r.serviceUrl });
        this.vault = undefined;
        await this.openVault();
        return (this.connectStep = { step: 'done', address: r.address });
      }
      this.connected = r;
      await this.deps.session.set(CONNECTED_KEY, r);
      return (this.connectStep = { step: 'choose-passphrase', address: r.address, profileUdf: r.profileUdf });
    } catch (e) {
      return (this.connectStep = { step: 'failed', address: req.address, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** The user typed back one recovery share: proof they kept them. Then the shares are forgotten. */
  private async createConfirm(share: string): Promise<ConnectStep> {
    const r = this.connected ?? (await this.deps.session.get<ConnectResult>(CONNECTED_KEY));
    if (!r?.escrow) throw new MeshError('not-found', 'no new Mesh is waiting for confirmation');
    const norm = (x: string) => x.replace(/[\s-]/g, '').toUpperCase();
    if (!r.escrow.shares.some((x) => norm(x) === norm(share))) throw new MeshError('malformed', 'that is not one of the recovery shares');
    const kept: ConnectResult = { ...r, escrow: undefined };
    if (this.lock.isUnlocked) {
      await this.lock.updateMesh(kept.secrets, { address: kept.address, profileUdf: kept.profileUdf, serviceUrl: kept.serviceUrl });
      this.connected = undefined;
      await this.deps.session.remove(CONNECTED_KEY);
      this.vault = undefined;
      await this.openVault();
      return (this.connectStep = { step: 'done', address: kept.address });
    }
    this.connected = kept;
    await this.deps.session.set(CONNECTED_KEY, kept);
    return (this.connectStep = { step: 'choose-passphrase', address: kept.address, profileUdf: kept.profileUdf });
  }

  // ---- fill ----

  /** Sends one credential to the top frame of a tab, after re-checking the tab's site. */
  async fill(id: string, tabId: number, confirmInsecure = false): Promise<Record<string, never>> {
    const c = this.requireVault().get('Credential', id) as CatalogedCredential | null;
    if (!c) throw new MeshError('not-found', 'no such credential');
    const tabs = this.deps.tabs;
    if (!tabs) throw new MeshError('unsupported', 'no tabs');
    const pageUrl = await tabs.url(tabId);
    const view = credentialView(id, c);
    const outcome = pageUrl ? matchUrl(view.url, pageUrl, view.matchMode ?? this.settings.defaultMatchMode) : 'invalid';
    // An https login into an http page only after the user confirmed it (the popup asks, then retries).
    if (outcome === 'needs-confirmation' && !confirmInsecure) throw new InsecureFillError('this page is not encrypted (http); the login was saved for https');
    if (outcome !== 'match' && outcome !== 'needs-confirmation') throw new FillError('this credential is not for the site in this tab');
    if (!this.content) throw new MeshError('unsupported', 'no tabs');
    const r = await this.content.fillTab(tabId, view.url, { type: 'fill', username: view.username, password: view.password }, pageUrl!, outcome === 'needs-confirmation');
    if (!r.filled.length) throw new FillError('no login form to fill was found on this page');
    return {};
  }

  /** Save offers for the popup (no passwords), with the credential each would update. */
  private offerViews(offers = this.content?.offers ?? []): SaveOfferView[] {
    return offers.map((o) => {
      const updates = this.matching(o.url).find((s) => s.username === o.username)?.id;
      return { id: o.id, url: o.url, username: o.username, ...(updates ? { updates } : {}) };
    });
  }

  /** Messages from content scripts. */
  handleContent(message: unknown, sender: ContentSender): Promise<unknown> | undefined {
    return this.content?.handle(message, sender);
  }

  // ---- requests from content scripts (D's messages): one frame's origin only ----

  /**
   * Titles and usernames for the frame's own origin; never a password, never other sites. https logins
   * on an http page come marked `insecure` (the list asks the user before filling them).
   */
  suggestionsFor(frameUrl: string): SuggestionItem[] {
    const out: SuggestionItem[] = [];
    for (const s of this.matching(frameUrl)) {
      const c = this.vault?.get('Credential', s.id) as CatalogedCredential | null;
      if (!c) continue;
      const outcome = matchUrl(credentialView(s.id, c).url, frameUrl, credentialView(s.id, c).matchMode ?? this.settings.defaultMatchMode);
      if (outcome === 'match') out.push({ id: s.id, title: s.title, username: s.username });
      else if (outcome === 'needs-confirmation') out.push({ id: s.id, title: s.title, username: s.username, insecure: true });
    }
    return out.sort((a, b) => Number(!!a.insecure) - Number(!!b.insecure));
  }

  /** The one login for an HTTP basic-auth challenge at `url` (exact-site match only), if the option is on. */
  basicAuthFor(url: string): { username: string; password: string } | undefined {
    if (!this.settings.basicAuth || !this.vault) return undefined;
    const fits = this.suggestionsFor(url).filter((s) => !s.insecure);
    if (fits.length !== 1) return undefined;
    return this.secretFor(url, fits[0].id);
  }

  /** The secret for a fill the user chose in the frame's suggestion list, if it belongs to that frame. */
  secretFor(frameUrl: string, id: string, allowInsecure = false): { username: string; password: string } | undefined {
    const c = this.vault?.get('Credential', id) as CatalogedCredential | null;
    if (!c) return undefined;
    const view = credentialView(id, c);
    const outcome = matchUrl(view.url, frameUrl, view.matchMode ?? this.settings.defaultMatchMode);
    if (outcome !== 'match' && !(allowInsecure && outcome === 'needs-confirmation')) return undefined;
    return { username: view.username, password: view.password };
  }

  // ---- connecting to a Mesh (F2's connect behind ConnectBackend) ----

  private async connectStart(req: Api['connect-start'][0]): Promise<ConnectStep> {
    if (!this.deps.connect) return (this.connectStep = { step: 'failed', address: req.address, error: 'Connecting to a Mesh is not available in this build yet.' });
    this.connectStep = { step: 'contacting', address: req.address };
    await this.deps.session.set(CONNECTING_KEY, { req });
    this.runConnect(req, undefined);
    return this.connectStep;
  }

  /**
   * Runs (or, after a worker stop, resumes) a connection. Its progress is kept in session storage
   * (memory only): the new device's keys are in it until the vault seals them.
   */
  private runConnect(req: Api['connect-start'][0], saved: { checkpoint?: unknown; step?: ConnectStep } | undefined): void {
    const backend = this.deps.connect!;
    this.connectAbort?.abort();
    const abort = (this.connectAbort = new AbortController());
    if (saved?.step) this.connectStep = saved.step;
    let checkpoint = saved?.checkpoint;
    const persist = () => this.deps.session.set(CONNECTING_KEY, { req, checkpoint, step: this.connectStep });
    const finish = () => this.deps.session.remove(CONNECTING_KEY);
    void backend
      .connect(
        req,
        (s) => {
          if (abort.signal.aborted) return;
          this.connectStep = s;
          void persist();
        },
        abort.signal,
        { saved: checkpoint, save: async (c) => ((checkpoint = c), persist()) },
      )
      .then(async (r) => {
        if (abort.signal.aborted) return;
        await finish();
        if (this.lock.isUnlocked) {
          await this.lock.updateMesh(r.secrets, { address: r.address, profileUdf: r.profileUdf, serviceUrl: r.serviceUrl });
          this.vault = undefined;
          await this.openVault(); // now with the account's keys: pending local edits sync
          this.connectStep = { step: 'done', address: r.address };
        } else {
          this.connected = r;
          // Survives the worker stopping while the user picks a passphrase (memory-only storage).
          await this.deps.session.set(CONNECTED_KEY, r);
          this.connectStep = { step: 'choose-passphrase', address: r.address, profileUdf: r.profileUdf };
        }
      })
      .catch(async (e: Error) => {
        if (abort.signal.aborted) return;
        await finish();
        this.connectStep = { step: 'failed', address: req.address, error: e.message };
      });
  }

  /** After a worker restart: resume a connection in progress, or show the one waiting for a passphrase. */
  private async resumeConnect(): Promise<void> {
    const waiting = await this.deps.session.get<{ req: Api['connect-start'][0]; checkpoint?: unknown; step?: ConnectStep }>(CONNECTING_KEY);
    if (waiting && this.deps.connect) return this.runConnect(waiting.req, waiting);
    const done = await this.deps.session.get<ConnectResult>(CONNECTED_KEY);
    if (done) this.connectStep = done.escrow
      ? { step: 'shares', address: done.address, profileUdf: done.profileUdf, shares: done.escrow.shares, quorum: done.escrow.quorum }
      : { step: 'choose-passphrase', address: done.address, profileUdf: done.profileUdf };
  }
}

export class FillError extends MeshError {
  constructor(message: string) {
    super('auth', message);
  }
}

/** An https login for an http page: the user has to confirm first. */
export class InsecureFillError extends FillError {}

export function sanitizeSettings(s: Settings): Settings {
  const minutes = s.autoLockMinutes === 'never' ? 'never' : Math.max(1, Math.min(24 * 60, Math.round(Number(s.autoLockMinutes) || 15)));
  return {
    autoLockMinutes: minutes,
    stayUnlocked: !!s.stayUnlocked,
    fillOnPageLoad: !!s.fillOnPageLoad,
    defaultMatchMode: ['domain', 'host', 'exact', 'never'].includes(s.defaultMatchMode) ? s.defaultMatchMode : 'domain',
    offerToSave: !!s.offerToSave,
    basicAuth: !!s.basicAuth,
    // 0 means never (the settings page says so); anything unreadable falls back to 30.
    clipboardClearSeconds: Math.max(0, Math.min(600, Math.round(Number.isFinite(Number(s.clipboardClearSeconds)) ? Number(s.clipboardClearSeconds) : 30))),
  };
}

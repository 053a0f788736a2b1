// The one typed message API between the extension pages (popup, options, import) and the background
// worker. Each request type maps to exactly one response type; `send()` is the only way pages talk to
// the worker. Content scripts use D's src/content/messages.ts; the worker answers them with the narrow
// types at the bottom of this file (one origin, fill time only).

export type StoreName = 'Credential' | 'Bookmark';
export type { MatchMode } from '../mesh/match.ts';
export type { CredentialInput as MeshCredentialInput } from '../mesh/catalog/credential.ts';
import type { CredentialInput as MeshCredentialInput } from '../mesh/catalog/credential.ts';
import type { MatchMode } from '../mesh/match.ts';
export type AutoLock = number | 'never'; // minutes of idle time

export type VaultPhase = 'new' | 'locked' | 'unlocking' | 'unlocked';
export type SyncPhase = 'not-connected' | 'idle' | 'syncing' | 'offline' | 'error';

export interface SyncStatus {
  phase: SyncPhase;
  lastSync?: number;
  lastError?: string;
  nextAttempt?: number;
  pending: number;
}

export interface SecurityWarning {
  store: StoreName | 'Device' | 'Local';
  message: string;
  at: number;
}

export interface Status {
  phase: VaultPhase;
  /** 0..1 while the passphrase KDF runs. */
  unlockProgress?: number;
  /** After repeated wrong passphrases: no attempt accepted before this time (ms epoch). */
  retryAfter?: number;
  account?: { address: string; profileUdf?: string; serviceUrl?: string };
  sync: SyncStatus;
  conflicts: number;
  warnings: SecurityWarning[];
}

export interface Settings {
  autoLockMinutes: AutoLock;
  stayUnlocked: boolean;
  fillOnPageLoad: boolean;
  defaultMatchMode: MatchMode;
  offerToSave: boolean;
  basicAuth: boolean;
  clipboardClearSeconds: number;
}

export const DEFAULT_SETTINGS: Settings = {
  autoLockMinutes: 15,
  stayUnlocked: false,
  fillOnPageLoad: false,
  defaultMatchMode: 'domain',
  offerToSave: true,
  basicAuth: false,
  clipboardClearSeconds: 30,
};

/** What lists show: never a password. */
export interface CredentialSummary {
  id: string;
  title: string;
  site: string;
  username: string;
  url: string;
  pending: boolean;
  conflicted: boolean;
}

export interface CredentialInput {
  title: string;
  url: string;
  username: string;
  password: string;
  notes: string;
  matchMode?: MatchMode;
}

export interface CredentialView extends CredentialInput {
  id: string;
  modified?: string;
}

/** What the import preview compares against (never a password): E's ExistingCredential. */
export interface ImportExisting {
  id: string;
  urls: string[];
  username: string;
  title?: string;
}

export interface BookmarkInput {
  title: string;
  url: string;
  path: string;
}

export interface BookmarkView extends BookmarkInput {
  id: string;
  pending: boolean;
}

/** The per-browser mirror between the Bookmark catalog and the browser's "Mesh bookmarks" folder. */
export interface MirrorStatus {
  /** The browser gives MeshPass its bookmarks API. */
  available: boolean;
  enabled: boolean;
  /** The mirror folder's title. */
  folder: string;
  /** Bookmarks paired between the catalog and the folder. */
  mirrored: number;
  running: boolean;
  lastRun?: number;
  lastError?: string;
  /** When the browser's own bookmarks were last imported into the catalog. */
  importedAt?: number;
}

export interface ConflictView {
  id: string;
  store: StoreName;
  /** The version on the service (another device's edit) and this device's version. */
  theirs: Record<string, string> | null;
  mine: Record<string, string> | null;
  theirsModified?: string;
  mineModified?: string;
}

export type ConflictChoice = { keep: 'mine' | 'theirs' } | { fields: Record<string, 'mine' | 'theirs'> };

export type ConnectStep =
  | { step: 'idle' }
  | { step: 'contacting'; address: string }
  | { step: 'awaiting-approval'; address: string; witness: string; profileUdf: string }
  | { step: 'shares'; address: string; profileUdf: string; shares: string[]; quorum: number }
  | { step: 'choose-passphrase'; address: string; profileUdf: string }
  | { step: 'done'; address: string }
  | { step: 'failed'; address: string; error: string };

export interface DeviceInfo {
  id: string;
  description?: string;
  roles: string[];
  active: boolean;
  /** This browser. */
  self: boolean;
}

export interface PendingRequestView {
  id: string;
  /** The verification code the requesting device shows. */
  witness: string;
  deviceUdf: string;
  description?: string;
}

export interface IssuedPinView {
  pin: string;
  expires: string;
  /** Connection URI carrying the PIN (for a QR code). */
  uri: string;
}

export type ErrorCode =
  | 'locked'
  | 'wrong-passphrase'
  | 'too-soon'
  | 'not-found'
  | 'bad-request'
  | 'forbidden'
  | 'no-login-frame'
  | 'origin-mismatch'
  | 'needs-confirmation'
  | 'unavailable'
  | 'exists'
  | 'internal';

export interface Failure {
  ok: false;
  error: ErrorCode;
  message: string;
  retryAfter?: number;
}
export type Ok<T> = { ok: true; value: T };
export type Result<T> = Ok<T> | Failure;

/** Request type → [request fields, response value]. */
export interface Api {
  'status': [{}, Status];
  'setup': [{ passphrase: string; kdf?: KdfParams }, Status];
  'unlock': [{ passphrase: string }, Status];
  'lock': [{}, Status];
  /** tabId: the tab the popup is bound to; else activeTab: the worker looks up the active tab itself. */
  'popup-open': [{ tabId?: number; activeTab?: boolean }, PopupData];
  'search': [{ query: string; limit?: number }, { items: CredentialSummary[]; total: number }];
  'credential-get': [{ id: string }, CredentialView];
  'credential-save': [{ id?: string; input: CredentialInput }, { id: string }];
  'credential-delete': [{ id: string }, {}];
  /** folder: only bookmarks in that folder or below it. */
  'bookmark-search': [{ query: string; limit?: number; folder?: string }, { items: BookmarkView[]; total: number }];
  /** Every folder path in use, sorted. */
  'bookmark-folders': [{}, string[]];
  'mirror-status': [{}, MirrorStatus];
  'mirror-set': [{ enabled: boolean }, MirrorStatus];
  /** One-time copy of the browser's own bookmarks (outside the mirror folder) into the catalog. */
  'mirror-import': [{}, { added: number; skipped: number }];
  'bookmark-save': [{ id?: string; input: BookmarkInput }, { id: string }];
  'bookmark-delete': [{ id: string }, {}];
  /** confirmInsecure: the user confirmed filling an https login into this http page. */
  'fill': [{ id: string; tabId: number; confirmInsecure?: boolean }, {}];
  'conflicts': [{}, ConflictView[]];
  'conflict-resolve': [{ id: string; store: StoreName; choice: ConflictChoice }, {}];
  'settings-get': [{}, Settings];
  'settings-set': [{ settings: Partial<Settings> }, Settings];
  'sync-now': [{}, SyncStatus];
  'export': [{ passphrase: string }, { csv: string }];
  'import-existing': [{}, ImportExisting[]];
  'import-batch': [{ adds: MeshCredentialInput[]; updates: { id: string; input: MeshCredentialInput }[] }, { added: number; updated: number }];
  'wipe': [{ confirm: 'wipe' }, Status];
  'dismiss-warnings': [{}, {}];
  'save-offers': [{}, SaveOfferView[]];
  'save-offer-answer': [{ id: string; save: boolean }, { id?: string }];
  'connect-start': [{ address: string; pin?: string; serviceUrl?: string }, ConnectStep];
  'create-start': [{ address: string; serviceUrl?: string }, ConnectStep];
  'create-confirm': [{ share: string }, ConnectStep];
  'devices': [{}, { admin: boolean; devices: DeviceInfo[]; pending: PendingRequestView[] }];
  'device-pin': [{ minutes?: number }, IssuedPinView];
  'device-accept': [{ id: string }, {}];
  'device-reject': [{ id: string }, {}];
  'device-remove': [{ id: string }, {}];
  /** Rebuilds the account secret from k recovery shares and rejoins the account as an administrator. */
  'recover-start': [{ address: string; shares: string[]; serviceUrl?: string }, ConnectStep];
  'connect-state': [{}, ConnectStep];
  'connect-cancel': [{}, ConnectStep];
  /** After a copy of a secret: clear the clipboard after `seconds` even if the page closes. */
  'clipboard-clear-after': [{ seconds: number }, { at: number }];
}

export interface KdfParams {
  m: number; // KiB
  t: number;
  p: number;
}

/** A login the user typed and submitted on a page; saved only after the user confirms. */
export interface SaveOfferView {
  id: string;
  url: string;
  username: string;
  /** The credential it would update (same site and username), if any. */
  updates?: string;
}

export interface PopupData {
  status: Status;
  /** The tab the popup acts on, whatever page it shows (the pop-out window binds to it). */
  tabId?: number;
  /** The tab the popup acts on, with its URL, if it is a web page. */
  tab?: { id: number; url: string };
  matches: CredentialSummary[];
  offers: SaveOfferView[];
  recent: CredentialSummary[];
  total: number;
}

export type RequestType = keyof Api;
export type Request<K extends RequestType = RequestType> = { [P in K]: { type: P } & Api[P][0] }[K];
export type Response<K extends RequestType> = Result<Api[K][1]>;

const REQUEST_TYPES: ReadonlySet<string> = new Set<RequestType>([
  'status', 'setup', 'unlock', 'lock', 'popup-open', 'search', 'credential-get', 'credential-save',
  'credential-delete', 'bookmark-search', 'bookmark-save', 'bookmark-delete', 'fill', 'conflicts',
  'conflict-resolve', 'settings-get', 'settings-set', 'sync-now', 'export', 'import-existing', 'import-batch', 'wipe',
  'dismiss-warnings', 'save-offers', 'save-offer-answer', 'connect-start', 'create-start', 'create-confirm', 'devices', 'device-pin',
  'device-accept', 'device-reject', 'device-remove', 'connect-state', 'connect-cancel', 'recover-start',
  'clipboard-clear-after', 'bookmark-folders', 'mirror-status', 'mirror-set', 'mirror-import',
]);

export function isPageRequest(m: unknown): m is Request {
  return typeof m === 'object' && m !== null && REQUEST_TYPES.has((m as { type?: unknown }).type as string);
}

export class RequestError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'RequestError';
  }
}

export type Transport = (message: unknown) => Promise<unknown>;

/** Sends one typed request to the worker; resolves with its value or throws a RequestError. */
export async function send<K extends RequestType>(transport: Transport, type: K, fields: Api[K][0]): Promise<Api[K][1]> {
  const reply = (await transport({ ...fields, type })) as Response<K> | undefined;
  if (!reply || typeof reply !== 'object') {
    throw new RequestError({ ok: false, error: 'unavailable', message: 'the background did not answer' });
  }
  if (!reply.ok) throw new RequestError(reply);
  return reply.value;
}

// ---- Content-script side (answered by the worker; checked against the sender's frame) ----

/** What a content script may learn: entries for its own frame's origin, no passwords until fill. */
export interface SuggestionItem {
  id: string;
  title: string;
  username: string;
  /** An https login offered on an http page: filled only after the user confirms. */
  insecure?: boolean;
}

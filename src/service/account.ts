// One bound account: its profile, the service's AccessEncrypt key for it, its stores and journal,
// and the device capabilities read from its Access catalog (protocol.md §4.2 step 4).
import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../mesh/bytes.ts';
import { envelopeFromJson, isPlainObject, parseJsonText } from '../mesh/dare/model.ts';
import { openEnvelope } from '../mesh/dare/envelope.ts';
import { decryptionKey } from '../mesh/dare/recipients.ts';
import { readKeyData, readProfile, type Profile, type PublicKey } from '../mesh/protocol/objects.ts';
import { keyFingerprint } from '../mesh/protocol/fingerprints.ts';
import { publicFromPrivate } from '../mesh/dare/curves.ts';
import type { EnvelopeJson } from '../mesh/protocol/messages.ts';
import { Journal } from './journal.ts';
import { StoreFile } from './store.ts';

export interface AccountRecord {
  address: string;
  udf: string;
  profile: EnvelopeJson;
  accessKey: string;
  assignment: EnvelopeJson;
  created: string;
}

export interface Capability {
  active: boolean;
  rights: string[];
  catalogedDevice?: EnvelopeJson;
  catalogedDeviceDigest?: string;
}

/** Store names the service accepts (catalogs.md §6.1); `MMM_`/`mmm_` prefixes are aliases. */
export const STORE_NAMES = new Set([
  'Credential', 'Bookmark', 'Task', 'Contact', 'Network', 'Application', 'Publication', 'Device', 'Access', 'Document', 'Member',
  'Inbound', 'Outbound', 'Local', 'Archive', 'Notary', 'Callsign', 'Carnet', 'Account',
]);
export function canonicalStore(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const plain = /^(MMM_|mmm_)/.test(name) ? name.slice(4) : name;
  return STORE_NAMES.has(plain) ? plain : undefined;
}

/** Writes a file atomically and durably. */
export function writeDurable(path: string, text: string): void {
  writeFileSync(path + '.tmp', text, { mode: 0o600 });
  const fd = openSync(path + '.tmp', 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(path + '.tmp', path);
}

/** Makes a new directory entry durable. */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // not supported on every platform; the data itself is synced
  }
}

export class Account {
  readonly dir: string;
  readonly record: AccountRecord;
  readonly profile: Profile;
  readonly adminKey: PublicKey;
  readonly accessPrivate: Uint8Array;
  readonly accessPublic: Uint8Array;
  readonly accessKid: string;
  readonly journal: Journal;
  readonly stores = new Map<string, StoreFile>();
  private capabilities?: Promise<Map<string, Capability>>;
  private queue: Promise<unknown> = Promise.resolve();
  /** Transacts waiting for the next group commit (service.ts) and whether a drain is scheduled. */
  readonly txQueue: unknown[] = [];
  txDraining = false;
  private readonly onProblem: (msg: string) => void;
  closed = false;

  constructor(dir: string, record: AccountRecord, onProblem: (msg: string) => void) {
    this.dir = dir;
    this.record = record;
    this.onProblem = onProblem;
    // Verified at BindAccount; re-reading our own record at start skips the Ed448 check.
    this.profile = readProfile(record.profile, 'ProfileUser', { verify: false });
    this.adminKey = readKeyData(this.profile.fields.AdministratorSignature);
    this.accessPrivate = fromHex(record.accessKey);
    this.accessPublic = publicFromPrivate('X448', this.accessPrivate);
    this.accessKid = keyFingerprint('X448', this.accessPublic);
    this.journal = new Journal(join(dir, 'journal'), onProblem);
    for (const f of readdirSync(dir)) {
      const m = /^([A-Za-z]+)\.dare$/.exec(f);
      if (!m) continue;
      const s = StoreFile.open(m[1], join(dir, f), this.journal.committedLength(m[1]), onProblem);
      if (s.count > 0) this.stores.set(m[1], s);
      else s.close();
    }
  }

  static create(dir: string, record: AccountRecord, onProblem: (msg: string) => void): Account {
    mkdirSync(dir, { recursive: true });
    writeDurable(join(dir, 'account.json'), JSON.stringify(record));
    syncDir(dir);
    syncDir(join(dir, '..'));
    return new Account(dir, record, onProblem);
  }

  static load(dir: string, onProblem: (msg: string) => void): Account {
    const record = JSON.parse(readFileSync(join(dir, 'account.json'), 'utf8')) as AccountRecord;
    return new Account(dir, record, onProblem);
  }

  /** Opens (or creates the file of) a store that gets its first frame in a batch. */
  storeForWrite(name: string): StoreFile {
    let s = this.stores.get(name);
    if (!s) {
      const path = join(this.dir, `${name}.dare`);
      const created = !existsSync(path);
      s = StoreFile.open(name, path, 0, this.onProblem);
      if (created) syncDir(this.dir);
    }
    return s;
  }

  /** Runs `f` with the account's write lock (batches are serialized per account). */
  exclusive<T>(f: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  hasAccessStore(): boolean {
    return this.stores.has('Access');
  }

  /** Capabilities by authentication key fingerprint, read from the Access catalog (cached). */
  capabilityMap(): Promise<Map<string, Capability>> {
    if (!this.capabilities) this.capabilities = this.readCapabilities();
    return this.capabilities;
  }

  private async readCapabilities(): Promise<Map<string, Capability>> {
    const map = new Map<string, Capability>();
    const s = this.stores.get('Access');
    if (!s) return map;
    for (let i = 1; i < s.count; i++) {
      try {
        const cap = await this.decodeAccessFrame(s.readOne(i));
        if (cap) map.set(cap.id, cap.capability);
      } catch (e) {
        this.onProblem(`Access frame ${i} unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return map;
  }

  /** Decrypts one Access frame; a Delete (or NullCapability) deactivates. */
  async decodeAccessFrame(json: unknown): Promise<{ id: string; capability: Capability } | undefined> {
    const env = envelopeFromJson(json);
    const opened = await openEnvelope(env, { keys: [decryptionKey('X448', this.accessPrivate, this.accessKid)] });
    const meta = opened.contentMeta ?? {};
    if (meta.Event === 'Delete' && typeof meta.UniqueId === 'string') return { id: meta.UniqueId, capability: { active: false, rights: [] } };
    const v = parseJsonText(opened.payload);
    const ca = isPlainObject(v) ? v.CatalogedAccess : undefined;
    const capTagged = isPlainObject(ca) ? ca.Capability : undefined;
    if (!isPlainObject(capTagged)) return undefined;
    const [tag] = Object.keys(capTagged);
    const c = capTagged[tag];
    if (!isPlainObject(c) || typeof c.Id !== 'string') return undefined;
    if (tag !== 'AccessCapability') return { id: c.Id, capability: { active: false, rights: [] } };
    return {
      id: c.Id,
      capability: {
        active: c.Active === true,
        rights: Array.isArray(c.Rights) ? c.Rights.filter((r): r is string => typeof r === 'string') : [],
        catalogedDevice: Array.isArray(c.EnvelopedCatalogedDevice) ? (c.EnvelopedCatalogedDevice as EnvelopeJson) : undefined,
        catalogedDeviceDigest: typeof c.CatalogedDeviceDigest === 'string' ? c.CatalogedDeviceDigest : undefined,
      },
    };
  }

  /** Applies decoded capabilities of a committed batch to the cache. */
  async applyCapabilities(caps: Array<{ id: string; capability: Capability }>): Promise<void> {
    const map = await this.capabilityMap();
    for (const c of caps) map.set(c.id, c.capability);
  }

  close(): void {
    this.closed = true;
    for (const s of this.stores.values()) s.close();
    this.journal.close();
  }
}

export const accountsDir = (dataDir: string): string => join(dataDir, 'accounts');
export const accountExists = (dir: string): boolean => existsSync(join(dir, 'account.json'));

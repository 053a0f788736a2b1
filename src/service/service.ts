// The Mesh Service core, independent of HTTP: account table, transaction handlers, conflict rule
// (sync.md §5), spools and Connect/Complete (connect.md §4). `handle` takes the raw request and
// returns the raw response plus the MAC key when the caller authenticated.
import './native-sha512.ts'; // the core's SHA-512 through OpenSSL in this process
import { envelopeJsonLength } from './envelope-length.ts';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url, randomBytes, toBase64Url, toHex, utf8 } from '../mesh/bytes.ts';
import { MeshError } from '../mesh/errors.ts';
import { createEnvelope, checkPayloadDigest } from '../mesh/dare/envelope.ts';
import { envelopeFromJson, type DareEnvelope } from '../mesh/dare/model.ts';
import { decodeRequest, encodeResponse, UnknownTransaction } from '../mesh/protocol/framing.ts';
import { connectionWitness, ENVELOPE_ID_TYPE, makeId } from '../mesh/protocol/fingerprints.ts';
import { readObject, readProfile, signedBy, toEnvelopeJson, type Profile } from '../mesh/protocol/objects.ts';
import { DESCRIPTION_OK, DESCRIPTION_PENDING, Ext, STATUS_BAD, STATUS_CONFLICT, STATUS_OK } from '../mesh/protocol/status.ts';
import type {
  ConstraintsSelect, EntryResponse, EnvelopeJson, ResponseBase, StoreStatus, TransactionName,
} from '../mesh/protocol/messages.ts';
import { Account, accountsDir, canonicalStore, type Capability } from './account.ts';
import { authenticate, CredentialCache, NonceCache, NotAuthorized, phaseOf, type Authenticated } from './auth.ts';
import { keyData, loadIdentity, type ServiceIdentity } from './identity.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { frameMeta, isSpool, type EntryState, type PendingFrame, type StoreFile } from './store.ts';
import { publicFromPrivate } from '../mesh/dare/curves.ts';

export interface ServiceOptions {
  dataDir: string;
  limits?: Partial<Limits>;
  /** Log sink: receives lines with ids and sizes only. */
  log?: (line: string) => void;
  /** Clock (tests). */
  now?: () => number;
  /**
   * Fault injection for crash tests only: kill the process (SIGKILL) in the middle of the first
   * batch of more than 10 frames: 'mid-write' after half of a store's bytes, 'before-journal' after every
   * store is written and synced but before the journal record.
   */
  crashPoint?: 'mid-write' | 'before-journal';
}

export interface HandleResult {
  /** HTTP status: 200 for any Mesh response. */
  http: number;
  body: Uint8Array;
  /** Present when the request authenticated: the response gets a MAC under it. */
  mac?: { key: Uint8Array; nonce: Uint8Array };
  /** For the log. */
  tx?: string;
  account?: string;
}

/** A Mesh error response (HTTP 200, Status in the body). */
class MeshFailure extends Error {
  constructor(readonly status: number, readonly ext: number | undefined, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}
const bad = (ext: number, message: string): MeshFailure => new MeshFailure(STATUS_BAD, ext, message);
/** What the owner-recovery credential may read and write: enough to add a new administrator (docs/connect.md). */
const RECOVERY_STORES: ReadonlySet<string> = new Set(['Access', 'Device']);

const DEFAULT_STATUS_STORES = ['Inbound', 'Outbound', 'Local', 'Access', 'Credential', 'Device', 'Contact', 'Application', 'Publication', 'Bookmark', 'Task'];
const BITS = ['Any', 'Local', 'Inbound', 'Outbound', 'Archive', 'Notary', 'Access', 'Application', 'Bookmark', 'Callsign', 'Carnet', 'Contact', 'Credential', 'Device', 'Member', 'Network', 'Publication', 'Task', 'Account', 'Document'];

function bitmask(stores: Iterable<string>): string {
  const b = new Uint8Array(4);
  for (const s of stores) {
    const n = BITS.indexOf(s);
    if (n >= 0) b[n >> 3] |= 1 << (n & 7);
  }
  return toBase64Url(b);
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Item {
  store: string;
  env: DareEnvelope;
  position?: number;
  isHeader: boolean;
  uniqueId?: string;
  event?: string;
  previous: number;
  envelopeId?: string;
  size: number;
  /** SHA-512 of the body, computed once when the PayloadDigest was checked (the tree digest reuses it). */
  payloadDigest: Uint8Array;
  /** ContentMetaData's Previous as claimed (checked when the Transact is decided). */
  claimedPrevious?: unknown;
}

export class MeshService {
  readonly dataDir: string;
  readonly limits: Limits;
  identity!: ServiceIdentity;
  private readonly byUdf = new Map<string, Account>();
  private readonly byAddress = new Map<string, Account>();
  private readonly nonces = new NonceCache();
  private readonly credentials = new CredentialCache();
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly crashPoint?: ServiceOptions['crashPoint'];
  private bindLock: Promise<unknown> = Promise.resolve();

  private constructor(opts: ServiceOptions) {
    this.dataDir = opts.dataDir;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.crashPoint = opts.crashPoint;
  }

  static async open(opts: ServiceOptions): Promise<MeshService> {
    const s = new MeshService(opts);
    mkdirSync(accountsDir(s.dataDir), { recursive: true });
    s.identity = await loadIdentity(s.dataDir);
    for (const d of readdirSync(accountsDir(s.dataDir))) {
      const dir = join(accountsDir(s.dataDir), d);
      if (!existsSync(join(dir, 'account.json'))) continue;
      try {
        const a = Account.load(dir, (m) => s.log(`recover ${d.slice(0, 9)}: ${m}`));
        await s.ensureSpools(a);
        s.register(a);
      } catch (e) {
        s.log(`account ${d.slice(0, 9)} not loaded: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return s;
  }

  private register(a: Account): void {
    this.byUdf.set(a.profile.udf, a);
    this.byAddress.set(a.record.address.toLowerCase(), a);
  }

  /** Finds an account by address (`alice@example.com` or `<ProfileUdf>@domain`), case-insensitively. */
  findAccount(address: unknown): Account | undefined {
    if (typeof address !== 'string') return undefined;
    const a = this.byAddress.get(address.toLowerCase());
    if (a) return a;
    const at = address.indexOf('@');
    const local = at > 0 ? address.slice(0, at) : address;
    return this.byUdf.get(local.toUpperCase());
  }

  get accountCount(): number {
    return this.byUdf.size;
  }

  close(): void {
    for (const a of this.byUdf.values()) a.close();
  }

  /** Handles one request body (HTTP details stay in server.ts). */
  async handle(body: Uint8Array, headers: Record<string, string | string[] | undefined>, path: string): Promise<HandleResult> {
    let decoded;
    try {
      decoded = decodeRequest(body);
    } catch (e) {
      if (e instanceof UnknownTransaction) return { http: 404, body: utf8(JSON.stringify({ error: e.message })) };
      return { http: 400, body: utf8(JSON.stringify({ error: e instanceof Error ? e.message : 'malformed request' })) };
    }
    const { transaction: tx, body: req } = decoded;
    let auth: Authenticated | undefined;
    const accountField = tx === 'Complete' ? (req.Account ?? req.AccountAddress) : req.Account;
    try {
      if (phaseOf(tx)) {
        const account = phaseOf(tx) === 'connected' ? this.findAccount(accountField) : undefined;
        auth = authenticate({ tx, headers, path, body, account, identity: this.identity, nonces: this.nonces, credentials: this.credentials, nowMs: this.now() });
        if (auth.phase === 'connected') await this.authorize(tx, auth);
      }
      const response = await this.dispatch(tx, req, auth);
      if (response instanceof RawResponse) {
        const tail = JSON.stringify({ ...response.extra, Status: STATUS_OK, StatusDescription: DESCRIPTION_OK }).slice(1);
        const text = `{"DownloadResponse":${response.prefix},${tail}}`;
        return { http: 200, body: utf8(text), mac: auth && { key: auth.key, nonce: auth.nonce }, tx, account: auth?.account?.profile.udf };
      }
      const out: ResponseBase = { ...response, Status: response.Status ?? STATUS_OK, StatusDescription: response.StatusDescription ?? DESCRIPTION_OK };
      return { http: 200, body: encodeResponse(tx, out), mac: auth && { key: auth.key, nonce: auth.nonce }, tx, account: auth?.account?.profile.udf };
    } catch (e) {
      if (e instanceof NotAuthorized) {
        this.log(`refused ${tx}: ${e.message}`);
        return { http: 200, body: encodeResponse(tx, { Status: STATUS_BAD, StatusExtended: Ext.NotAuthorized, StatusDescription: `NotAuthorized: ${e.message}` }), tx };
      }
      let failure: MeshFailure;
      if (e instanceof MeshFailure) failure = e;
      else if (e instanceof MeshError) failure = bad(e.code === 'oversized' ? Ext.TooLarge : Ext.Refused, e.message);
      else if ((e as { code?: string })?.code === 'ENOSPC' || (e as { code?: string })?.code === 'EDQUOT') {
        this.log(`storage full in ${tx}`);
        failure = new MeshFailure(503, undefined, 'the service is out of storage; nothing was applied');
      } else {
        this.log(`internal error in ${tx}: ${e instanceof Error ? e.message : String(e)}`);
        failure = new MeshFailure(500, undefined, 'internal error');
      }
      const out: ResponseBase = { ...failure.extra, Status: failure.status, StatusDescription: failure.message };
      if (failure.ext !== undefined) out.StatusExtended = failure.ext;
      return { http: 200, body: encodeResponse(tx, out), mac: auth && { key: auth.key, nonce: auth.nonce }, tx, account: auth?.account?.profile.udf };
    }
  }

  /** Connected phase: the Access catalog must hold an active capability for the key, unless bootstrapping. */
  private async authorize(tx: TransactionName, auth: Authenticated): Promise<void> {
    const account = auth.account!;
    if (auth.recovery) {
      // Owner recovery may only read and write what rejoining needs (Access, Device; checked per store).
      if (tx !== 'Status' && tx !== 'Download' && tx !== 'Transact') throw new NotAuthorized(`${tx} is not allowed with the owner-recovery credential`);
      return;
    }
    const cap = await this.capability(account, auth.kid);
    if (cap === 'bootstrap') return;
    if (!cap) throw new NotAuthorized('device is not authorised for this account');
    if (!cap.active) throw new NotAuthorized('device has been removed from this account');
    if (tx === 'UnbindAccount' && !cap.rights.some((r) => r === 'admin' || r === 'super')) throw new NotAuthorized('UnbindAccount needs an administrator device');
  }

  private async capability(account: Account, kid: string): Promise<Capability | 'bootstrap' | undefined> {
    if (!account.hasAccessStore()) return 'bootstrap';
    return (await account.capabilityMap()).get(kid);
  }

  private async isAdmin(auth: Authenticated): Promise<boolean> {
    if (auth.recovery) return true;
    const cap = await this.capability(auth.account!, auth.kid);
    return cap === 'bootstrap' || (!!cap && cap.active && cap.rights.some((r) => r === 'admin' || r === 'super'));
  }

  private dispatch(tx: TransactionName, req: Record<string, unknown>, auth: Authenticated | undefined): Promise<ResponseBase | RawResponse> | ResponseBase {
    switch (tx) {
      case 'Hello':
        return {
          Version: { Major: 3, Minor: 0, Encodings: [{ ID: ['application/json'] }] },
          EnvelopedProfileService: this.identity.profile,
          ConstraintsPost: { MaxEntries: this.limits.maxEnvelopesPerRequest, BytesMax: this.limits.maxRequestBytes },
        } as ResponseBase;
      case 'BindAccount':
        return this.bind(req, auth!);
      case 'UnbindAccount':
        return this.unbind(auth!);
      case 'Connect':
        return this.connect(req, auth!);
      case 'Complete':
        return this.complete(req);
      case 'Status':
        return this.status(req, auth!);
      case 'Download':
        return this.download(req, auth!);
      case 'Transact':
        return this.transact(req, auth!);
    }
  }

  // ------------------------------------------------------------------ accounts

  private async bind(req: Record<string, unknown>, auth: Authenticated): Promise<ResponseBase> {
    const address = req.AccountAddress;
    if (typeof address !== 'string' || !/^[^@\s/\\]{1,64}@[A-Za-z0-9.-]{1,253}$/.test(address)) throw bad(Ext.Refused, 'AccountAddress must be user@domain');
    let profile: Profile;
    try {
      profile = readProfile(req.EnvelopedProfileAccount, 'ProfileUser');
    } catch (e) {
      throw bad(Ext.Refused, `EnvelopedProfileAccount rejected: ${e instanceof Error ? e.message : String(e)}`);
    }
    const cred = auth.credential as Profile;
    if (cred.udf !== profile.udf || Buffer.compare(Buffer.from(cred.env.body), Buffer.from(profile.env.body)) !== 0) {
      throw new NotAuthorized('the credential must be the profile being bound');
    }
    if (!profile.fields.AdministratorSignature) throw bad(Ext.Refused, 'profile has no AdministratorSignature');
    const run = async (): Promise<ResponseBase> => {
      if (this.findAccount(address) || this.byUdf.has(profile.udf)) throw bad(Ext.AccountRegistered, 'AccountRegistered');
      if (this.byUdf.size >= this.limits.maxAccounts) throw bad(Ext.Refused, 'the service accepts no more accounts');
      const accessKey = randomBytes(56);
      const accessPublic = publicFromPrivate('X448', accessKey);
      const assignmentBody = {
        AccountHostAssignment: { AccountAddess: address, HostAddresses: [], AccessEncrypt: keyData('X448', accessPublic), EnvelopedProfileService: this.identity.profile },
      };
      const assignment = toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(assignmentBody)), { signers: [this.identity.signer] }));
      const dir = join(accountsDir(this.dataDir), profile.udf);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      const account = Account.create(dir, { address, udf: profile.udf, profile: req.EnvelopedProfileAccount as EnvelopeJson, accessKey: toHex(accessKey), assignment, created: rfc3339(this.now()) }, (m) => this.log(m));
      await this.ensureSpools(account);
      this.register(account);
      this.log(`bound account ${profile.udf.slice(0, 9)}`);
      return { EnvelopedAccountHostAssignment: assignment } as ResponseBase;
    };
    const p = this.bindLock.then(run, run);
    this.bindLock = p.catch(() => undefined);
    return p;
  }

  /**
   * The service creates the three spools, each with a header frame (index 0), at bind time; an
   * account whose bind was cut short by a crash gets them at the next start.
   */
  private async ensureSpools(account: Account): Promise<void> {
    const missing = ['Inbound', 'Outbound', 'Local'].filter((s) => !account.stores.has(s));
    if (!missing.length) return;
    const header = { ContentMetaData: toBase64Url(utf8(JSON.stringify({ cty: 'application/mmm-spool' }))), SequenceInfo: { DataEncoding: 'JSON', ContainerType: 'Merkle' } };
    await account.exclusive(() => this.appendBatch(account, missing.map((store) => ({ store, frame: { header, body: new Uint8Array(0), trailer: {} } }))));
  }

  private async unbind(auth: Authenticated): Promise<ResponseBase> {
    const account = auth.account!;
    await account.exclusive(() => {
      this.byUdf.delete(account.profile.udf);
      this.byAddress.delete(account.record.address.toLowerCase());
      account.close();
      const trash = account.dir + '.unbound-' + toHex(randomBytes(4));
      renameSync(account.dir, trash);
      rmSync(trash, { recursive: true, force: true });
    });
    this.log(`unbound account ${account.profile.udf.slice(0, 9)}`);
    return {};
  }

  // ------------------------------------------------------------------ connection

  private async connect(req: Record<string, unknown>, auth: Authenticated): Promise<ResponseBase> {
    let rc;
    try {
      rc = readObject(req.EnvelopedRequestConnection, 'RequestConnection');
    } catch (e) {
      throw bad(Ext.Refused, `EnvelopedRequestConnection rejected: ${e instanceof Error ? e.message : String(e)}`);
    }
    const account = this.findAccount(rc.fields.AccountAddress);
    if (!account) throw bad(Ext.NotFound, 'unknown account');
    const device = auth.credential as Profile;
    let authenticated;
    try {
      authenticated = envelopeFromJson(rc.fields.AuthenticatedData);
    } catch {
      throw bad(Ext.Refused, 'RequestConnection has no AuthenticatedData envelope');
    }
    if (Buffer.compare(Buffer.from(authenticated.body), Buffer.from(device.env.body)) !== 0) throw new NotAuthorized('AuthenticatedData is not the credential device profile');
    let clientNonce: Uint8Array;
    try {
      clientNonce = fromBase64Url(String(rc.fields.ClientNonce ?? ''));
    } catch {
      throw bad(Ext.Refused, 'ClientNonce is not base64url');
    }
    if (clientNonce.length < 16 || clientNonce.length > 64) throw bad(Ext.Refused, 'ClientNonce must have 16 octets');
    const serverNonce = randomBytes(16);
    const witness = connectionWitness(account.profile.udfBytes, serverNonce, device.udfBytes, clientNonce);
    const ack = {
      AcknowledgeConnection: { EnvelopedRequestConnection: req.EnvelopedRequestConnection, ServerNonce: toBase64Url(serverNonce), Witness: witness, MessageId: witness },
    };
    const env = await createEnvelope(utf8(JSON.stringify(ack)), {
      signers: [this.identity.signer],
      contentMeta: { MessageType: 'AcknowledgeConnection' },
      header: { EnvelopeId: makeId(witness, ENVELOPE_ID_TYPE) },
    });
    const json = toEnvelopeJson(env);
    await account.exclusive(() => this.appendBatch(account, [{ store: 'Inbound', frame: this.pending(env) }]));
    this.log(`connect request queued for ${account.profile.udf.slice(0, 9)}`);
    return { EnvelopedAcknowledgeConnection: json, EnvelopedProfileAccount: account.record.profile } as ResponseBase;
  }

  private complete(req: Record<string, unknown>): ResponseBase {
    const account = this.findAccount(req.AccountAddress ?? req.Account);
    if (!account) throw bad(Ext.NotFound, 'unknown account');
    if (typeof req.ResponseID !== 'string' || req.ResponseID.length > 100) throw bad(Ext.Refused, 'ResponseID missing');
    let envelopeId: string;
    try {
      envelopeId = makeId(req.ResponseID, ENVELOPE_ID_TYPE);
    } catch {
      throw bad(Ext.Refused, 'ResponseID is not a UDF');
    }
    const local = account.stores.get('Local');
    const index = local?.envelopeIds.get(envelopeId);
    if (!local || index === undefined) throw bad(Ext.NotFound, DESCRIPTION_PENDING);
    return { EnvelopedRespondConnection: local.readOne(index) as EnvelopeJson, EnvelopedAccountHostAssignment: account.record.assignment } as ResponseBase;
  }

  // ------------------------------------------------------------------ status and download

  private async deviceUpdate(req: Record<string, unknown>, auth: Authenticated): Promise<Record<string, unknown>> {
    const cap = await this.capability(auth.account!, auth.kid);
    if (!cap || cap === 'bootstrap' || !cap.catalogedDeviceDigest || !cap.catalogedDevice) return {};
    if (req.CatalogedDeviceDigest === cap.catalogedDeviceDigest) return {};
    return { EnvelopedCatalogedDevice: cap.catalogedDevice, CatalogedDeviceDigest: cap.catalogedDeviceDigest };
  }

  private async status(req: Record<string, unknown>, auth: Authenticated): Promise<ResponseBase> {
    const account = auth.account!;
    const requested = Array.isArray(req.Catalogs) ? [...req.Catalogs, ...(Array.isArray(req.Spools) ? req.Spools : [])] : DEFAULT_STATUS_STORES;
    if (requested.length > 64) throw bad(Ext.TooLarge, 'too many stores requested');
    const out: StoreStatus[] = [];
    for (const name of requested) {
      const store = canonicalStore(name);
      const s = store ? account.stores.get(store) : undefined;
      if (!s || !store) continue;
      const d = s.digest(s.lastIndex);
      out.push({ Store: store, Index: s.lastIndex, ...(d ? { Digest: toBase64Url(d) } : {}) });
    }
    // The account profile is not repeated here (devices hold it from Connect); this keeps an
    // idle sync round small. A recovering owner gets the host assignment (the Access key) it rejoins with.
    if (auth.recovery) return { StoreStatus: out.filter((x) => RECOVERY_STORES.has(x.Store)), EnvelopedAccountHostAssignment: account.record.assignment } as ResponseBase;
    return { StoreStatus: out, ...(await this.deviceUpdate(req, auth)) } as ResponseBase;
  }

  private async download(req: Record<string, unknown>, auth: Authenticated): Promise<RawResponse> {
    const account = auth.account!;
    if (!Array.isArray(req.Select) || req.Select.length > 64) throw bad(Ext.Refused, 'Select must be a list of at most 64 stores');
    let maxFrames = this.limits.maxDownloadFrames;
    if (typeof req.MaxResults === 'number' && req.MaxResults > 0) maxFrames = Math.min(maxFrames, Math.floor(req.MaxResults));
    let maxBytes = this.limits.maxDownloadBytes;
    const cp = req.ConstraintsPost;
    if (isObj(cp) && typeof cp.BytesMax === 'number' && cp.BytesMax > 0) maxBytes = Math.min(maxBytes, cp.BytesMax);
    const parts: string[] = [];
    for (const sel of req.Select as ConstraintsSelect[]) {
      if (!isObj(sel)) throw bad(Ext.Refused, 'Select entries must be objects');
      const store = canonicalStore(sel.Store ?? (sel as Record<string, unknown>).Container);
      if (!store) throw bad(Ext.NotFound, 'unknown store name');
      if (auth.recovery && !RECOVERY_STORES.has(store)) throw new NotAuthorized(`the owner-recovery credential cannot read ${store}`);
      const s = account.stores.get(store);
      if (!s) {
        parts.push(JSON.stringify({ Store: store }));
        continue;
      }
      const min = typeof sel.IndexMin === 'number' && sel.IndexMin > 0 ? Math.floor(sel.IndexMin) : 0;
      const max = typeof sel.IndexMax === 'number' ? Math.min(Math.floor(sel.IndexMax), s.lastIndex) : s.lastIndex;
      const want = Math.max(0, max - min + 1);
      const to = Math.min(max, min + Math.min(maxFrames, want) - 1);
      const { texts, bytes } = want > 0 ? s.read(min, to, maxBytes) : { texts: [], bytes: 0 };
      maxBytes -= bytes;
      maxFrames -= texts.length;
      const partial = texts.length < want;
      parts.push(`{"Store":${JSON.stringify(store)},"Envelopes":[${texts.join(',')}]${partial ? `,"Partial":true,"FinalIndex":${s.lastIndex}` : ''}}`);
    }
    // Envelope texts are spliced in as stored; the rest of the response is ordinary JSON.
    const extra = await this.deviceUpdate(req, auth);
    return new RawResponse(`{"Updates":[${parts.join(',')}]`, extra);
  }

  // ------------------------------------------------------------------ transact

  private pending(env: DareEnvelope, meta: { uniqueId?: string; event?: string; envelopeId?: string; payloadDigest?: Uint8Array } = {}): PendingFrame {
    const header = { ...env.header } as Record<string, unknown>;
    return {
      header,
      body: env.body,
      trailer: { ...(env.trailer ?? {}) },
      uniqueId: meta.uniqueId,
      event: meta.event,
      envelopeId: meta.envelopeId ?? (typeof header.EnvelopeId === 'string' ? header.EnvelopeId : undefined),
      payloadDigest: meta.payloadDigest,
    };
  }

  private parseEnvelope(json: unknown, store: string): { env: DareEnvelope; size: number; payloadDigest: Uint8Array; meta: ReturnType<typeof frameMeta> } {
    const size = envelopeJsonLength(json);
    if (size > this.limits.maxEnvelopeBytes) throw bad(Ext.TooLarge, `an envelope for ${store} exceeds ${this.limits.maxEnvelopeBytes} bytes`);
    let env: DareEnvelope;
    let payloadDigest: Uint8Array;
    try {
      env = envelopeFromJson(json);
      payloadDigest = checkPayloadDigest(env);
    } catch (e) {
      throw bad(Ext.Refused, `malformed envelope for ${store}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { env, size, payloadDigest, meta: frameMeta(env.header as Record<string, unknown>) };
  }

  private async transact(req: Record<string, unknown>, auth: Authenticated): Promise<ResponseBase> {
    const account = auth.account!;
    const id = typeof req.ID === 'string' && req.ID.length > 0 && req.ID.length <= 128 ? req.ID : undefined;
    const updates = req.Updates ?? [];
    if (!Array.isArray(updates) || updates.length > 64) throw bad(Ext.Refused, 'Updates must be a list of at most 64 stores');
    const items: Item[] = [];
    let position = 0;
    const seenStores = new Set<string>();
    for (const u of updates) {
      if (!isObj(u)) throw bad(Ext.Refused, 'Updates entries must be objects');
      const store = canonicalStore(u.Store ?? u.Container);
      if (!store) throw bad(Ext.NotFound, 'unknown store name');
      if (seenStores.has(store)) throw bad(Ext.Refused, `store ${store} appears twice in Updates`);
      seenStores.add(store);
      const envs = u.Envelopes ?? [];
      if (!Array.isArray(envs)) throw bad(Ext.Refused, 'Envelopes must be a list');
      envs.forEach((json: unknown, k) => {
        if (items.length >= this.limits.maxEnvelopesPerRequest) throw bad(Ext.TooLarge, 'too many envelopes in one Transact');
        const { env, size, payloadDigest, meta: m } = this.parseEnvelope(json, store);
        const si = env.header.SequenceInfo;
        // Decided again under the lock: the store may have been created meanwhile.
        const isHeader = k === 0 && isObj(si) && si.Index === 0;
        items.push({ store, env, position: position++, isHeader, uniqueId: m.uniqueId, event: m.event, previous: 0, envelopeId: m.envelopeId, size, payloadDigest, claimedPrevious: m.previous });
      });
    }
    for (const [field, store] of [['Local', 'Local'], ['Inbound', 'Inbound'], ['Outbound', 'Outbound']] as const) {
      const list = req[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw bad(Ext.Refused, `${field} must be a list`);
      for (const json of list) {
        if (items.length >= this.limits.maxEnvelopesPerRequest) throw bad(Ext.TooLarge, 'too many envelopes in one Transact');
        const { env, size, payloadDigest, meta: m } = this.parseEnvelope(json, store);
        items.push({ store, env, isHeader: false, previous: 0, envelopeId: m.envelopeId, size, payloadDigest });
      }
    }
    if (items.length === 0) throw bad(Ext.Refused, 'Transact carries nothing');
    if (auth.recovery && items.some((i) => !RECOVERY_STORES.has(i.store))) throw new NotAuthorized('the owner-recovery credential may only write Access and Device');

    return new Promise<ResponseBase>((resolve, reject) => {
      account.txQueue.push({ items, id, auth, resolve, reject } satisfies TxJob);
      if (!account.txDraining) {
        account.txDraining = true;
        void account.exclusive(() => this.drain(account));
      }
    });
  }

  /**
   * Group commit: the Transacts queued for an account are decided one after another against the
   * state as the earlier ones of the group leave it, written together, synced once per store and
   * journalled in one record; every job is answered only after that (or all fail together).
   */
  private async drain(account: Account): Promise<void> {
    try {
      while (account.txQueue.length > 0) {
        const group = account.txQueue.splice(0, 256) as TxJob[];
        try {
          await this.runGroup(account, group);
        } catch (e) {
          for (const job of group) job.reject(e);
        }
      }
    } finally {
      // Synchronously after seeing an empty queue: a job queued later schedules a new drain.
      account.txDraining = false;
    }
  }

  private async runGroup(account: Account, group: TxJob[]): Promise<void> {
    const view = new GroupView(account);
    const outcomes: Array<{ job: TxJob; response?: ResponseBase; error?: unknown; apply?: Decided }> = [];
    for (const job of group) {
      try {
        if (account.closed) throw bad(Ext.NotFound, 'account no longer exists');
        const d = await this.decide(account, job, view);
        if ('frames' in d) outcomes.push({ job, apply: d });
        else outcomes.push({ job, response: d.response });
      } catch (e) {
        outcomes.push({ job, error: e });
      }
    }
    const applying = outcomes.filter((o) => o.apply);
    try {
      if (applying.length) {
        const batch = applying.flatMap((o) => o.apply!.frames);
        const results = applying.map((o) => ({ id: o.job.id, r: o.apply!.response }));
        const indexes = await this.appendBatch(account, batch, results);
        if (indexes.some((ix, i) => ix !== batch[i].predicted)) throw new Error('group commit assigned unexpected indexes');
        for (const o of applying) {
          if (o.apply!.accessCaps.length) await account.applyCapabilities(o.apply!.accessCaps);
          o.response = withStoreStatus(account, o.apply!);
          this.log(`transact ${account.profile.udf.slice(0, 9)}: ${o.apply!.frames.length} frames, ${o.apply!.bytes} bytes`);
        }
      }
    } catch (e) {
      // Nothing of the group was applied; every job of it gets the failure.
      for (const o of outcomes) o.job.reject(e);
      return;
    }
    for (const o of outcomes) {
      if (o.error !== undefined) o.job.reject(o.error);
      else o.job.resolve(o.response!);
    }
  }

  /** Rules 1-4 of sync.md §5.1 for one Transact, against `view`; records accepted frames in it. */
  private async decide(account: Account, job: TxJob, view: GroupView): Promise<{ response: ResponseBase } | Decided> {
    const { items, id, auth } = job;
    if (id) {
      const prior = view.result(id);
      if (prior !== undefined) return { response: prior as ResponseBase };
    }
    // 1. Validate.
    const entries: Item[] = [];
    const perStoreIds = new Set<string>();
    const accessCaps: Array<{ id: string; capability: Capability }> = [];
    let admin: boolean | undefined;
    const headers = new Set<Item>();
    for (const it of items) if (it.isHeader && !view.storeExists(it.store)) headers.add(it);
    for (const it of items) {
      if (it.position === undefined) continue;
      const exists = view.storeExists(it.store) || items.some((o) => headers.has(o) && o.store === it.store);
      if (!exists) throw bad(Ext.NotFound, `store ${it.store} does not exist`);
      const guarded = it.store === 'Access' || it.store === 'Device';
      if (headers.has(it)) {
        if (guarded && !(admin ??= await this.isAdmin(auth))) throw bad(Ext.NotAdministrator, `creating ${it.store} needs an administrator device`);
        continue;
      }
      if (isSpool(it.store)) continue;
      const m = { uniqueId: it.uniqueId, event: it.event, previous: it.claimedPrevious };
      if (!m.uniqueId || !m.event || !['New', 'Update', 'Delete'].includes(m.event)) throw bad(Ext.Refused, `envelope ${it.position} has no UniqueId/Event in ContentMetaData`);
      if (!it.envelopeId) throw bad(Ext.Refused, `envelope ${it.position} has no EnvelopeId`);
      if (!it.env.trailer?.PayloadDigest) throw bad(Ext.Refused, `envelope ${it.position} has no PayloadDigest`);
      if (m.previous !== undefined && (typeof m.previous !== 'number' || !Number.isInteger(m.previous) || m.previous < 0)) throw bad(Ext.Refused, `envelope ${it.position} has a bad Previous`);
      const previous = (m.previous as number | undefined) ?? 0;
      const key = `${it.store}\u0000${m.uniqueId}`;
      if (perStoreIds.has(key)) throw bad(Ext.Refused, `two envelopes for one entry of ${it.store}`);
      perStoreIds.add(key);
      if (guarded) {
        if (!signedBy(it.env, account.adminKey)) throw bad(Ext.NotAdministrator, `${it.store} frames must be signed by the administrator`);
        if (it.store === 'Access') {
          let cap;
          try {
            cap = await account.decodeAccessFrame([it.env.header, toBase64Url(it.env.body), it.env.trailer ?? {}]);
          } catch {
            cap = undefined;
          }
          if (!cap || cap.id !== m.uniqueId) throw bad(Ext.Refused, 'Access frame is not readable by the service or its Id differs from UniqueId');
          accessCaps.push(cap);
        }
      }
      entries.push({ ...it, previous });
    }
    // 2. Idempotent replay.
    const stored = entries.filter((it) => view.envelopeIndex(it.store, it.envelopeId!) !== undefined);
    if (entries.length > 0 && stored.length === entries.length) {
      return {
        response: {
          Entries: items.flatMap((it) => {
            if (it.position === undefined) return [];
            const index = it.envelopeId ? view.envelopeIndex(it.store, it.envelopeId) : undefined;
            return [{ IndexRequest: it.position, ...(index !== undefined ? { IndexContainer: index } : {}), Result: 'Accept' } as EntryResponse];
          }),
        } as ResponseBase,
      };
    }
    if (stored.length > 0) throw bad(Ext.Refused, 'some of these envelopes were already stored (malformed retry)');
    // 3-4. Preconditions, all or nothing.
    const responses: EntryResponse[] = [];
    let conflict = false;
    let reject = false;
    const byPosition = new Map(entries.map((e) => [e.position!, e]));
    for (const it of items) {
      if (it.position === undefined) continue;
      const e = byPosition.get(it.position);
      if (!e) {
        responses.push({ IndexRequest: it.position, Result: 'Accept' });
        continue;
      }
      const latest = view.latest(e.store, e.uniqueId!);
      const L = latest?.index ?? 0;
      if (e.previous !== L) {
        conflict = true;
        responses.push({ IndexRequest: it.position, IndexContainer: L, Result: 'Conflict' });
        continue;
      }
      const live = latest !== undefined && !latest.deleted;
      if ((live && e.event === 'New') || (!live && e.event !== 'New')) {
        reject = true;
        responses.push({ IndexRequest: it.position, Result: 'Reject' });
        continue;
      }
      responses.push({ IndexRequest: it.position, Result: 'Accept' });
    }
    if (conflict || reject) {
      const entriesOut = responses.map((r) => (r.Result === 'Accept' ? { IndexRequest: r.IndexRequest, Result: 'Reject' as const } : r));
      if (conflict) throw new MeshFailure(STATUS_CONFLICT, Ext.Conflict, 'Conflict', { Entries: entriesOut });
      throw new MeshFailure(STATUS_BAD, Ext.Refused, 'event does not fit the entry state', { Entries: entriesOut });
    }
    const bytes = items.reduce((n, it) => n + it.size, 0);
    if (view.used + bytes > this.limits.maxAccountBytes) throw bad(Ext.TooLarge, 'account storage quota exceeded');
    // Accepted: predict the indexes and record the frames in the view.
    const frames: GroupFrame[] = [];
    const entriesOut: EntryResponse[] = [];
    for (const it of items) {
      const predicted = view.append(it.store, headers.has(it), it.uniqueId, it.event, it.envelopeId, it.size, !isSpool(it.store) && !headers.has(it));
      frames.push({ store: it.store, frame: this.pending(it.env, { uniqueId: it.uniqueId, event: it.event, envelopeId: it.envelopeId, payloadDigest: it.payloadDigest }), predicted });
      if (it.position !== undefined) entriesOut.push({ IndexRequest: it.position, IndexContainer: predicted, Result: 'Accept' });
    }
    const response = { Bitmask: bitmask(new Set(items.map((i) => i.store))), Entries: entriesOut } as ResponseBase;
    if (id) view.results.set(id, response);
    return { frames, response, accessCaps, bytes };
  }

  /**
   * Appends frames to several stores as one batch: write every store, fsync each, then one
   * journal record; only then are the frames visible. Must run under the account lock.
   * Returns the assigned indexes, in batch order.
   */
  private async appendBatch(account: Account, batch: Array<{ store: string; frame: PendingFrame }>, results: Array<{ id?: string; r: unknown }> = []): Promise<number[]> {
    const received = rfc3339(this.now());
    const byStore = new Map<string, { file: StoreFile; frames: PendingFrame[]; slots: number[] }>();
    batch.forEach((b, i) => {
      let g = byStore.get(b.store);
      if (!g) byStore.set(b.store, (g = { file: account.storeForWrite(b.store), frames: [], slots: [] }));
      g.frames.push(b.frame);
      g.slots.push(i);
    });
    const indexes = new Array<number>(batch.length);
    const staged: Array<{ file: StoreFile; staged: ReturnType<StoreFile['write']>['staged'] }> = [];
    try {
      const crash = batch.length > 10 ? this.crashPoint : undefined;
      for (const g of byStore.values()) {
        const w = g.file.write(g.frames, received, crash === 'mid-write' ? () => process.kill(process.pid, 'SIGKILL') : undefined);
        w.indexes.forEach((ix, k) => (indexes[g.slots[k]] = ix));
        staged.push({ file: g.file, staged: w.staged });
      }
      await Promise.all(staged.map((s) => s.file.sync()));
      if (crash === 'before-journal') process.kill(process.pid, 'SIGKILL');
      await account.journal.commit(Object.fromEntries(staged.map((s) => [s.file.name, s.staged.length!])), results.filter((r): r is { id: string; r: unknown } => !!r.id));
      for (const s of staged) {
        s.file.commit(s.staged);
        account.stores.set(s.file.name, s.file);
      }
      return indexes;
    } catch (e) {
      for (const s of staged) s.file.abandon();
      throw e;
    }
  }
}

/** One queued Transact (group commit). */
interface TxJob {
  items: Item[];
  id?: string;
  auth: Authenticated;
  resolve(r: ResponseBase): void;
  reject(e: unknown): void;
}

interface GroupFrame {
  store: string;
  frame: PendingFrame;
  predicted: number;
}

/**
 * The answer to an applied Transact, with each catalog it wrote as this Transact left it: the index
 * of the last frame it added and that frame's tree digest (sync-performance 13). A device whose own frames
 * make exactly that digest keeps them without asking for Status or downloading them.
 */
function withStoreStatus(account: Account, d: Decided): ResponseBase {
  const last = new Map<string, number>();
  for (const f of d.frames) if (!isSpool(f.store)) last.set(f.store, Math.max(last.get(f.store) ?? -1, f.predicted));
  const status: StoreStatus[] = [];
  for (const [store, index] of last) {
    const digest = account.stores.get(store)?.digest(index);
    if (digest) status.push({ Store: store, Index: index, Digest: toBase64Url(digest) });
  }
  return status.length ? ({ ...d.response, StoreStatus: status } as ResponseBase) : d.response;
}

interface Decided {
  frames: GroupFrame[];
  response: ResponseBase;
  accessCaps: Array<{ id: string; capability: Capability }>;
  bytes: number;
}

/** The account state as the accepted Transacts of the current group leave it. */
class GroupView {
  private readonly created = new Set<string>();
  private readonly latestOver = new Map<string, EntryState>();
  private readonly envelopeOver = new Map<string, number>();
  private readonly next = new Map<string, number>();
  readonly results = new Map<string, unknown>();
  used = 0;

  constructor(private readonly account: Account) {
    for (const s of account.stores.values()) this.used += s.size;
  }

  storeExists(store: string): boolean {
    return this.account.stores.has(store) || this.created.has(store);
  }

  latest(store: string, uniqueId: string): EntryState | undefined {
    return this.latestOver.get(`${store}\u0000${uniqueId}`) ?? this.account.stores.get(store)?.latest.get(uniqueId);
  }

  envelopeIndex(store: string, envelopeId: string): number | undefined {
    return this.envelopeOver.get(`${store}\u0000${envelopeId}`) ?? this.account.stores.get(store)?.envelopeIds.get(envelopeId);
  }

  result(id: string): unknown {
    return this.results.get(id) ?? this.account.journal.results.get(id);
  }

  /** Records one accepted frame; returns the index it will get. */
  append(store: string, isHeader: boolean, uniqueId: string | undefined, event: string | undefined, envelopeId: string | undefined, size: number, isEntry: boolean): number {
    const index = this.next.get(store) ?? this.account.stores.get(store)?.count ?? 0;
    this.next.set(store, index + 1);
    if (isHeader) this.created.add(store);
    if (isEntry && uniqueId && event) this.latestOver.set(`${store}\u0000${uniqueId}`, { index, deleted: event === 'Delete' });
    if (envelopeId) this.envelopeOver.set(`${store}\u0000${envelopeId}`, index);
    this.used += size;
    return index;
  }
}

/** A response whose `Updates` array is pre-serialized (stored envelopes are spliced in verbatim). */
export class RawResponse {
  constructor(readonly prefix: string, readonly extra: Record<string, unknown>) {}
}

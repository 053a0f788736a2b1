// The Mesh protocol client (isomorphic: CLI, extension worker, popup). One instance per account
// and service; every authenticated call carries the request MAC and checks the response MAC
// (protocol.md §4.2). Service errors become MeshError('protocol' | 'conflict' | 'auth').
import { fromUtf8, randomBytes } from './bytes.ts';
import { MeshError } from './errors.ts';
import { decodeResponse, encodeRequest } from './protocol/framing.ts';
import {
  checkResponseHeader, formatAuthHeader, HEADER_AUTH, HEADER_AUTH_RESPONSE, HEADER_CREDENTIAL, bodyDigest, macKey, macTimestamp, NONCE_BYTES, requestMac, responseMac,
} from './protocol/mac.ts';
import { credentialHeader, type ClientCredential } from './protocol/credential.ts';
import { readKeyData, readProfile, readSignedBy, type PublicKey } from './protocol/objects.ts';
import { DESCRIPTION_PENDING, Ext, STATUS_CONFLICT } from './protocol/status.ts';
import type {
  BindResponse, CompleteResponse, ConnectResponse, ConstraintsSelect, DownloadResponse, EntryResponse, EnvelopeJson, MeshHelloResponse,
  ResponseBase, StatusResponse, StoreUpdate, TransactionName, Transactions, TransactResponse,
} from './protocol/messages.ts';

export type { ClientCredential } from './protocol/credential.ts';
export { scalarCredential, clampX448 } from './protocol/credential.ts';

export const WELL_KNOWN_PATH = '/.well-known/mmm/';

/** An SRV lookup: node's dns.resolveSrv in the CLI; absent in browsers. */
export type SrvResolver = (name: string) => Promise<Array<{ name: string; port: number; priority?: number; weight?: number }>>;

export interface MeshClientOptions {
  /** Explicit service URL (e.g. http://127.0.0.1:8443/.well-known/mmm/); else discovered from the address. */
  serviceUrl?: string;
  accountAddress: string;
  /** Device (or owner) credential for authenticated transactions. */
  credential?: ClientCredential;
  fetch?: typeof fetch;
  resolveSrv?: SrvResolver;
  /** The service profile UDF pinned at first connection; a different one is an error. */
  pinnedServiceUdf?: string;
  /** Clock for the MAC timestamp (tests). */
  now?: () => Date;
  /** Give up on a call after this many ms (default 60 000; 0 = never): MeshError('network'). */
  timeoutMs?: number;
}

export interface ServiceInfo {
  /** UDF of the service profile (pin it). */
  profileUdf: string;
  authentication: PublicKey;
  signature?: PublicKey;
  response: MeshHelloResponse;
}

export interface CallOptions {
  /** Use this credential instead of the client's own (BindAccount with the owner credential, Connect with the device profile). */
  credential?: ClientCredential;
}

export interface DownloadOptions {
  /** First index wanted (0 = from the header frame). */
  fromIndex?: number;
  toIndex?: number;
  /** Cap on frames per page. */
  maxResults?: number;
  /** Cap on envelope bytes per page. */
  maxBytes?: number;
}

export interface TransactInput {
  updates?: StoreUpdate[];
  inbound?: EnvelopeJson[];
  local?: EnvelopeJson[];
  outbound?: EnvelopeJson[];
  accounts?: string[];
  /** Request id (base64url); a retry with the same id gets the first result. */
  id?: string;
}

export interface ConflictDetail {
  status: number;
  statusExtended?: number;
  conflicts: EntryResponse[];
  entries: EntryResponse[];
}

const isLoopbackHost = (h: string): boolean => h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);

/** Checks a service URL: https anywhere, http only to loopback (decision 4). */
export function checkServiceUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeshError('network', `invalid service URL ${url}`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    throw new MeshError('network', 'plain http is allowed only to a loopback address; use https');
  }
  // A bare origin (what users type) means the well-known endpoint.
  if (u.pathname === '/' || u.pathname === '') u.pathname = WELL_KNOWN_PATH;
  else if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** The domain of `user@domain` (lower-cased). */
export function accountDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new MeshError('malformed', `account address ${address} must be user@domain`);
  return address.slice(at + 1).toLowerCase();
}

/** Service discovery (protocol.md §2): override → SRV `_mmm._tcp.domain` → `https://domain/.well-known/mmm/`. */
export async function discoverService(address: string, opts: { serviceUrl?: string; resolveSrv?: SrvResolver } = {}): Promise<string> {
  if (opts.serviceUrl) return checkServiceUrl(opts.serviceUrl);
  const domain = accountDomain(address);
  if (opts.resolveSrv) {
    try {
      const records = await opts.resolveSrv(`_mmm._tcp.${domain}`);
      const best = [...records].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || (b.weight ?? 0) - (a.weight ?? 0))[0];
      if (best) return checkServiceUrl(`https://${best.name.replace(/\.$/, '')}:${best.port}${WELL_KNOWN_PATH}`);
    } catch {
      // no SRV record: fall back to the domain
    }
  }
  return checkServiceUrl(`https://${domain}${WELL_KNOWN_PATH}`);
}

function statusError(tx: TransactionName, r: ResponseBase): MeshError {
  const status = r.Status ?? 0;
  const ext = r.StatusExtended;
  const desc = r.StatusDescription ? `: ${String(r.StatusDescription).slice(0, 200)}` : '';
  const detail = { status, statusExtended: ext };
  if (status === STATUS_CONFLICT) {
    const entries = ((r as TransactResponse).Entries ?? []) as EntryResponse[];
    return new MeshError('conflict', `${tx} conflict${desc}`, { ...detail, conflicts: entries.filter((e) => e.Result === 'Conflict'), entries } satisfies ConflictDetail);
  }
  if (ext === Ext.NotAuthorized || ext === Ext.DeviceRevoked || status === 401) return new MeshError('auth', `${tx} not authorized${desc}`, detail);
  return new MeshError('protocol', `${tx} failed with ${status}${ext ? '/' + ext : ''}${desc}`, detail);
}

export class MeshClient {
  readonly accountAddress: string;
  credential?: ClientCredential;
  private url?: string;
  private readonly fetchFn: typeof fetch;
  private readonly opts: MeshClientOptions;
  private service?: ServiceInfo;
  /** Agreement values per credential (static keys: computed once). */
  private readonly shared = new WeakMap<ClientCredential, Uint8Array>();

  constructor(opts: MeshClientOptions) {
    this.opts = opts;
    this.accountAddress = opts.accountAddress;
    this.credential = opts.credential;
    if (opts.serviceUrl) this.url = checkServiceUrl(opts.serviceUrl);
    this.fetchFn = opts.fetch ?? ((...a) => globalThis.fetch(...a));
  }

  /** The service URL, discovering it on first use. */
  async serviceUrl(): Promise<string> {
    if (!this.url) this.url = await discoverService(this.accountAddress, this.opts);
    return this.url;
  }

  /** Hello: fetches and verifies the service profile (self-signed), checks the pin. */
  async hello(): Promise<ServiceInfo> {
    const { response } = await this.call('Hello', {}, undefined);
    const env = response.EnvelopedProfileService;
    if (!env) throw new MeshError('protocol', 'Hello response has no service profile');
    const profile = readProfile(env, 'ProfileService');
    if (this.opts.pinnedServiceUdf && this.opts.pinnedServiceUdf !== profile.udf) {
      throw new MeshError('auth', `the service profile changed (pinned ${this.opts.pinnedServiceUdf}, now ${profile.udf}); refusing to continue`);
    }
    const authentication = readKeyData(profile.fields.ServiceAuthentication);
    if (authentication.crv !== 'X448') throw new MeshError('unsupported', 'service authentication key must be X448');
    const signature = profile.fields.ServiceSignature ? readKeyData(profile.fields.ServiceSignature) : undefined;
    this.service = { profileUdf: profile.udf, authentication, signature, response };
    return this.service;
  }

  /** BindAccount with the owner credential (the ProfileUser and its CommonAuthentication key). */
  async bindAccount(envelopedProfileAccount: EnvelopeJson, opts: CallOptions = {}): Promise<{ response: BindResponse; accessEncrypt?: PublicKey }> {
    const { response } = await this.call('BindAccount', { AccountAddress: this.accountAddress, EnvelopedProfileAccount: envelopedProfileAccount }, opts.credential ?? this.credential);
    let accessEncrypt: PublicKey | undefined;
    const aha = response.EnvelopedAccountHostAssignment;
    if (aha) {
      const sig = this.service?.signature;
      const obj = sig ? readSignedBy(aha, sig, 'AccountHostAssignment') : undefined;
      if (obj?.fields.AccessEncrypt) accessEncrypt = readKeyData(obj.fields.AccessEncrypt);
    }
    return { response, accessEncrypt };
  }

  async unbindAccount(opts: CallOptions = {}): Promise<void> {
    await this.call('UnbindAccount', { Account: this.accountAddress }, opts.credential ?? this.credential);
  }

  /** Connect (device phase): credential = the device's ProfileDevice and base authentication key. */
  async connect(envelopedRequestConnection: EnvelopeJson, rights: string[] = ['web'], opts: CallOptions = {}): Promise<ConnectResponse> {
    return (await this.call('Connect', { EnvelopedRequestConnection: envelopedRequestConnection, Rights: rights }, opts.credential ?? this.credential)).response;
  }

  /** Complete: the RespondConnection envelope, or `pending` while the administrator has not answered. */
  async complete(responseId: string, opts: CallOptions = {}): Promise<{ pending: true } | { pending: false; response: CompleteResponse }> {
    try {
      const { response } = await this.call('Complete', { Account: this.accountAddress, AccountAddress: this.accountAddress, ResponseID: responseId }, opts.credential ?? this.credential);
      return { pending: false, response };
    } catch (e) {
      const d = e instanceof MeshError ? (e.detail as { status?: number; statusExtended?: number } | undefined) : undefined;
      // Our service answers 400/6; the reference 400/2 with the same description (protocol.md §3.1).
      if (d?.status === 400 && (d.statusExtended === Ext.NotFound || (e as MeshError).message.includes(DESCRIPTION_PENDING))) return { pending: true };
      throw e;
    }
  }

  async status(stores?: string[], extra: { deviceUdf?: string; catalogedDeviceDigest?: string } = {}): Promise<StatusResponse> {
    return (await this.call('Status', { Account: this.accountAddress, Catalogs: stores, DeviceUDF: extra.deviceUdf, CatalogedDeviceDigest: extra.catalogedDeviceDigest }, this.credential)).response;
  }

  /** One Download page for several stores. */
  async downloadPage(select: ConstraintsSelect[], opts: { maxResults?: number; maxBytes?: number; deviceUdf?: string; catalogedDeviceDigest?: string } = {}): Promise<DownloadResponse> {
    const req = {
      Account: this.accountAddress, Select: select, MaxResults: opts.maxResults, DeviceUDF: opts.deviceUdf, CatalogedDeviceDigest: opts.catalogedDeviceDigest,
      ConstraintsPost: opts.maxBytes ? { BytesMax: opts.maxBytes } : undefined,
    };
    return (await this.call('Download', req, this.credential)).response;
  }

  /** Every frame of one store from `fromIndex` on, following `Partial`/`FinalIndex` paging. */
  async download(store: string, opts: DownloadOptions = {}): Promise<{ envelopes: EnvelopeJson[]; finalIndex: number; exists: boolean }> {
    const envelopes: EnvelopeJson[] = [];
    let from = opts.fromIndex ?? 1;
    for (let page = 0; page < 1_000_000; page++) {
      const r = await this.downloadPage([{ Store: store, IndexMin: from, IndexMax: opts.toIndex }], { maxResults: opts.maxResults, maxBytes: opts.maxBytes });
      const u = r.Updates?.find((x) => x.Store === store);
      if (!u || !u.Envelopes) return { envelopes, finalIndex: -1, exists: false };
      envelopes.push(...u.Envelopes);
      if (!u.Partial || u.Envelopes.length === 0) {
        const last = envelopes.length ? frameIndex(envelopes[envelopes.length - 1]) : from - 1;
        return { envelopes, finalIndex: u.FinalIndex ?? last, exists: true };
      }
      from = frameIndex(u.Envelopes[u.Envelopes.length - 1]) + 1;
    }
    throw new MeshError('protocol', 'download did not terminate');
  }

  /** Transact; a 409 throws MeshError('conflict', …, ConflictDetail). */
  async transact(input: TransactInput): Promise<TransactResponse> {
    const req = { Account: this.accountAddress, Updates: input.updates, Inbound: input.inbound, Local: input.local, Outbound: input.outbound, Accounts: input.accounts, ID: input.id };
    return (await this.call('Transact', req, this.credential)).response;
  }

  /** Posts messages to this account's spools (Local / Inbound) without catalog updates. */
  async post(spools: { local?: EnvelopeJson[]; inbound?: EnvelopeJson[] }, id?: string): Promise<TransactResponse> {
    return this.transact({ local: spools.local, inbound: spools.inbound, id });
  }

  /** New spool frames after `afterIndex` (e.g. the admin polling Inbound for connection requests). */
  async poll(spool: 'Inbound' | 'Local' | 'Outbound', afterIndex = 0): Promise<{ envelopes: EnvelopeJson[]; finalIndex: number }> {
    const r = await this.download(spool, { fromIndex: afterIndex + 1 });
    return { envelopes: r.envelopes, finalIndex: r.finalIndex };
  }

  /** Sends one transaction; returns the verified response (errors thrown as MeshError). */
  async call<T extends TransactionName>(tx: T, request: Transactions[T][0], credential: ClientCredential | undefined): Promise<{ response: Transactions[T][1] }> {
    const url = await this.serviceUrl();
    const body = encodeRequest(tx, request);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    let key: Uint8Array | undefined;
    let nonce: Uint8Array | undefined;
    if (tx !== 'Hello') {
      if (!credential) throw new MeshError('auth', `${tx} needs a device credential`);
      if (!this.service) await this.hello();
      nonce = randomBytes(NONCE_BYTES);
      const ts = macTimestamp(this.opts.now?.() ?? new Date());
      let s = this.shared.get(credential);
      if (!s) this.shared.set(credential, (s = await credential.agree(this.service!.authentication.public)));
      key = macKey(s, nonce);
      const path = new URL(url).pathname;
      headers[HEADER_CREDENTIAL] = credentialHeader(credential);
      headers[HEADER_AUTH] = formatAuthHeader({ kid: credential.kid, ts, nonce, mac: requestMac(key, ts, path, body, await bodyDigest(body)) });
    }
    let res: Response;
    let bytes: Uint8Array;
    // A service that never answers must not hold the sync (and the device's sync lock) forever.
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const abort = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    try {
      // Large bodies go as a Blob: Chromium's fetch takes a typed-array body far more slowly (~350 ms for 5 MB in a worker, vs ~20 ms).
      const sent = body.length >= 64 * 1024 ? new Blob([body as BlobPart]) : (body as BodyInit);
      res = await this.fetchFn(url, { method: 'POST', headers, body: sent, cache: 'no-store', signal: abort.signal });
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (abort.signal.aborted) throw new MeshError('network', `the Mesh service at ${url} did not answer ${tx} within ${Math.round(timeoutMs / 1000)} s`);
      throw new MeshError('network', `cannot reach the Mesh service at ${url}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
    }
    if (res.status !== 200) {
      let text = '';
      try {
        text = fromUtf8(bytes).slice(0, 200);
      } catch {
        text = '';
      }
      throw new MeshError('protocol', `service answered HTTP ${res.status}${text ? ': ' + text : ''}`, { status: res.status, http: true });
    }
    if (key && nonce) {
      if (!checkResponseHeader(res.headers.get(HEADER_AUTH_RESPONSE), responseMac(key, nonce, bytes, await bodyDigest(bytes)))) {
        // Unauthenticated answer: only a hint (protocol.md §4.2); never act on its content.
        let hint: ResponseBase | undefined;
        try {
          hint = decodeResponse(tx, bytes) as ResponseBase;
        } catch {
          hint = undefined;
        }
        if (hint && hint.Status !== undefined && (hint.Status < 200 || hint.Status >= 300)) throw statusError(tx, hint);
        throw new MeshError('auth', `${tx} response is not authenticated by the service key`);
      }
    }
    const response = decodeResponse(tx, bytes);
    const status = (response as ResponseBase).Status;
    if (status === undefined || status < 200 || status >= 300) throw statusError(tx, response as ResponseBase);
    return { response };
  }
}

/** The service-assigned index of a downloaded frame. */
export function frameIndex(env: EnvelopeJson): number {
  const si = (env[0] as { SequenceInfo?: { Index?: unknown } }).SequenceInfo;
  if (!si || typeof si.Index !== 'number') throw new MeshError('protocol', 'downloaded frame has no SequenceInfo.Index');
  return si.Index;
}

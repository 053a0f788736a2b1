// Request authentication (protocol.md §4.2 "Service verification order"): credential by phase,
// kid bound to the credential's authentication key, timestamp window, nonce replay, MAC.
import { createHash } from 'node:crypto';
import { equal, fromBase64Url, fromUtf8 } from '../mesh/bytes.ts';
import { MeshError } from '../mesh/errors.ts';
import { HEADER_AUTH, HEADER_CREDENTIAL, macKey, parseAuthHeader, requestMac } from '../mesh/protocol/mac.ts';
import { fingerprintOf, readKeyData, readObject, readProfile, readSignedBy, type OpenedObject, type Profile } from '../mesh/protocol/objects.ts';
import type { TransactionName } from '../mesh/protocol/messages.ts';
import type { Account } from './account.ts';
import type { ServiceIdentity } from './identity.ts';

export const CLOCK_SKEW_SECONDS = 300;
export const NONCE_WINDOW_SECONDS = 600;

export type Phase = 'device' | 'owner' | 'connected';

export interface Authenticated {
  phase: Phase;
  kid: string;
  nonce: Uint8Array;
  key: Uint8Array;
  /** The verified credential object: ProfileDevice / ProfileUser (a Profile) or ConnectionService. */
  credential: OpenedObject | Profile;
  account?: Account;
  /**
   * Owner recovery (connected phase): the credential is the account's own ProfileUser and the key its
   * EscrowEncryption key, which only the holder of the recovered account secret has (no device is ever
   * given it). Limited to rejoining: see MeshService.authorize.
   */
  recovery?: boolean;
}

/** Thrown for every authentication or authorisation failure: answered 400/2 without a response MAC. */
export class NotAuthorized extends MeshError {
  constructor(message: string) {
    super('auth', message);
  }
}

export function phaseOf(tx: TransactionName): Phase | undefined {
  if (tx === 'Hello') return undefined;
  if (tx === 'Connect' || tx === 'Complete') return 'device';
  if (tx === 'BindAccount') return 'owner';
  return 'connected';
}

/** Remembers (kid, nonce) pairs for the replay window. */
export class NonceCache {
  private seen = new Map<string, number>();
  private lastPrune = 0;
  constructor(private readonly maxEntries = 1_000_000) {}

  /** False if the pair was already seen (a replay). */
  add(kid: string, nonce: Uint8Array, nowMs: number): boolean {
    if (nowMs - this.lastPrune > 10_000 || this.seen.size > this.maxEntries) this.prune(nowMs);
    const k = kid + ':' + Buffer.from(nonce).toString('base64url');
    if (this.seen.has(k)) return false;
    this.seen.set(k, nowMs + NONCE_WINDOW_SECONDS * 1000);
    return true;
  }

  private prune(nowMs: number): void {
    this.lastPrune = nowMs;
    for (const [k, exp] of this.seen) if (exp < nowMs) this.seen.delete(k);
  }
}

/** A credential already verified (signature checks are the costly part), with its agreement value. */
interface Verified {
  credential: OpenedObject | Profile;
  kid: string;
  shared: Uint8Array;
  recovery?: boolean;
}

/**
 * Remembers verified credentials by (phase, account, header value), so the Ed448 signature and
 * the X448 agreement are computed once per device, not once per request. Authorisation (the
 * Access capability) is still checked on every request.
 */
export class CredentialCache {
  private map = new Map<string, Verified>();
  constructor(private readonly max = 20_000) {}
  get(key: string): Verified | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: Verified): void {
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

export interface AuthInput {
  tx: TransactionName;
  headers: Record<string, string | string[] | undefined>;
  path: string;
  body: Uint8Array;
  /** The account named by the request (`Account`), for the connected phase. */
  account?: Account;
  identity: ServiceIdentity;
  nonces: NonceCache;
  credentials?: CredentialCache;
  nowMs: number;
}

const header = (h: AuthInput['headers'], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function authenticate(inp: AuthInput): Authenticated {
  const phase = phaseOf(inp.tx);
  if (!phase) throw new Error('public transaction');
  const authValue = header(inp.headers, HEADER_AUTH);
  const credValue = header(inp.headers, HEADER_CREDENTIAL);
  if (!authValue || !credValue) throw new NotAuthorized('request carries no credential or MAC');
  let auth;
  try {
    auth = parseAuthHeader(authValue);
  } catch (e) {
    throw new NotAuthorized(e instanceof Error ? e.message : 'bad authentication header');
  }
  const cacheKey = createHash('sha256').update(`${phase}\u0000${inp.account?.profile.udf ?? ''}\u0000${credValue}`).digest('base64');
  let verified = inp.credentials?.get(cacheKey);
  if (!verified) {
    verified = verifyCredential(phase, credValue, inp);
    inp.credentials?.set(cacheKey, verified);
  }
  if (verified.kid !== auth.kid) throw new NotAuthorized('kid does not match the credential authentication key');
  const ts = Date.parse(auth.ts);
  if (!Number.isFinite(ts) || Math.abs(ts - inp.nowMs) > CLOCK_SKEW_SECONDS * 1000) throw new NotAuthorized('request timestamp outside the accepted window');
  const key = macKey(verified.shared, auth.nonce);
  if (!equal(requestMac(key, auth.ts, inp.path, inp.body, createHash('sha256').update(inp.body).digest()), auth.mac)) throw new NotAuthorized('request MAC does not verify');
  if (!inp.nonces.add(verified.kid, auth.nonce, inp.nowMs)) throw new NotAuthorized('replayed request (nonce already seen)');
  return { phase, kid: verified.kid, nonce: auth.nonce, key, credential: verified.credential, account: inp.account, ...(verified.recovery ? { recovery: true } : {}) };
}

function verifyCredential(phase: Phase, credValue: string, inp: AuthInput): Verified {
  let credJson: unknown;
  try {
    credJson = JSON.parse(fromUtf8(fromBase64Url(credValue)));
  } catch {
    throw new NotAuthorized('credential header is not base64url JSON');
  }
  let credential: OpenedObject | Profile;
  let authKeyField: unknown;
  let recovery = false;
  try {
    if (phase === 'device') {
      credential = readProfile(credJson, 'ProfileDevice');
      authKeyField = credential.fields.Authentication;
    } else if (phase === 'owner') {
      credential = readProfile(credJson, 'ProfileUser');
      authKeyField = credential.fields.CommonAuthentication;
    } else {
      if (!inp.account) throw new NotAuthorized('unknown account');
      if (readObject(credJson).tag === 'ProfileUser') {
        // Owner recovery: the account's own profile (self-signed by its root key, hence by its owner),
        // authenticated with the EscrowEncryption key of the profile the service holds.
        const owner = readProfile(credJson, 'ProfileUser');
        credential = owner;
        if (owner.udf !== inp.account.profile.udf) throw new NotAuthorized('recovery credential is for another account');
        authKeyField = inp.account.profile.fields.EscrowEncryption;
        recovery = true;
      } else {
        credential = readSignedBy(credJson, inp.account.adminKey, 'ConnectionService');
        if (credential.fields.ProfileUdf !== inp.account.profile.udf) throw new NotAuthorized('connection is for another account');
        authKeyField = credential.fields.Authentication;
      }
    }
  } catch (e) {
    if (e instanceof NotAuthorized) throw e;
    throw new NotAuthorized(`credential rejected: ${e instanceof Error ? e.message : String(e)}`);
  }
  let authKey;
  try {
    authKey = readKeyData(authKeyField);
  } catch {
    throw new NotAuthorized('credential has no usable authentication key');
  }
  if (authKey.crv !== 'X448') throw new NotAuthorized('authentication key must be X448');
  let shared: Uint8Array;
  try {
    shared = inp.identity.agree(authKey.public);
  } catch {
    throw new NotAuthorized('key agreement failed');
  }
  return { credential, kid: fingerprintOf(authKey), shared, ...(recovery ? { recovery: true } : {}) };
}

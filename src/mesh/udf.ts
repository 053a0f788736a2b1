// Uniform Data Fingerprints (udf.md): content digests with compression, authenticators, key
// fingerprints, nonces, keys, OID UDFs and EARL identifiers, as the June-2023 reference emits them.
import { sha512 } from '@noble/hashes/sha2.js';
import { sha3_512 } from '@noble/hashes/sha3.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { base32Decode, base32Length, base32Present } from './base32.ts';
import { randomBytes, utf8 } from './bytes.ts';
import { MeshError } from './errors.ts';
import { spkiOf, spkiPrefix, checkPublicKeyLength, type Curve, type SpkiProfile } from './keys-spki.ts';

/** Type identifier octets (udf.md §1.1). */
export const UdfType = {
  AuthenticatorSha2: 0,
  AuthenticatorSha3: 1,
  EncryptionKey: 32,
  EncryptionSignatureKey: 33,
  DigestSha3: 80,
  DigestSha2: 96,
  Nonce: 104,
  Oid: 112,
  Share: 144,
  Seed: 200,
} as const;

export type DigestAlg = 'sha2' | 'sha3';
export type UdfKind = 'authenticator' | 'encryption-key' | 'digest' | 'nonce' | 'oid' | 'share' | 'seed';

/** Reference default precision: 140 bits, 28 characters. */
export const DEFAULT_BITS = 140;
/** Shortest fingerprint presentation accepted (reference `Udf.Matches`). */
export const MIN_FINGERPRINT_BITS = 100;
/** A full fingerprint BDS: type octet and 64 hash octets. */
export const MAX_FINGERPRINT_BITS = 520;

/** Literal content types of the reference (udf.md §6, §7.2). */
export const CONTENT_TYPE_KEY = 'PKIXKey';
export const CONTENT_TYPE_EARL = 'UDFEncryption';

const COLON = Uint8Array.of(0x3a);
const contentTypeCache = new Map<string, Uint8Array>();
function contentTypeBytes(ct: string): Uint8Array {
  let b = contentTypeCache.get(ct);
  if (!b) {
    if (typeof ct !== 'string') throw new MeshError('malformed', 'content type must be a string');
    b = utf8(ct);
    if (contentTypeCache.size < 64) contentTypeCache.set(ct, b);
  }
  return b;
}

function checkFingerprintBits(bits: number): void {
  if (!Number.isInteger(bits) || bits % 20 !== 0 || bits < MIN_FINGERPRINT_BITS || bits > MAX_FINGERPRINT_BITS) {
    throw new MeshError('malformed', `fingerprint precision must be a multiple of 20 bits from ${MIN_FINGERPRINT_BITS} to ${MAX_FINGERPRINT_BITS}, not ${bits}`);
  }
}

/** Base32 presentation of a binary UDF at `bits` of precision (default: all of it). */
export function udfPresent(bds: Uint8Array, bits = bds.length * 8): string {
  return base32Present(bds, bits);
}

/** Compression level of a 64-octet digest from its trailing zero bits: 0 (<20), 1 (20–29), 2, 3, 4 (≥50). */
export function compressionLevel(tcdv: Uint8Array): number {
  let zeros = 0;
  for (let i = tcdv.length - 1; i >= 0 && zeros < 50; i--) {
    const b = tcdv[i];
    if (b === 0) {
      zeros += 8;
      continue;
    }
    zeros += 31 - Math.clz32(b & -b);
    break;
  }
  return zeros >= 50 ? 4 : zeros >= 40 ? 3 : zeros >= 30 ? 2 : zeros >= 20 ? 1 : 0;
}

const hashOf = (alg: DigestAlg) => (alg === 'sha3' ? sha3_512 : sha512);

/** TCDV = H(UTF8(contentType) || ':' || H(data)) (udf.md §3). */
export function typedContentDigest(data: Uint8Array, contentType: string, alg: DigestAlg = 'sha2'): Uint8Array {
  const H = hashOf(alg);
  return typedDigestOfCdv(H(data), contentType, alg);
}

function typedDigestOfCdv(cdv: Uint8Array, contentType: string, alg: DigestAlg): Uint8Array {
  return hashOf(alg).create().update(contentTypeBytes(contentType)).update(COLON).update(cdv).digest();
}

function digestBds(tcdv: Uint8Array, alg: DigestAlg): Uint8Array {
  const bds = new Uint8Array(65);
  bds[0] = (alg === 'sha3' ? UdfType.DigestSha3 : UdfType.DigestSha2) + compressionLevel(tcdv);
  bds.set(tcdv, 1);
  return bds;
}

/** The full 65-octet binary content-digest UDF: type (with compression) || TCDV. */
export function udfDigestBytes(data: Uint8Array, contentType: string, alg: DigestAlg = 'sha2'): Uint8Array {
  return digestBds(typedContentDigest(data, contentType, alg), alg);
}

export interface DigestOptions {
  alg?: DigestAlg;
  bits?: number;
}

/** Content-digest UDF text (`M…` for SHA-2-512, `K…` for SHA-3-512). */
export function udfDigest(data: Uint8Array | string, contentType: string, opts: DigestOptions = {}): string {
  const bits = opts.bits ?? DEFAULT_BITS;
  checkFingerprintBits(bits);
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return base32Present(udfDigestBytes(bytes, contentType, opts.alg ?? 'sha2'), bits);
}

const KEYED_MASTER = utf8('KeyedUDFMaster');
const KEYED_EXPAND = utf8('KeyedUDFExpand');

/** The 65-octet authenticator BDS: 0x00 || HMAC-SHA-512(OKM(key), ct || ':' || SHA-512(data)) (udf.md §4). */
export function udfAuthenticatorBytes(key: string, data: Uint8Array, contentType: string): Uint8Array {
  if (typeof key !== 'string' || key.length === 0) throw new MeshError('malformed', 'authenticator key must be a non-empty string');
  const okm = expand(sha512, extract(sha512, utf8(key), KEYED_MASTER), KEYED_EXPAND, 64);
  const mac = hmac.create(sha512, okm).update(contentTypeBytes(contentType)).update(COLON).update(sha512(data)).digest();
  const bds = new Uint8Array(65);
  bds[0] = UdfType.AuthenticatorSha2;
  bds.set(mac, 1);
  return bds;
}

/** Authenticator (keyed) UDF text; the key is a string such as a nonce UDF, dashes included. */
export function udfAuthenticator(key: string, data: Uint8Array | string, contentType: string, bits = DEFAULT_BITS): string {
  checkFingerprintBits(bits);
  return base32Present(udfAuthenticatorBytes(key, typeof data === 'string' ? utf8(data) : data, contentType), bits);
}

// ---- Key fingerprints (udf.md §6) ----

const KEY_TYPE_PREFIX = utf8(`${CONTENT_TYPE_KEY}:`);

/** Full 65-octet key fingerprint (the `RootUdfs` form): type || SHA-512("PKIXKey:" || SHA-512(spki)). */
export function udfKeyFingerprintBytes(crv: Curve, publicKey: Uint8Array, profile: SpkiProfile = 2023): Uint8Array {
  checkPublicKeyLength(crv, publicKey);
  const inner = sha512.create().update(spkiPrefix(crv, profile)).update(publicKey).digest();
  const tcdv = sha512.create().update(KEY_TYPE_PREFIX).update(inner).digest();
  return digestBds(tcdv, 'sha2');
}

/** Key fingerprint text, the `kid` of DARE and the Mesh (140 bits unless told). */
export function udfKeyFingerprint(crv: Curve, publicKey: Uint8Array, opts: { profile?: SpkiProfile; bits?: number } = {}): string {
  const bits = opts.bits ?? DEFAULT_BITS;
  checkFingerprintBits(bits);
  return base32Present(udfKeyFingerprintBytes(crv, publicKey, opts.profile ?? 2023), bits);
}

/** OID-identified UDF of a public key (type 112 || SPKI), presented in full (udf.md §5.3). */
export function udfOid(crv: Curve, publicKey: Uint8Array, profile: SpkiProfile = 2023): string {
  const spki = spkiOf(crv, publicKey, profile);
  const bds = new Uint8Array(spki.length + 1);
  bds[0] = UdfType.Oid;
  bds.set(spki, 1);
  return base32Present(bds);
}

// ---- Fixed-length UDFs ----

function randomUdf(type: number, bits: number): string {
  if (!Number.isInteger(bits) || bits < 64 || bits > 512) throw new MeshError('malformed', `random UDF size must be 64 to 512 bits, not ${bits}`);
  const bds = new Uint8Array(1 + Math.ceil(bits / 8));
  bds[0] = type;
  bds.set(randomBytes(bds.length - 1), 1);
  return base32Present(bds, bits + 8);
}

/** Nonce UDF (`N…`): 132 random bits by default, presented at 140 bits as the reference does. */
export const udfNonce = (bits = 132): string => randomUdf(UdfType.Nonce, bits);

/** Encryption/authentication key UDF (`E…`, type 32): a secret; 140 bits as the reference EARL command uses. */
export const udfEncryptionKey = (bits = 140): string => randomUdf(UdfType.EncryptionKey, bits);

/** A secret presented as untyped Base32 (how the drafts print shared secrets, udf.md §5.2). */
export const secretPresent = (secret: Uint8Array): string => base32Present(secret);

/** A fresh random secret (16 octets by default) in that untyped presentation. */
export function udfSecret(octets = 16): string {
  if (!Number.isInteger(octets) || octets < 16 || octets > 64) throw new MeshError('malformed', 'secret must have 16 to 64 octets');
  return secretPresent(randomBytes(octets));
}

/** Parse an untyped Base32 secret; `octets` fixes the expected length. */
export function secretParse(text: string, octets?: number): Uint8Array {
  const b = base32Decode(text.trim());
  if (octets !== undefined && b.length !== octets) throw new MeshError(b.length < octets ? 'truncated' : 'oversized', `secret must have ${octets} octets, not ${b.length}`);
  return b;
}

// ---- Parsing ----

export interface ParsedUdf {
  /** The type octet. */
  readonly type: number;
  readonly kind: UdfKind;
  /** The decoded whole octets, type octet first. */
  readonly bytes: Uint8Array;
  /** Number of Base32 characters, and the precision they carry (5 bits each). */
  readonly chars: number;
  readonly bits: number;
  /** The presentation normalised to upper case with dashes every four characters. */
  readonly text: string;
}

function kindOf(type: number): UdfKind | undefined {
  if (type === 0 || type === 1) return 'authenticator';
  if (type === 32 || type === 33) return 'encryption-key';
  if ((type >= 80 && type <= 84) || (type >= 96 && type <= 100)) return 'digest';
  if (type === UdfType.Nonce) return 'nonce';
  if (type === UdfType.Oid) return 'oid';
  if (type === UdfType.Share) return 'share';
  if (type === UdfType.Seed) return 'seed';
  return undefined;
}

function checkDerSequence(b: Uint8Array): void {
  // One DER SEQUENCE exactly filling the value (short or long length form).
  if (b.length < 2 || b[0] !== 0x30) throw new MeshError('malformed', 'OID UDF does not hold a DER SEQUENCE');
  let len = b[1];
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || b.length < 2 + n) throw new MeshError('malformed', 'OID UDF has an invalid DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[2 + i];
    off += n;
  }
  if (off + len !== b.length) throw new MeshError(off + len > b.length ? 'truncated' : 'malformed', 'OID UDF length does not match its DER SEQUENCE');
}

/**
 * Parse any UDF presentation: case and dashes are ignored, a `udf:` prefix is accepted.
 * Unknown types are 'unsupported'; lengths outside a type's range are 'truncated' or 'oversized'.
 */
export function udfParse(text: string): ParsedUdf {
  if (typeof text !== 'string') throw new MeshError('malformed', 'UDF must be a string');
  let t = text.trim();
  if (/^udf:/i.test(t)) t = t.slice(4);
  const chars = base32Length(t);
  const bytes = base32Decode(t);
  if (bytes.length < 2) throw new MeshError('truncated', 'UDF is too short');
  const type = bytes[0];
  const kind = kindOf(type);
  if (!kind) throw new MeshError('unsupported', `unknown UDF type ${type}`);
  const valueLen = bytes.length - 1;
  const range = (min: number, max: number) => {
    if (valueLen < min) throw new MeshError('truncated', `${kind} UDF is too short`);
    if (valueLen > max) throw new MeshError('oversized', `${kind} UDF is too long`);
  };
  switch (kind) {
    case 'authenticator':
    case 'digest':
      if (chars * 5 < MIN_FINGERPRINT_BITS) throw new MeshError('truncated', `${kind} UDF has fewer than ${MIN_FINGERPRINT_BITS} bits`);
      if (chars * 5 > MAX_FINGERPRINT_BITS) throw new MeshError('oversized', `${kind} UDF is too long`);
      break;
    case 'nonce':
    case 'encryption-key':
      range(8, 64);
      break;
    case 'oid':
      checkDerSequence(bytes.subarray(1));
      break;
    case 'share': {
      range(2, 65);
      const t = bytes[1] >> 4;
      if (t === 0) throw new MeshError('malformed', 'share has a zero threshold');
      break;
    }
    case 'seed':
      range(2 + 16, 2 + 64);
      break;
  }
  return { type, kind, bytes, chars, bits: chars * 5, text: normalise(t) };
}

// Upper case, regrouped by four: the last character may carry bits that `bytes` drops.
function normalise(t: string): string {
  const plain = t.replace(/-/g, '').toUpperCase();
  return plain.replace(/(.{4})(?=.)/g, '$1-');
}

/**
 * Does a presented digest or key fingerprint match a recomputed full BDS? Compares the presented
 * bits (type octet included) and refuses presentations below `minBits`.
 */
export function udfMatchesBytes(text: string, full: Uint8Array, minBits = MIN_FINGERPRINT_BITS): boolean {
  let parsed: ParsedUdf;
  try {
    parsed = udfParse(text);
  } catch {
    return false;
  }
  if (parsed.bits < minBits || parsed.bits > full.length * 8) return false;
  return parsed.text === base32Present(full, parsed.bits);
}

/** Does `text` fingerprint `data` under `contentType` (algorithm taken from the UDF's type)? */
export function udfMatches(text: string, data: Uint8Array, contentType: string, minBits = MIN_FINGERPRINT_BITS): boolean {
  let type: number;
  try {
    type = udfParse(text).type;
  } catch {
    return false;
  }
  const alg: DigestAlg | undefined = type >= 96 && type <= 100 ? 'sha2' : type >= 80 && type <= 84 ? 'sha3' : undefined;
  if (!alg) return false;
  return udfMatchesBytes(text, udfDigestBytes(data, contentType, alg), minBits);
}

/** Does `kid` fingerprint this public key (2023 profile unless told)? */
export function udfMatchesKey(kid: string, crv: Curve, publicKey: Uint8Array, profile: SpkiProfile = 2023): boolean {
  return udfMatchesBytes(kid, udfKeyFingerprintBytes(crv, publicKey, profile));
}

// ---- URIs and EARLs (udf.md §7) ----

/** `udf:` name form. */
export const udfName = (udf: string): string => `udf:${udf}`;

const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i;

function checkDomain(domain: string): string {
  if (typeof domain !== 'string' || !DOMAIN.test(domain) || /^[0-9.]+$/.test(domain)) throw new MeshError('malformed', `invalid domain name ${JSON.stringify(domain)}`);
  return domain.toLowerCase();
}

/** `udf://domain/UDF` locator form (no userinfo, port or IP literal; path upper case with dashes). */
export function udfLocator(domain: string, udf: string): string {
  return `udf://${checkDomain(domain)}/${udfParse(udf).text}`;
}

/** Split a `udf:` name or `udf://domain/UDF` locator. */
export function parseUdfUri(uri: string): { domain?: string; udf: string } {
  if (typeof uri !== 'string') throw new MeshError('malformed', 'UDF URI must be a string');
  const m = /^udf:\/\/([^/]+)\/([^/?#]+)$/i.exec(uri.trim());
  if (m) return { domain: checkDomain(m[1]), udf: udfParse(m[2]).text };
  const n = /^udf:([^/]+)$/i.exec(uri.trim());
  if (n) return { udf: udfParse(n[1]).text };
  throw new MeshError('malformed', 'not a udf: URI');
}

/** EARL content identifier: SHA-2-512 digest of the key's text under "UDFEncryption", 280 bits. */
export function earlContentIdentifier(keyUdf: string, bits = 280): string {
  return udfDigest(utf8(keyUdf), CONTENT_TYPE_EARL, { bits });
}

/** Where an EARL's object is fetched (the path of the worked example, udf.md §7.2). */
export function earlFetchUrl(domain: string, keyUdf: string): string {
  return `https://${checkDomain(domain)}/.well-known/mmm-udf/${earlContentIdentifier(keyUdf)}`;
}

/** A fresh EARL: a random E-type key, its locator and the identifier it is published under. */
export function earlCreate(domain: string): { key: string; earl: string; contentIdentifier: string } {
  const key = udfEncryptionKey();
  return { key, earl: `udf://${checkDomain(domain)}/${key}`, contentIdentifier: earlContentIdentifier(key) };
}

/** Does an authenticator UDF match `data` under `key` (a commitment check)? */
export function udfMatchesAuthenticator(text: string, key: string, data: Uint8Array, contentType: string, minBits = MIN_FINGERPRINT_BITS): boolean {
  return udfMatchesBytes(text, udfAuthenticatorBytes(key, data, contentType), minBits);
}

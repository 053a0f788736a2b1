// Request MAC and mutual response MAC of the project HTTPS binding (protocol.md §4.2).
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equal, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { MeshError } from '../errors.ts';

export const MAC_VERSION = '1';
export const HEADER_CREDENTIAL = 'X-MMM-Credential';
export const HEADER_AUTH = 'X-MMM-Auth';
export const HEADER_AUTH_RESPONSE = 'X-MMM-Auth-Response';
export const NONCE_BYTES = 16;
const INFO = utf8('mmm-http-v1');
const ZERO = Uint8Array.of(0);

/** K = HKDF-SHA-256(S, salt = nonce, info "mmm-http-v1", 32). */
export const macKey = (shared: Uint8Array, nonce: Uint8Array): Uint8Array => hkdf(sha256, shared, nonce, INFO, 32);

export function requestMacInput(ts: string, path: string, body: Uint8Array, bodyDigest: Uint8Array = sha256(body)): Uint8Array {
  return concat(utf8('mmm-http-v1 request'), ZERO, utf8(ts), ZERO, utf8(path), ZERO, bodyDigest);
}

export function responseMacInput(nonce: Uint8Array, body: Uint8Array, bodyDigest: Uint8Array = sha256(body)): Uint8Array {
  return concat(utf8('mmm-http-v1 response'), ZERO, nonce, ZERO, bodyDigest);
}

export const requestMac = (k: Uint8Array, ts: string, path: string, body: Uint8Array, bodyDigest?: Uint8Array): Uint8Array => hmac(sha256, k, requestMacInput(ts, path, body, bodyDigest));
export const responseMac = (k: Uint8Array, nonce: Uint8Array, body: Uint8Array, bodyDigest?: Uint8Array): Uint8Array => hmac(sha256, k, responseMacInput(nonce, body, bodyDigest));

/** SHA-256 of a request or response body: the platform's WebCrypto for large bodies (native code), @noble otherwise. */
export async function bodyDigest(body: Uint8Array): Promise<Uint8Array> {
  if (body.length < 64 * 1024 || !globalThis.crypto?.subtle) return sha256(body);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', body as BufferSource));
}

export interface AuthHeader {
  kid: string;
  ts: string;
  nonce: Uint8Array;
  mac: Uint8Array;
}

export function formatAuthHeader(a: AuthHeader): string {
  return `v=${MAC_VERSION}; kid=${a.kid}; ts=${a.ts}; nonce=${toBase64Url(a.nonce)}; mac=${toBase64Url(a.mac)}`;
}

/** Parses `name=value; …` (order free, unknown names ignored, known names at most once). */
export function parseParams(value: string, known: string[]): Record<string, string> {
  if (value.length > 1024) throw new MeshError('auth', 'authentication header too long');
  const out: Record<string, string> = {};
  for (const part of value.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new MeshError('auth', 'malformed authentication header');
    const name = p.slice(0, eq).trim();
    if (!known.includes(name)) continue;
    if (name in out) throw new MeshError('auth', `authentication header repeats ${name}`);
    out[name] = p.slice(eq + 1).trim();
  }
  return out;
}

export function parseAuthHeader(value: string): AuthHeader {
  const p = parseParams(value, ['v', 'kid', 'ts', 'nonce', 'mac']);
  if (p.v !== MAC_VERSION) throw new MeshError('auth', 'unsupported authentication version');
  if (!p.kid || !p.ts || !p.nonce || !p.mac) throw new MeshError('auth', 'authentication header lacks kid, ts, nonce or mac');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(p.ts)) throw new MeshError('auth', 'authentication timestamp malformed');
  let nonce: Uint8Array, mac: Uint8Array;
  try {
    nonce = fromBase64Url(p.nonce);
    mac = fromBase64Url(p.mac);
  } catch {
    throw new MeshError('auth', 'authentication header has bad base64');
  }
  if (nonce.length !== NONCE_BYTES || mac.length !== 32) throw new MeshError('auth', 'authentication nonce or mac has the wrong length');
  return { kid: p.kid, ts: p.ts, nonce, mac };
}

export const formatResponseHeader = (mac: Uint8Array): string => `v=${MAC_VERSION}; mac=${toBase64Url(mac)}`;

/** Checks `X-MMM-Auth-Response` against the expected MAC; false when absent or wrong. */
export function checkResponseHeader(value: string | null | undefined, expected: Uint8Array): boolean {
  if (!value) return false;
  try {
    const p = parseParams(value, ['v', 'mac']);
    if (p.v !== MAC_VERSION || !p.mac) return false;
    return equal(fromBase64Url(p.mac), expected);
  } catch {
    return false;
  }
}

/** `YYYY-MM-DDTHH:MM:SSZ` for a Date. */
export const macTimestamp = (d: Date = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

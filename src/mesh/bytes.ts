import { MeshError } from './errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 of a string. Large strings (request bodies, sealed chunks) are usually ASCII: encodeInto an
 * exactly sized buffer is several times faster than encode() in Chromium; anything else falls back.
 */
export function utf8(s: string): Uint8Array {
  if (s.length < 4096) return encoder.encode(s);
  const out = new Uint8Array(s.length);
  const { read, written } = encoder.encodeInto(s, out);
  return read === s.length && written === s.length ? out : encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  try {
    return decoder.decode(b);
  } catch {
    throw new MeshError('malformed', 'invalid UTF-8');
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new MeshError('malformed', 'invalid hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64URL.charCodeAt(i)] = i;
  t['+'.charCodeAt(0)] = 62;
  t['/'.charCodeAt(0)] = 63;
  return t;
})();

const SKIPPED = /[\s=]/;
const b64Value = (c: number): number => (c < 128 ? B64_LOOKUP[c] : -1);

/** base64url without padding. */
export function toBase64Url(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64URL[n >> 18] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  if (i < b.length) {
    const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8);
    s += B64URL[n >> 18] + B64URL[(n >> 12) & 63];
    if (i + 1 < b.length) s += B64URL[(n >> 6) & 63];
  }
  return s;
}

/** Accepts base64url or standard base64, padded or not; ignores whitespace. */
export function fromBase64Url(s: string): Uint8Array {
  const clean = SKIPPED.test(s) ? s.replace(/[\s=]+/g, '') : s;
  if (clean.length % 4 === 1) throw new MeshError('malformed', 'invalid base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  // Whole 4-character groups first (every synced frame body passes here), then the tail bit by bit.
  const whole = clean.length - (clean.length % 4);
  let i = 0;
  for (; i < whole; i += 4) {
    const a = b64Value(clean.charCodeAt(i));
    const b = b64Value(clean.charCodeAt(i + 1));
    const c = b64Value(clean.charCodeAt(i + 2));
    const d = b64Value(clean.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) throw new MeshError('malformed', `invalid base64 character at ${i + (a < 0 ? 0 : b < 0 ? 1 : c < 0 ? 2 : 3)}`);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  let acc = 0;
  let bits = 0;
  for (; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_LOOKUP[c] : -1;
    if (v < 0) throw new MeshError('malformed', `invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

// Small requests (nonces, salts, ids: three or more per catalog edit) are served from a pool the
// platform CSPRNG fills 4 KiB at a time; every byte is handed out once and wiped from the pool.
const POOL_BYTES = 4096;
const POOLED_MAX = 64;
let pool = new Uint8Array(0);
let poolAt = 0;

export function randomBytes(n: number): Uint8Array {
  if (n > POOLED_MAX) {
    const out = new Uint8Array(n);
    crypto.getRandomValues(out);
    return out;
  }
  if (poolAt + n > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + n);
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

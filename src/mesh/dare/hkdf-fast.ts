// HMAC-SHA-256 and HKDF-SHA-256 (RFC 2104, 5869) on @noble/hashes' SHA-256, with each key's pad
// blocks hashed once: a sequence's per-frame key schedule runs three HMACs per frame under keys it
// reuses. A prepared key is the two SHA-256 states after the pads; each message continues copies of them.
import { sha256 } from '@noble/hashes/sha2.js';

type Sha256 = ReturnType<typeof sha256.create>;

/** An HMAC-SHA-256 key with its inner and outer pad blocks already hashed. */
export interface HmacKey {
  readonly inner: Sha256;
  readonly outer: Sha256;
}

const BLOCK = 64;
const EMPTY_STATE = sha256.create();
const pad = new Uint8Array(BLOCK);

export function hmacKey(key: Uint8Array): HmacKey {
  return keyInto(key, EMPTY_STATE._cloneInto(), EMPTY_STATE._cloneInto());
}

function keyInto(key: Uint8Array, inner: Sha256, outer: Sha256): HmacKey {
  const k = key.length > BLOCK ? sha256(key) : key;
  pad.fill(0x36);
  for (let i = 0; i < k.length; i++) pad[i] ^= k[i];
  inner.update(pad);
  for (let i = 0; i < BLOCK; i++) pad[i] ^= 0x36 ^ 0x5c;
  outer.update(pad);
  pad.fill(0);
  return { inner, outer };
}

// The states of a key used for one message only (hmacSha256Fast), reused.
let onceInner: Sha256 | undefined;
let onceOuter: Sha256 | undefined;

// Reused for every message (these functions are synchronous): no allocation per HMAC.
let innerCopy: Sha256 | undefined;
let outerCopy: Sha256 | undefined;
const innerDigest = new Uint8Array(32);

export function hmacWith(k: HmacKey, msg: Uint8Array, out = new Uint8Array(32)): Uint8Array {
  innerCopy = k.inner._cloneInto(innerCopy);
  innerCopy.update(msg).digestInto(innerDigest);
  outerCopy = k.outer._cloneInto(outerCopy);
  outerCopy.update(innerDigest).digestInto(out);
  return out;
}

/** HMAC-SHA-256 under a key used once (no prepared key kept). */
export function hmacSha256Fast(key: Uint8Array, msg: Uint8Array, out = new Uint8Array(32)): Uint8Array {
  onceInner = EMPTY_STATE._cloneInto(onceInner);
  onceOuter = EMPTY_STATE._cloneInto(onceOuter);
  return hmacWith(keyInto(key, onceInner, onceOuter), msg, out);
}

/** HKDF-SHA-256; an empty salt means a zero block, as RFC 5869 says. */
export function hkdfSha256Fast(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = hmacSha256Fast(salt.length ? salt : new Uint8Array(32), ikm);
  return expandFast(hmacKey(prk), info, length);
}

/** HKDF-Expand with a prepared PRK key. */
export function expandFast(prk: HmacKey, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  let prev: Uint8Array = new Uint8Array(0);
  const msg = new Uint8Array(32 + info.length + 1);
  for (let i = 0; i * 32 < length; i++) {
    msg.set(prev, 0);
    const m = msg.subarray(i === 0 ? 32 : 0);
    m.set(info, i === 0 ? 0 : 32);
    m[m.length - 1] = i + 1;
    prev = hmacWith(prk, i === 0 ? msg.subarray(32) : msg, out.subarray(32 * i, 32 * i + 32));
  }
  return out.length === length ? out : out.slice(0, length);
}

// HMAC-SHA-256 and HKDF-SHA-256 (RFC 2104, 5869) with the key's pad blocks hashed once, for the
// per-frame key schedule of large sequences (three HMACs per frame). Checked against
// @noble/hashes in the unit tests.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const W = new Int32Array(64);

function compress(h: Int32Array, b: Uint8Array, o: number): void {
  for (let i = 0; i < 16; i++, o += 4) W[i] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15], y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + bb) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
}

const scratch = new Uint8Array(128);
const work = new Int32Array(8);

/** SHA-256 of (one already-hashed 64-octet block, summarised by `start`) ‖ msg. */
function finish(start: Int32Array, msg: Uint8Array, out: Uint8Array, outOffset = 0): void {
  const h = work;
  h.set(start);
  let o = 0;
  for (; o + 64 <= msg.length; o += 64) compress(h, msg, o);
  const rest = msg.length - o;
  const blocks = rest + 9 <= 64 ? 1 : 2;
  scratch.fill(0, 0, 64 * blocks);
  scratch.set(msg.subarray(o), 0);
  scratch[rest] = 0x80;
  const bits = (64 + msg.length) * 8;
  const end = 64 * blocks;
  scratch[end - 4] = bits >>> 24;
  scratch[end - 3] = bits >>> 16;
  scratch[end - 2] = bits >>> 8;
  scratch[end - 1] = bits;
  scratch[end - 5] = Math.floor(bits / 2 ** 32);
  for (let b = 0; b < blocks; b++) compress(h, scratch, 64 * b);
  for (let i = 0; i < 8; i++) {
    const v = h[i];
    out[outOffset + 4 * i] = v >>> 24;
    out[outOffset + 4 * i + 1] = v >>> 16;
    out[outOffset + 4 * i + 2] = v >>> 8;
    out[outOffset + 4 * i + 3] = v;
  }
}

const padBlock = new Uint8Array(64);

/** An HMAC-SHA-256 key with its inner and outer pad blocks already hashed. */
export interface HmacKey {
  inner: Int32Array;
  outer: Int32Array;
}

export function hmacKey(key: Uint8Array): HmacKey {
  let k = key;
  if (k.length > 64) {
    const d = new Uint8Array(32);
    const h = Int32Array.from(IV);
    // Plain SHA-256 of a long key: hash all but the first block through `finish` after one compress.
    compress(h, k, 0);
    finish(h, k.subarray(64), d);
    k = d;
  }
  const block = padBlock;
  const inner = Int32Array.from(IV);
  const outer = Int32Array.from(IV);
  block.fill(0x36);
  for (let i = 0; i < k.length; i++) block[i] ^= k[i];
  compress(inner, block, 0);
  block.fill(0x5c);
  for (let i = 0; i < k.length; i++) block[i] ^= k[i];
  compress(outer, block, 0);
  return { inner, outer };
}

const innerDigest = new Uint8Array(32);

export function hmacWith(k: HmacKey, msg: Uint8Array, out = new Uint8Array(32)): Uint8Array {
  finish(k.inner, msg, innerDigest);
  finish(k.outer, innerDigest, out);
  return out;
}

export const hmacSha256Fast = (key: Uint8Array, msg: Uint8Array): Uint8Array => hmacWith(hmacKey(key), msg);

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

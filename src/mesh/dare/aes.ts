// AES-256-CBC with PKCS#7 in plain JS (FIPS-197, table form), synchronous. Used for bulk
// sequence-frame decryption: a catalog opens 10,000 frames, each under its own key, and
// WebCrypto's per-call cost (import + decrypt, both async) dominates for 300-octet payloads.
// Table lookups are not constant-time; this path only handles data the device already holds.
import { MeshError } from '../errors.ts';

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const TE0 = new Uint32Array(256), TE1 = new Uint32Array(256), TE2 = new Uint32Array(256), TE3 = new Uint32Array(256);
const TD0 = new Uint32Array(256), TD1 = new Uint32Array(256), TD2 = new Uint32Array(256), TD3 = new Uint32Array(256);

function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

function mul(a: number, b: number): number {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return r;
}

(function buildTables() {
  // S-box: multiplicative inverse in GF(2^8) followed by the affine map.
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    if (x) for (inv = 1; mul(x, inv) !== 1; inv++);
    let s = inv;
    for (let i = 1; i <= 4; i++) s ^= ((inv << i) | (inv >> (8 - i))) & 0xff;
    s ^= 0x63;
    SBOX[x] = s;
    INV_SBOX[s] = x;
  }
  const rot = (w: number) => ((w >>> 8) | (w << 24)) >>> 0;
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x];
    const e = ((mul(s, 2) << 24) | (s << 16) | (s << 8) | mul(s, 3)) >>> 0;
    TE0[x] = e;
    TE1[x] = rot(e);
    TE2[x] = rot(TE1[x]);
    TE3[x] = rot(TE2[x]);
    const si = INV_SBOX[x];
    const d = ((mul(si, 14) << 24) | (mul(si, 9) << 16) | (mul(si, 13) << 8) | mul(si, 11)) >>> 0;
    TD0[x] = d;
    TD1[x] = rot(d);
    TD2[x] = rot(TD1[x]);
    TD3[x] = rot(TD2[x]);
  }
})();

const ROUNDS = 14;
const RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40];

/** Encryption round keys of a 32-octet key (60 words). */
function expandKey(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new MeshError('malformed', 'AES-256 needs a 32-octet key');
  const w = new Uint32Array(60);
  for (let i = 0; i < 8; i++) w[i] = ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) >>> 0;
  for (let i = 8; i < 60; i++) {
    let t = w[i - 1];
    if (i % 8 === 0) {
      t = ((SBOX[(t >>> 16) & 255] << 24) | (SBOX[(t >>> 8) & 255] << 16) | (SBOX[t & 255] << 8) | SBOX[t >>> 24]) ^ (RCON[i / 8 - 1] << 24);
    } else if (i % 8 === 4) {
      t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 255] << 16) | (SBOX[(t >>> 8) & 255] << 8) | SBOX[t & 255];
    }
    w[i] = (w[i - 8] ^ t) >>> 0;
  }
  return w;
}

/** Decryption round keys for the equivalent inverse cipher. */
function decryptionKeys(w: Uint32Array): Uint32Array {
  const dk = new Uint32Array(60);
  for (let r = 0; r <= ROUNDS; r++) {
    for (let c = 0; c < 4; c++) {
      const x = w[4 * (ROUNDS - r) + c];
      dk[4 * r + c] = r === 0 || r === ROUNDS ? x : (TD0[SBOX[x >>> 24]] ^ TD1[SBOX[(x >>> 16) & 255]] ^ TD2[SBOX[(x >>> 8) & 255]] ^ TD3[SBOX[x & 255]]) >>> 0;
    }
  }
  return dk;
}

const readWord = (b: Uint8Array, o: number): number => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];

function writeWord(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** AES-256-CBC encryption with PKCS#7 padding. */
export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new MeshError('malformed', 'AES-CBC needs a 16-octet IV');
  const k = expandKey(key);
  const pad = 16 - (plaintext.length % 16);
  const out = new Uint8Array(plaintext.length + pad);
  out.set(plaintext);
  out.fill(pad, plaintext.length);
  let c0 = readWord(iv, 0), c1 = readWord(iv, 4), c2 = readWord(iv, 8), c3 = readWord(iv, 12);
  for (let o = 0; o < out.length; o += 16) {
    let s0 = readWord(out, o) ^ c0 ^ k[0], s1 = readWord(out, o + 4) ^ c1 ^ k[1];
    let s2 = readWord(out, o + 8) ^ c2 ^ k[2], s3 = readWord(out, o + 12) ^ c3 ^ k[3];
    let ki = 4;
    for (let r = 1; r < ROUNDS; r++, ki += 4) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 255] ^ TE2[(s2 >>> 8) & 255] ^ TE3[s3 & 255] ^ k[ki];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 255] ^ TE2[(s3 >>> 8) & 255] ^ TE3[s0 & 255] ^ k[ki + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 255] ^ TE2[(s0 >>> 8) & 255] ^ TE3[s1 & 255] ^ k[ki + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 255] ^ TE2[(s1 >>> 8) & 255] ^ TE3[s2 & 255] ^ k[ki + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    c0 = ((SBOX[s0 >>> 24] << 24) | (SBOX[(s1 >>> 16) & 255] << 16) | (SBOX[(s2 >>> 8) & 255] << 8) | SBOX[s3 & 255]) ^ k[ki];
    c1 = ((SBOX[s1 >>> 24] << 24) | (SBOX[(s2 >>> 16) & 255] << 16) | (SBOX[(s3 >>> 8) & 255] << 8) | SBOX[s0 & 255]) ^ k[ki + 1];
    c2 = ((SBOX[s2 >>> 24] << 24) | (SBOX[(s3 >>> 16) & 255] << 16) | (SBOX[(s0 >>> 8) & 255] << 8) | SBOX[s1 & 255]) ^ k[ki + 2];
    c3 = ((SBOX[s3 >>> 24] << 24) | (SBOX[(s0 >>> 16) & 255] << 16) | (SBOX[(s1 >>> 8) & 255] << 8) | SBOX[s2 & 255]) ^ k[ki + 3];
    writeWord(out, o, c0);
    writeWord(out, o + 4, c1);
    writeWord(out, o + 8, c2);
    writeWord(out, o + 12, c3);
  }
  return out;
}

/** AES-256-CBC decryption; bad length or padding gives MeshError('decrypt'). */
export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new MeshError('malformed', 'AES-CBC needs a 16-octet IV');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new MeshError('decrypt', 'ciphertext is not a whole number of AES blocks');
  const k = decryptionKeys(expandKey(key));
  const out = new Uint8Array(ciphertext.length);
  let p0 = readWord(iv, 0), p1 = readWord(iv, 4), p2 = readWord(iv, 8), p3 = readWord(iv, 12);
  for (let o = 0; o < ciphertext.length; o += 16) {
    const x0 = readWord(ciphertext, o), x1 = readWord(ciphertext, o + 4), x2 = readWord(ciphertext, o + 8), x3 = readWord(ciphertext, o + 12);
    let s0 = x0 ^ k[0], s1 = x1 ^ k[1], s2 = x2 ^ k[2], s3 = x3 ^ k[3];
    let ki = 4;
    for (let r = 1; r < ROUNDS; r++, ki += 4) {
      const t0 = TD0[s0 >>> 24] ^ TD1[(s3 >>> 16) & 255] ^ TD2[(s2 >>> 8) & 255] ^ TD3[s1 & 255] ^ k[ki];
      const t1 = TD0[s1 >>> 24] ^ TD1[(s0 >>> 16) & 255] ^ TD2[(s3 >>> 8) & 255] ^ TD3[s2 & 255] ^ k[ki + 1];
      const t2 = TD0[s2 >>> 24] ^ TD1[(s1 >>> 16) & 255] ^ TD2[(s0 >>> 8) & 255] ^ TD3[s3 & 255] ^ k[ki + 2];
      const t3 = TD0[s3 >>> 24] ^ TD1[(s2 >>> 16) & 255] ^ TD2[(s1 >>> 8) & 255] ^ TD3[s0 & 255] ^ k[ki + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    const o0 = ((INV_SBOX[s0 >>> 24] << 24) | (INV_SBOX[(s3 >>> 16) & 255] << 16) | (INV_SBOX[(s2 >>> 8) & 255] << 8) | INV_SBOX[s1 & 255]) ^ k[ki];
    const o1 = ((INV_SBOX[s1 >>> 24] << 24) | (INV_SBOX[(s0 >>> 16) & 255] << 16) | (INV_SBOX[(s3 >>> 8) & 255] << 8) | INV_SBOX[s2 & 255]) ^ k[ki + 1];
    const o2 = ((INV_SBOX[s2 >>> 24] << 24) | (INV_SBOX[(s1 >>> 16) & 255] << 16) | (INV_SBOX[(s0 >>> 8) & 255] << 8) | INV_SBOX[s3 & 255]) ^ k[ki + 2];
    const o3 = ((INV_SBOX[s3 >>> 24] << 24) | (INV_SBOX[(s2 >>> 16) & 255] << 16) | (INV_SBOX[(s1 >>> 8) & 255] << 8) | INV_SBOX[s0 & 255]) ^ k[ki + 3];
    writeWord(out, o, o0 ^ p0);
    writeWord(out, o + 4, o1 ^ p1);
    writeWord(out, o + 8, o2 ^ p2);
    writeWord(out, o + 12, o3 ^ p3);
    p0 = x0; p1 = x1; p2 = x2; p3 = x3;
  }
  const pad = out[out.length - 1];
  let bad = pad === 0 || pad > 16 ? 1 : 0;
  for (let i = 1; i <= 16 && !bad; i++) if (i <= pad && out[out.length - i] !== pad) bad = 1;
  if (bad) throw new MeshError('decrypt', 'AES-CBC decryption failed (bad padding)');
  return out.subarray(0, out.length - pad);
}

// The primitives DARE is built from. Hashes and HKDF are synchronous (@noble/hashes) so per-frame key
// derivation costs no promise round trip; payload AES-CBC is synchronous too (aes.ts, @noble/ciphers);
// key wrap and AES-GCM use WebCrypto.
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { MeshError } from '../errors.ts';
import { concat } from '../bytes.ts';

export { sha512 };

// @noble's hasher, reused: each digest starts from a copy of the initial state instead of a fresh
// object (tree digests hash 128 octets; allocation was half their cost).
const initial = sha512.create();
const scratch = sha512.create();
const nobleSha512 = (...parts: Uint8Array[]): Uint8Array => {
  initial._cloneInto(scratch);
  for (const p of parts) scratch.update(p);
  return scratch.digest();
};
let nativeSha512: ((data: Uint8Array) => Uint8Array) | undefined;

/**
 * SHA-512 of a whole message (payload, header and tree digests). @noble's by default; a host with a
 * native hash installs it through useNativeSha512 (the service and the CLI on node: OpenSSL, 2-3x faster
 * for the small inputs of tree digests). WebCrypto's digest is asynchronous, so browsers keep @noble's.
 */
export const sha512Of = (data: Uint8Array): Uint8Array => (nativeSha512 ? nativeSha512(data) : nobleSha512(data));

/** SHA-512(a ‖ b) without building a ‖ b first (tree digests). */
export const sha512Pair = (a: Uint8Array, b: Uint8Array): Uint8Array => (nativeSha512 ? nativeSha512(concat(a, b)) : nobleSha512(a, b));

/** Installs a native SHA-512 (same function, faster). */
export function useNativeSha512(digest: (data: Uint8Array) => Uint8Array): void {
  nativeSha512 = digest;
}

export const EMPTY = new Uint8Array(0);

/** HKDF-SHA-256 (RFC 5869); an empty salt means "no salt" (a zero block), as the reference does. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return expand(sha256, extract(sha256, ikm, salt), info, length);
}

/** HKDF-SHA-512, used for the recipient key-encryption key (dare.md §4.3). */
export function hkdfSha512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return expand(sha512, extract(sha512, ikm, salt), info, length);
}

export const hmacSha256 = (key: Uint8Array, msg: Uint8Array): Uint8Array => hmac(sha256, key, msg);

const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new MeshError('unsupported', 'WebCrypto is not available');
  return s;
};

// WebCrypto's type signatures want ArrayBuffer-backed views; ours always are.
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;

export async function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), 'AES-CBC', false, ['encrypt']);
  return new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: buf(iv) }, k, buf(plaintext)));
}

/** AES-CBC with PKCS#7; a wrong key or tampered ciphertext gives MeshError('decrypt'). */
export async function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new MeshError('decrypt', 'ciphertext is not a whole number of AES blocks');
  const k = await subtle().importKey('raw', buf(key), 'AES-CBC', false, ['decrypt']);
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: buf(iv) }, k, buf(ciphertext)));
  } catch {
    throw new MeshError('decrypt', 'AES-CBC decryption failed (bad padding)');
  }
}

/** RFC 3394 key wrap of a key-sized secret. */
export async function aesKeyWrap(kek: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(kek), 'AES-KW', false, ['wrapKey']);
  const inner = await subtle().importKey('raw', buf(secret), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  return new Uint8Array(await subtle().wrapKey('raw', inner, k, 'AES-KW'));
}

/** RFC 3394 unwrap; the integrity check failing (wrong KEK) gives MeshError('decrypt'). */
export async function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array> {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new MeshError('decrypt', 'wrapped key has an invalid length');
  const k = await subtle().importKey('raw', buf(kek), 'AES-KW', false, ['unwrapKey']);
  try {
    const inner = await subtle().unwrapKey('raw', buf(wrapped), k, 'AES-KW', { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
    return new Uint8Array(await subtle().exportKey('raw', inner));
  } catch {
    throw new MeshError('decrypt', 'key unwrap failed (wrong key)');
  }
}

/** AES-256-GCM (128-bit tag appended), for MeshPass-local snapshots. */
export async function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(plaintext)));
}

/** AES-256-GCM decryption; any change to ciphertext, tag or AAD gives MeshError('integrity'). */
export async function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (ciphertext.length < 16) throw new MeshError('integrity', 'ciphertext shorter than its tag');
  const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(ciphertext)));
  } catch {
    throw new MeshError('integrity', 'AES-GCM authentication failed');
  }
}

// AES-256-CBC with PKCS#7 (DARE's A256CBC), synchronous, on @noble/ciphers. Sequence frames are each
// under their own key: a catalog opens 10,000 of them, and WebCrypto's per-call cost (an async key
// import and an async decrypt) dominates for 300-octet payloads.
import { cbc } from '@noble/ciphers/aes.js';
import { MeshError } from '../errors.ts';

/** AES-256-CBC encryption with PKCS#7 padding. */
export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new MeshError('malformed', 'AES-CBC needs a 16-octet IV');
  if (key.length !== 32) throw new MeshError('malformed', 'AES-256 needs a 32-octet key');
  return cbc(key, iv).encrypt(plaintext);
}

/** AES-256-CBC decryption; bad length or padding gives MeshError('decrypt'). */
export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new MeshError('malformed', 'AES-CBC needs a 16-octet IV');
  if (key.length !== 32) throw new MeshError('malformed', 'AES-256 needs a 32-octet key');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new MeshError('decrypt', 'ciphertext is not a whole number of AES blocks');
  try {
    return cbc(key, iv).decrypt(ciphertext);
  } catch {
    throw new MeshError('decrypt', 'AES-CBC decryption failed (bad padding)');
  }
}

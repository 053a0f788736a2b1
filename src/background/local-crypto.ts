// Local (device-only) cryptography: the passphrase KDF and AES-256-GCM sealing of the records the
// worker keeps in IndexedDB. A sealed record is bound to its place by its additional data, so a record
// moved, swapped or altered in the database fails to open (MeshError 'integrity').
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { MeshError } from '../mesh/errors.ts';
import { fromUtf8, randomBytes, utf8 } from '../mesh/bytes.ts';
import type { KdfParams } from '../shared/messages.ts';

/** The shipped cost: Argon2id 64 MiB, 3 passes, one lane (at least Bitwarden's defaults). */
export const FULL_KDF: KdfParams = { m: 64 * 1024, t: 3, p: 1 };

export interface Sealed {
  iv: Uint8Array;
  ct: Uint8Array;
}

/** Derives the 32-octet passphrase key; onProgress gets 0..1. */
export async function derivePassphraseKey(passphrase: string, salt: Uint8Array, kdf: KdfParams, onProgress?: (p: number) => void): Promise<Uint8Array> {
  return argon2idAsync(utf8(passphrase.normalize('NFC')), salt, {
    m: kdf.m,
    t: kdf.t,
    p: kdf.p,
    dkLen: 32,
    maxmem: 2 ** 32 - 1,
    asyncTick: 20,
    onProgress,
  });
}

export function importAesKey(raw: Uint8Array, extractable = false): Promise<CryptoKey> {
  if (raw.length !== 32) throw new MeshError('malformed', 'an AES-256 key has 32 octets');
  return crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', extractable, ['encrypt', 'decrypt']);
}

export async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<Sealed> {
  const iv = randomBytes(12);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(aad) as BufferSource }, key, plaintext as BufferSource),
  );
  return { iv, ct };
}

export async function open(key: CryptoKey, sealed: Sealed, aad: string): Promise<Uint8Array> {
  if (!(sealed?.iv instanceof Uint8Array) || !(sealed.ct instanceof Uint8Array) || sealed.iv.length !== 12) {
    throw new MeshError('malformed', 'not a sealed record');
  }
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv as BufferSource, additionalData: utf8(aad) as BufferSource }, key, sealed.ct as BufferSource),
    );
  } catch {
    throw new MeshError('integrity', 'a local record failed its authentication check');
  }
}

export async function sealJson(key: CryptoKey, value: unknown, aad: string): Promise<Sealed> {
  return seal(key, utf8(JSON.stringify(value)), aad);
}

export async function openJson<T>(key: CryptoKey, sealed: Sealed, aad: string): Promise<T> {
  const bytes = await open(key, sealed, aad);
  try {
    return JSON.parse(fromUtf8(bytes)) as T;
  } catch {
    throw new MeshError('malformed', 'a local record holds invalid JSON');
  }
}

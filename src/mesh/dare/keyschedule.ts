// DARE key schedule (dare.md §4.3-4.5, §5): what the reference code and every example use,
// not the draft prose's "dare-…" labels.
import { hkdfSha512, EMPTY } from './primitives.ts';
import { expandFast, hkdfSha256Fast, hmacKey, hmacSha256Fast, hmacWith, type HmacKey } from './hkdf-fast.ts';
import { utf8, concat } from '../bytes.ts';

export const INFO_ENCRYPT = utf8('encrypt');
export const INFO_IV = utf8('iv');
export const INFO_MAC = utf8('mac');
/** KEK info labels: production code writes empty; the reference's debug generator used "master". */
export const KEK_INFO_EMPTY = EMPTY;
export const KEK_INFO_MASTER = utf8('master');
export const KEK_INFOS: readonly Uint8Array[] = [KEK_INFO_EMPTY, KEK_INFO_MASTER];

export const BASE_SEED_BYTES = 32;
export const SALT_BYTES = 16;

/** KEK = HKDF-SHA-512(salt absent, IKM = key agreement value, info, 32). */
export const deriveKek = (ikm: Uint8Array, info: Uint8Array = KEK_INFO_EMPTY): Uint8Array => hkdfSha512(ikm, EMPTY, info, 32);

export interface PayloadKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/**
 * Payload key and IV: HKDF-SHA-256(salt = Salt, IKM = base seed, "encrypt" → 32, "iv" → 16 (12 for GCM)).
 * One extract, two expands, with the HMAC pad blocks hashed once (this runs once per frame).
 */
export function payloadKeys(baseSeed: Uint8Array, salt: Uint8Array, ivLength = 16): PayloadKeys {
  return payloadKeysFromPrk(payloadPrk(baseSeed, salt), ivLength);
}

/** HKDF-Extract(salt = Salt, IKM = base seed) as a prepared HMAC key: shared by the payload keys and the witness. */
export function payloadPrk(baseSeed: Uint8Array, salt: Uint8Array): HmacKey {
  return hmacKey(hmacSha256Fast(salt.length ? salt : new Uint8Array(32), baseSeed));
}

/** payloadKeys from a prepared PRK (payloadPrk). */
export function payloadKeysFromPrk(prk: HmacKey, ivLength = 16): PayloadKeys {
  // Both outputs fit in the first HKDF-Expand block: T(1) = HMAC(PRK, info ‖ 0x01).
  return { key: hmacWith(prk, ENCRYPT_1), iv: hmacWith(prk, IV_1).subarray(0, ivLength) };
}

const ENCRYPT_1 = concat(INFO_ENCRYPT, Uint8Array.of(1));
const IV_1 = concat(INFO_IV, Uint8Array.of(1));

/** The salt of annotation i: the index octet prepended to the envelope Salt. */
export function annotationSalt(index: number, salt: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(index & 0xff), salt);
}

/** 2023 witness: HKDF-SHA-256(base seed, Salt, info = signature value); checked once per synced frame, so the fast HKDF. */
export const witness2023 = (baseSeed: Uint8Array, salt: Uint8Array, signature: Uint8Array): Uint8Array => hkdfSha256Fast(baseSeed, salt, signature, 32);
/** witness2023 with the PRK of (base seed, Salt) already extracted (payloadPrk). */
export const witness2023FromPrk = (prk: HmacKey, signature: Uint8Array): Uint8Array => expandFast(prk, signature, 32);
/** 2024 WitnessValue: HKDF-SHA-256(base seed, Salt, info = manifest). */
export const witness2024 = (baseSeed: Uint8Array, salt: Uint8Array, manifest: Uint8Array): Uint8Array => hkdfSha256Fast(baseSeed, salt, manifest, 32);

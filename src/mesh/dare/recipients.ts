// Recipient key exchange (dare.md §4.3): the base seed wrapped once per recipient under a KEK
// from an ephemeral-static key agreement on the recipient key's curve.
import { MeshError } from '../errors.ts';
import { toBase64Url } from '../bytes.ts';
import { agree, generatePrivate, isCurve, privateKeyOf, publicFromPrivate, type Curve, type PrivateKey } from './curves.ts';
import { keyId, publicKeyOf } from '../keys.ts';
import { deriveKek, KEK_INFOS, KEK_INFO_EMPTY } from './keyschedule.ts';
import { aesKeyUnwrap, aesKeyWrap } from './primitives.ts';
import { isPlainObject, strictBase64Url, type DareRecipient, type KeyObject } from './model.ts';

/** A public key to encrypt to. `kid` is its UDF fingerprint (keys module). */
export interface RecipientKey {
  kid: string;
  crv: Curve;
  /** JSON `Public` form (Montgomery keys with their flag octet). */
  public: Uint8Array;
}

/** A private key able to open recipient blocks; `agree` returns the key agreement value (IKM). */
export interface DecryptionKey {
  kid?: string;
  /** Other fingerprints of the same key (e.g. the 2024 SPKI form), also matched against recipient kids. */
  altKids?: string[];
  crv: Curve;
  agree(epkPublic: Uint8Array): Uint8Array;
}

/** A DecryptionKey over a private key (JSON `Private` octets or a keys-module PrivateKey, combined or not). */
export function decryptionKey(crv: Curve, priv: Uint8Array | PrivateKey, kid?: string): DecryptionKey {
  const key = privateKeyOf(crv, priv);
  return { crv, kid, agree: (epk) => agree(crv, key, epk) };
}

/** A DecryptionKey named by both fingerprint forms of its public key (2023, and 2024 for reference data). */
export function decryptionKeyFor(key: PrivateKey): DecryptionKey {
  const pub = publicKeyOf(key);
  return { ...decryptionKey(key.crv, key), kid: keyId(key.crv, pub, 2023), altKids: [keyId(key.crv, pub, 2024)] };
}

/** A RecipientKey with its kid computed (2023 fingerprint profile). */
export function recipientKey(crv: Curve, pub: Uint8Array): RecipientKey {
  return { kid: keyId(crv, pub), crv, public: pub };
}

export function publicKeyObject(crv: Curve, pub: Uint8Array): KeyObject {
  return { PublicKeyECDH: { crv, Public: toBase64Url(pub) } };
}

/** Reads `{"PublicKeyECDH":{crv, Public}}`; MeshError on anything else. */
export function parsePublicKeyObject(obj: unknown): { crv: Curve; public: Uint8Array } {
  const inner = isPlainObject(obj) ? obj.PublicKeyECDH : undefined;
  if (!isPlainObject(inner) || !isCurve(inner.crv) || typeof inner.Public !== 'string') {
    throw new MeshError('malformed', 'expected a PublicKeyECDH key object with a known curve');
  }
  return { crv: inner.crv, public: strictBase64Url(inner.Public, 'Public') };
}

/** Builds one recipient block for `baseSeed`. */
export async function wrapForRecipient(baseSeed: Uint8Array, r: RecipientKey, kekInfo: Uint8Array = KEK_INFO_EMPTY): Promise<DareRecipient> {
  const ephemeral = generatePrivate(r.crv);
  const epk = publicFromPrivate(r.crv, ephemeral);
  const kek = deriveKek(agree(r.crv, ephemeral, r.public), kekInfo);
  const wmk = await aesKeyWrap(kek, baseSeed);
  return { kid: r.kid, epk: publicKeyObject(r.crv, epk), wmk: toBase64Url(wmk) };
}

export const MAX_RECIPIENTS = 256;

/** Unwraps with one recipient block and one key, trying KEK info "" then "master". */
export async function unwrapRecipient(rec: DareRecipient, key: DecryptionKey): Promise<Uint8Array> {
  const epk = parsePublicKeyObject(rec.epk);
  if (epk.crv !== key.crv) throw new MeshError('decrypt', `recipient uses ${epk.crv}, key is ${key.crv}`);
  if (typeof rec.wmk !== 'string') throw new MeshError('malformed', 'recipient has no wmk');
  const wmk = strictBase64Url(rec.wmk, 'wmk');
  const ikm = key.agree(epk.public);
  for (const info of KEK_INFOS) {
    try {
      return await aesKeyUnwrap(deriveKek(ikm, info), wmk);
    } catch (e) {
      if (!(e instanceof MeshError)) throw e;
    }
  }
  throw new MeshError('decrypt', 'key unwrap failed');
}

/**
 * Recovers the base seed from a recipient list: recipients whose kid names one of the keys first,
 * then (for data whose kids use another fingerprint form) every recipient on the key's curve.
 */
export async function unwrapBaseSeed(recipients: DareRecipient[] | undefined, keys: DecryptionKey[]): Promise<Uint8Array> {
  if (!recipients || recipients.length === 0) throw new MeshError('decrypt', 'envelope has no recipients');
  if (recipients.length > MAX_RECIPIENTS) throw new MeshError('oversized', 'too many recipients');
  const tried = new Set<string>();
  const attempt = async (rec: DareRecipient, key: DecryptionKey, i: number, k: number) => {
    const id = `${i}:${k}`;
    if (tried.has(id)) return undefined;
    tried.add(id);
    try {
      return await unwrapRecipient(rec, key);
    } catch (e) {
      if (e instanceof MeshError && (e.code === 'decrypt' || e.code === 'malformed')) return undefined;
      throw e;
    }
  };
  for (let k = 0; k < keys.length; k++) {
    const names = new Set([keys[k].kid, ...(keys[k].altKids ?? [])].filter(Boolean));
    for (let i = 0; i < recipients.length; i++) {
      if (typeof recipients[i].kid === 'string' && names.has(recipients[i].kid as string)) {
        const seed = await attempt(recipients[i], keys[k], i, k);
        if (seed) return seed;
      }
    }
  }
  for (let k = 0; k < keys.length; k++) {
    for (let i = 0; i < recipients.length; i++) {
      const seed = await attempt(recipients[i], keys[k], i, k);
      if (seed) return seed;
    }
  }
  throw new MeshError('decrypt', 'no key opens any recipient of this envelope');
}

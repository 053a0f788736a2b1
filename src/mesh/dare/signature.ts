// Envelope signatures (dare.md §5). Writers use the 2023 scheme (`alg` "S512": EdDSA over the
// payload digest, Ed25519ctx with empty context / plain Ed448, per-signature witness).
// Verification dispatches on `alg`: "ED25519"/"ED448" are the 2024 manifest scheme.
import { MeshError } from '../errors.ts';
import { concat, equal, toBase64Url } from '../bytes.ts';
import { jsonbBinary, jsonbString } from '../jsonb.ts';
import { privateKeyOf, sign2023, verifyEdDSA, type Curve, type PrivateKey } from './curves.ts';
import { keyId, publicKeyOf } from '../keys.ts';
import { witness2023, witness2023FromPrk, witness2024 } from './keyschedule.ts';
import type { HmacKey } from './hkdf-fast.ts';
import { parsePublicKeyObject, publicKeyObject } from './recipients.ts';
import { strictBase64Url, type DareSignature } from './model.ts';

export const DIGEST_ALG = 'S512';

/** Something that signs a 64-octet payload digest under the 2023 scheme. */
export interface Signer {
  /** Fingerprint of the signing key (keys module). */
  kid: string;
  crv: 'Ed25519' | 'Ed448';
  signDigest(digest: Uint8Array): Uint8Array;
  /** When set, the signature carries the public key as `SignatureKey` (self-signed profiles). */
  publicKey?: Uint8Array;
}

/** A Signer over a private key (JSON `Private` octets or a keys-module PrivateKey). */
export function signer(crv: 'Ed25519' | 'Ed448', priv: Uint8Array | PrivateKey, kid: string, publicKey?: Uint8Array): Signer {
  const key = privateKeyOf(crv, priv);
  return { kid, crv, publicKey, signDigest: (d) => sign2023(crv, key, d) };
}

/** A Signer whose kid is the key's fingerprint; `withKey` adds SignatureKey (self-signed profiles). */
export function signerFor(key: PrivateKey, withKey = false): Signer {
  if (key.crv !== 'Ed25519' && key.crv !== 'Ed448') throw new MeshError('unsupported', `${key.crv} keys cannot sign`);
  const pub = publicKeyOf(key);
  return signer(key.crv, key, keyId(key.crv, pub), withKey ? pub : undefined);
}

/** A VerificationKey with its kid, for keysByKid. */
export const verificationKey = (crv: Curve, pub: Uint8Array): VerificationKey & { kid: string } => ({ kid: keyId(crv, pub), crv, public: pub });

export interface VerificationKey {
  crv: Curve;
  public: Uint8Array;
}

/** Finds the key for a signature: by its kid, or from its `SignatureKey` if the caller trusts that. */
export type KeyLookup = (kid: string | undefined, sig: DareSignature) => VerificationKey | undefined;

/** A lookup over a fixed set of keys, by kid. */
export function keysByKid(keys: Array<VerificationKey & { kid: string }>): KeyLookup {
  const map = new Map(keys.map((k) => [k.kid, k]));
  return (kid) => (kid === undefined ? undefined : map.get(kid));
}

/** The 2024 manifest: JSON-B string(dig) ‖ binary(PayloadDigest) [‖ binary(ChainDigest)]. */
export function manifest2024(dig: string, payloadDigest: Uint8Array, chainDigest?: Uint8Array): Uint8Array {
  const parts = [jsonbString(dig), jsonbBinary(payloadDigest)];
  if (chainDigest) parts.push(jsonbBinary(chainDigest));
  return concat(...parts);
}

/** Makes a 2023-scheme signature; with a base seed and salt (encrypted envelope) adds the witness. */
export function makeSignature(s: Signer, payloadDigest: Uint8Array, seed?: { baseSeed: Uint8Array; salt: Uint8Array }): DareSignature {
  const sig = s.signDigest(payloadDigest);
  const out: DareSignature = { alg: DIGEST_ALG, kid: s.kid, signature: toBase64Url(sig) };
  if (seed) out.witness = toBase64Url(witness2023(seed.baseSeed, seed.salt, sig));
  if (s.publicKey) out.SignatureKey = publicKeyObject(s.crv, s.publicKey);
  return out;
}

export type SignatureScheme = 2023 | 2024;

export function schemeOf(sig: DareSignature): { scheme: SignatureScheme; crv?: Curve } {
  if (sig.alg === 'S512' || sig.alg === undefined) return { scheme: 2023 };
  if (sig.alg === 'ED25519') return { scheme: 2024, crv: 'Ed25519' };
  if (sig.alg === 'ED448') return { scheme: 2024, crv: 'Ed448' };
  throw new MeshError('unsupported', `signature algorithm ${String(sig.alg)}`);
}

/** The key a signature's own `SignatureKey` names (callers decide whether to trust it). */
export function embeddedKey(sig: DareSignature): VerificationKey | undefined {
  return sig.SignatureKey === undefined ? undefined : parsePublicKeyObject(sig.SignatureKey);
}

/**
 * Verifies one signature over `payloadDigest` with `key`. Returns false on a bad signature;
 * throws MeshError on a malformed one.
 */
export function verifySignature(sig: DareSignature, payloadDigest: Uint8Array, key: VerificationKey, chainDigest?: Uint8Array, dig = DIGEST_ALG): boolean {
  const { scheme, crv } = schemeOf(sig);
  if (typeof sig.signature !== 'string') throw new MeshError('malformed', 'signature value missing');
  if (crv && crv !== key.crv) return false;
  const value = strictBase64Url(sig.signature, 'signature');
  const message = scheme === 2023 ? payloadDigest : manifest2024(sig.dig ?? dig, payloadDigest, chainDigest);
  return verifyEdDSA(key.crv, key.public, message, value, scheme);
}

/** Checks a 2023 per-signature witness (true when absent); `prk`: payloadPrk(baseSeed, salt) when the caller has it. */
export function checkWitness2023(sig: DareSignature, baseSeed: Uint8Array, salt: Uint8Array, prk?: HmacKey): boolean {
  if (sig.witness === undefined) return true;
  if (typeof sig.witness !== 'string' || typeof sig.signature !== 'string') return false;
  const value = strictBase64Url(sig.signature, 'signature');
  return equal(prk ? witness2023FromPrk(prk, value) : witness2023(baseSeed, salt, value), strictBase64Url(sig.witness, 'witness'));
}

/** Checks a 2024 trailer WitnessValue over the manifest. */
export function checkWitness2024(witness: Uint8Array, baseSeed: Uint8Array, salt: Uint8Array, manifest: Uint8Array): boolean {
  return equal(witness2024(baseSeed, salt, manifest), witness);
}

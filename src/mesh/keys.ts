// Mesh keys (udf.md §6, §9.3; connect.md §2.3–2.4; dare.md §3, §5.1): Ed25519/Ed448 signatures,
// X25519/X448 and Edwards key agreement, combined device keys, and the `kid` fingerprint.
// Keys are plain objects (structured-clone friendly); expansion work is cached per secret buffer.
import { ed25519, ed25519ctx, x25519 } from '@noble/curves/ed25519.js';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { randomBytes } from './bytes.ts';
import { MeshError } from './errors.ts';
import { expandEd448, edwardsAgree, signEd448Expanded, ED448_ORDER, ED25519_ORDER } from './keys-edwards.ts';
import { addMontgomery, bigToLe, decodeMontgomery, CURVE25519, CURVE448, leToBig, montgomeryAgreeScalar, montgomeryPublic, type MontgomeryCurve } from './keys-montgomery.ts';
import { checkPublicKeyLength, isCurve, PUBLIC_KEY_LENGTH, type Curve, type SpkiProfile } from './keys-spki.ts';
import { udfKeyFingerprint, udfKeyFingerprintBytes } from './udf.ts';

export { isCurve, PUBLIC_KEY_LENGTH, CURVES, spkiOf, type Curve, type SpkiProfile } from './keys-spki.ts';

export interface PrivateKey {
  readonly crv: Curve;
  /**
   * The JSON `Private` form: Ed25519 32 octets, Ed448 57 (RFC 8032) or 56 (Mesh-derived),
   * X25519 32, X448 56 (raw, clamped at use). For a combined key: the bare scalar, little-endian
   * (X448 56, Ed448 57, X25519/Ed25519 32 octets).
   */
  readonly secret: Uint8Array;
  /** A combined device key (connect.md §2.3): `secret` is a scalar mod L, never clamped or expanded. */
  readonly combined?: boolean;
}

export interface KeyPair {
  readonly crv: Curve;
  readonly privateKey: PrivateKey;
  /** Mesh public form: Ed25519 32, Ed448 57, X25519 33 and X448 57 octets (u plus flag octet). */
  readonly publicKey: Uint8Array;
}

/** 'pure' = RFC 8032 EdDSA (2024 scheme); 'ctx' = Ed25519ctx with an empty context (2023 scheme). Ed448 is the same in both. */
export type SignatureScheme = 'pure' | 'ctx';

const isEdwards = (crv: Curve): crv is 'Ed25519' | 'Ed448' => crv === 'Ed25519' || crv === 'Ed448';
const montgomeryOf = (crv: 'X25519' | 'X448'): MontgomeryCurve => (crv === 'X448' ? CURVE448 : CURVE25519);
export const groupOrder = (crv: Curve): bigint => (crv === 'Ed448' || crv === 'X448' ? ED448_ORDER : ED25519_ORDER);

/** Length of a combined (bare scalar) secret. */
const SCALAR_LENGTH: Readonly<Record<Curve, number>> = { Ed25519: 32, Ed448: 57, X25519: 32, X448: 56 };

function secretLengthOk(crv: Curve, n: number, combined: boolean): boolean {
  if (combined) return n === SCALAR_LENGTH[crv];
  switch (crv) {
    case 'Ed25519':
    case 'X25519':
      return n === 32;
    case 'Ed448':
      return n === 56 || n === 57;
    case 'X448':
      return n === 56;
  }
}

/** Validate and wrap a private key given in its JSON form. */
export function privateKey(crv: Curve, secret: Uint8Array, opts: { combined?: boolean } = {}): PrivateKey {
  if (!isCurve(crv)) throw new MeshError('unsupported', `unknown curve ${String(crv)}`);
  if (!(secret instanceof Uint8Array)) throw new MeshError('malformed', 'private key must be octets');
  const combined = opts.combined === true;
  if (!secretLengthOk(crv, secret.length, combined)) throw new MeshError('malformed', `${crv} ${combined ? 'combined ' : ''}private key has ${secret.length} octets`);
  if (combined) {
    const s = leToBig(secret);
    if (s === 0n || s >= groupOrder(crv)) throw new MeshError('malformed', 'combined scalar out of range');
  }
  return combined ? { crv, secret, combined } : { crv, secret };
}

function clampX448(raw: Uint8Array): bigint {
  const b = Uint8Array.from(raw);
  b[0] &= 0xfc;
  b[55] |= 0x80;
  return leToBig(b);
}

function clampX25519(raw: Uint8Array): bigint {
  const b = Uint8Array.from(raw);
  b[0] &= 0xf8;
  b[31] &= 0x7f;
  b[31] |= 0x40;
  return leToBig(b);
}

/**
 * The scalar a key stands for (connect.md §2.3): X448/X25519 clamped raw octets; Ed448/Ed25519 the
 * clamped expanded scalar (reduced mod L); a combined key its bare scalar.
 */
export function scalarOf(key: PrivateKey): bigint {
  if (key.combined) return leToBig(key.secret);
  switch (key.crv) {
    case 'X448':
      return clampX448(key.secret);
    case 'X25519':
      return clampX25519(key.secret);
    case 'Ed448':
      return expandEd448(key.secret).scalar;
    case 'Ed25519':
      return ed25519.utils.getExtendedPublicKey(key.secret).scalar;
  }
}

// Key buffers are treated as immutable once wrapped; caches are keyed by buffer and curve.
const publicCache = new WeakMap<Uint8Array, { crv: Curve; pub: Uint8Array }>();

/** Public key (Mesh form) of a private key. */
export function publicKeyOf(key: PrivateKey): Uint8Array {
  const hit = publicCache.get(key.secret);
  if (hit && hit.crv === key.crv && !key.combined) return hit.pub;
  let pub: Uint8Array;
  if (key.combined) {
    const s = leToBig(key.secret);
    pub = isEdwards(key.crv) ? (key.crv === 'Ed448' ? ed448 : ed25519).Point.BASE.multiply(s).toBytes() : montgomeryPublic(montgomeryOf(key.crv), s);
    return pub;
  }
  switch (key.crv) {
    case 'Ed448':
      pub = expandEd448(key.secret).publicKey;
      break;
    case 'Ed25519':
      pub = ed25519.getPublicKey(key.secret);
      break;
    default:
      pub = montgomeryPublic(montgomeryOf(key.crv), scalarOf(key));
  }
  publicCache.set(key.secret, { crv: key.crv, pub });
  return pub;
}

export function keyPairFromPrivate(key: PrivateKey): KeyPair {
  return { crv: key.crv, privateKey: key, publicKey: publicKeyOf(key) };
}

/** A fresh random key pair (RFC sizes: Ed448 secrets of 57 octets). */
export function generateKeyPair(crv: Curve): KeyPair {
  const n = crv === 'Ed448' ? 57 : crv === 'X448' ? 56 : 32;
  return keyPairFromPrivate(privateKey(crv, randomBytes(n)));
}

// ---- Signatures ----

/** EdDSA signature; 56-octet Ed448 secrets are signed with the RFC 8032 steps (dare.md §5.1). */
export function sign(key: PrivateKey, message: Uint8Array, scheme: SignatureScheme = 'pure'): Uint8Array {
  if (key.combined) throw new MeshError('unsupported', 'combined keys do not sign (no nonce rule for a bare scalar)');
  if (key.crv === 'Ed448') return signEd448Expanded(expandEd448(key.secret), message);
  if (key.crv === 'Ed25519') return scheme === 'ctx' ? ed25519ctx.sign(message, key.secret, { context: new Uint8Array(0) }) : ed25519.sign(message, key.secret);
  throw new MeshError('unsupported', `${key.crv} keys cannot sign`);
}

/** EdDSA verification; false for any malformed key or signature. */
export function verify(crv: Curve, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, scheme: SignatureScheme = 'pure'): boolean {
  try {
    if (publicKey.length !== PUBLIC_KEY_LENGTH[crv]) return false;
    if (crv === 'Ed448') return signature.length === 114 && ed448.verify(signature, message, publicKey);
    if (crv === 'Ed25519') {
      if (signature.length !== 64) return false;
      return scheme === 'ctx' ? ed25519ctx.verify(signature, message, publicKey, { context: new Uint8Array(0) }) : ed25519.verify(signature, message, publicKey);
    }
  } catch {
    return false;
  }
  return false;
}

// ---- Key agreement ----

/**
 * Key agreement value (the KEK's IKM, dare.md §3): X25519/X448 the u-coordinate (the peer's flag
 * octet is ignored; combined keys use the unclamped ladder); Ed25519/Ed448 the encoding of a·P.
 */
export function agree(key: PrivateKey, peerPublic: Uint8Array): Uint8Array {
  const crv = key.crv;
  if (isEdwards(crv)) {
    checkPublicKeyLength(crv, peerPublic);
    return edwardsAgree(crv, scalarOf(key), peerPublic);
  }
  const c = montgomeryOf(crv);
  if (peerPublic.length !== c.uLength && peerPublic.length !== c.uLength + 1) throw new MeshError('malformed', `${crv} public key has ${peerPublic.length} octets`);
  const u = peerPublic.subarray(0, c.uLength);
  if (key.combined) return montgomeryAgreeScalar(c, leToBig(key.secret), u);
  try {
    return crv === 'X448' ? x448.getSharedSecret(key.secret, u) : x25519.getSharedSecret(key.secret, u);
  } catch {
    throw new MeshError('decrypt', `${crv} key agreement failed (low-order or invalid public key)`);
  }
}

// ---- Key combination (connect.md §2.3) ----

/** (a + b) mod L as a combined key of the same curve. */
export function combinePrivate(a: PrivateKey, b: PrivateKey): PrivateKey {
  if (a.crv !== b.crv) throw new MeshError('malformed', 'cannot combine keys of different curves');
  const s = (scalarOf(a) + scalarOf(b)) % groupOrder(a.crv);
  if (s === 0n) throw new MeshError('malformed', 'combined scalar is zero');
  return { crv: a.crv, secret: bigToLe(s, SCALAR_LENGTH[a.crv]), combined: true };
}

/** Sum of two public keys (Edwards point addition, or Montgomery addition using the flag octet). */
export function combinePublic(crv: Curve, a: Uint8Array, b: Uint8Array): Uint8Array {
  checkPublicKeyLength(crv, a);
  checkPublicKeyLength(crv, b);
  if (!isEdwards(crv)) return addMontgomery(montgomeryOf(crv), a, b);
  const Point = crv === 'Ed448' ? ed448.Point : ed25519.Point;
  try {
    const sum = Point.fromBytes(a).add(Point.fromBytes(b));
    if (sum.is0()) throw new MeshError('malformed', 'public keys add to the identity');
    return sum.toBytes();
  } catch (e) {
    if (e instanceof MeshError) throw e;
    throw new MeshError('malformed', `invalid ${crv} public key`);
  }
}

/** Checks a public key decodes to a curve point (Montgomery: the flag octet fixes v). */
export function validatePublicKey(crv: Curve, pub: Uint8Array): void {
  checkPublicKeyLength(crv, pub);
  if (isEdwards(crv)) {
    try {
      (crv === 'Ed448' ? ed448 : ed25519).Point.fromBytes(pub);
    } catch {
      throw new MeshError('malformed', `${crv} public key is not a curve point`);
    }
  } else {
    // Decoding checks u is reduced, on the curve, and the flag octet is 0x00 or 0x80.
    decodeMontgomery(montgomeryOf(crv), pub);
  }
}

// ---- Fingerprints ----

/** The key's UDF fingerprint as used for `kid` (140 bits, 2023 SPKI profile unless told). */
export function keyId(crv: Curve, publicKey: Uint8Array, profile: SpkiProfile = 2023): string {
  // Cached per key buffer: a signer's key is fingerprinted once per frame it signs.
  const cache = profile === 2023 ? kidCache2023 : kidCache2024;
  const hit = cache.get(publicKey);
  if (hit && hit.crv === crv) return hit.kid;
  const kid = udfKeyFingerprint(crv, publicKey, { profile });
  cache.set(publicKey, { crv, kid });
  return kid;
}
const kidCache2023 = new WeakMap<Uint8Array, { crv: Curve; kid: string }>();
const kidCache2024 = new WeakMap<Uint8Array, { crv: Curve; kid: string }>();

/** The full 65-octet fingerprint (`RootUdfs` entries). */
export function keyUdfBytes(crv: Curve, publicKey: Uint8Array, profile: SpkiProfile = 2023): Uint8Array {
  return udfKeyFingerprintBytes(crv, publicKey, profile);
}

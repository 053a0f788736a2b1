// EdDSA on noble's point arithmetic for the key forms noble's sign() cannot take: Mesh Ed448 secrets
// of 56 octets (SHAKE256-expanded like RFC 8032's 57, udf.md §9.3) signed with the RFC 8032 §5.2.6
// steps (dare.md §5.1), and Edwards ECDH (dare.md §3).
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { MeshError } from './errors.ts';
import { bigToLe, leToBig, modInverse } from './keys-montgomery.ts';

export interface ExpandedEd448 {
  /** The secret scalar s (reduced mod L; s·B is the same point). */
  readonly scalar: bigint;
  /** The 57-octet nonce prefix, h[57..114]. */
  readonly prefix: Uint8Array;
  /** The 57-octet public key encoding of s·B. */
  readonly publicKey: Uint8Array;
}

export const ED448_ORDER = ed448.Point.Fn.ORDER;
export const ED25519_ORDER = ed25519.Point.Fn.ORDER;

// Expansion costs a SHAKE256 and a base multiplication; keep it per secret buffer.
const expandedCache = new WeakMap<Uint8Array, ExpandedEd448>();

/** RFC 8032 §5.2.5 key expansion, applied to a 57-octet or a Mesh 56-octet secret. */
export function expandEd448(secret: Uint8Array): ExpandedEd448 {
  const hit = expandedCache.get(secret);
  if (hit) return hit;
  if (secret.length !== 56 && secret.length !== 57) throw new MeshError('malformed', `Ed448 secret must have 56 or 57 octets, not ${secret.length}`);
  const h = shake256(secret, { dkLen: 114 });
  const head = h.slice(0, 57);
  head[0] &= 0xfc;
  head[55] |= 0x80;
  head[56] = 0;
  const scalar = leToBig(head) % ED448_ORDER;
  const out: ExpandedEd448 = {
    scalar,
    prefix: h.slice(57, 114),
    publicKey: ed448.Point.BASE.multiply(scalar).toBytes(),
  };
  expandedCache.set(secret, out);
  return out;
}

/** The clamped (unreduced) scalar octets of the expansion, as the vectors print them. */
export function ed448ScalarOctets(secret: Uint8Array): Uint8Array {
  const h = shake256(secret, { dkLen: 114 }).slice(0, 57);
  h[0] &= 0xfc;
  h[55] |= 0x80;
  h[56] = 0;
  return h;
}

// dom4(flag 0, empty context): "SigEd448" || 0x00 || 0x00.
const DOM4 = new Uint8Array([0x53, 0x69, 0x67, 0x45, 0x64, 0x34, 0x34, 0x38, 0, 0]);

function shakeModL(...parts: Uint8Array[]): bigint {
  const h = shake256.create({ dkLen: 114 });
  for (const p of parts) h.update(p);
  return leToBig(h.digest()) % ED448_ORDER;
}

/** Pure Ed448 (empty context) with an expanded key: R || S, 114 octets. */
export function signEd448Expanded(key: ExpandedEd448, message: Uint8Array): Uint8Array {
  const r = shakeModL(DOM4, key.prefix, message);
  const R = (r === 0n ? ed448.Point.ZERO : ed448.Point.BASE.multiply(r)).toBytes();
  const k = shakeModL(DOM4, R, key.publicKey, message);
  const S = (r + k * key.scalar) % ED448_ORDER;
  const sig = new Uint8Array(114);
  sig.set(R);
  sig.set(bigToLe(S, 57), 57);
  return sig;
}

/**
 * Edwards ECDH (dare.md §3): the RFC 8032 encoding of scalar·P. Computed as (s·h⁻¹ mod L)·(h·P):
 * the same point for every P of the prime-order subgroup, and no leak of s mod h through a
 * hostile peer point with a small-order component. Small-order peer points are refused.
 */
export function edwardsAgree(crv: 'Ed25519' | 'Ed448', scalar: bigint, peerPublic: Uint8Array): Uint8Array {
  const Point = crv === 'Ed25519' ? ed25519.Point : ed448.Point;
  const h = crv === 'Ed25519' ? 8n : 4n;
  let P;
  try {
    P = Point.fromBytes(peerPublic);
  } catch {
    throw new MeshError('malformed', `invalid ${crv} public key`);
  }
  const n = Point.Fn.ORDER;
  const s = (((scalar % n) + n) % n) * modInverse(h, n) % n;
  if (s === 0n) throw new MeshError('malformed', 'scalar is zero modulo the group order');
  const cleared = P.clearCofactor();
  if (cleared.is0()) throw new MeshError('decrypt', `${crv} peer key is a point of small order`);
  return cleared.multiply(s).toBytes();
}

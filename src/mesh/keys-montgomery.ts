// Montgomery-curve arithmetic the Mesh needs beyond RFC 7748's clamping functions (connect.md §2.3–2.4):
// public keys with the v-parity flag octet, point addition of such keys, and a ladder that takes a
// bare (unclamped) scalar. Field and Edwards arithmetic come from @noble/curves.
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { MeshError } from './errors.ts';

type Field = typeof ed448.Point.Fp;
type EdPoint = InstanceType<typeof ed448.Point>;

export interface MontgomeryCurve {
  readonly name: 'X25519' | 'X448';
  readonly Fp: Field;
  readonly A: bigint;
  readonly a24: bigint;
  /** Octets of the u-coordinate; the Mesh public form adds one flag octet. */
  readonly uLength: number;
  /** Bits the ladder scans (RFC 7748: 255 / 448). */
  readonly bits: number;
  /** Order of the prime subgroup (same as the Edwards twin's), and the cofactor. */
  readonly order: bigint;
  readonly cofactor: bigint;
  /** u-coordinates of the points of small order (rejected as peer keys). */
  readonly lowOrderU: readonly bigint[];
  /** (u, v) of scalar·G, computed on the birationally equivalent / isogenous Edwards curve. */
  baseMultiply(scalar: bigint): { u: bigint; v: bigint };
}

const leToBig = (b: Uint8Array): bigint => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
};

export const bigToLe = (n: bigint, len: number): Uint8Array => {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  if (n !== 0n) throw new MeshError('malformed', 'integer does not fit');
  return out;
};

export { leToBig };

// Curve448: RFC 7748's 4-isogeny from edwards448, u = y²/x², v = (2 − x² − y²)·y/x³; maps B to (5, v0).
// In projective (X : Y : Z): u = Y²·X / X³ and v = (2Z² − X² − Y²)·Y / X³, so one inversion suffices.
function ed448ToMontgomery(P: EdPoint): { u: bigint; v: bigint } {
  const Fp = ed448.Point.Fp;
  const { X, Y, Z } = P;
  if (Fp.is0(X)) throw new MeshError('malformed', 'point maps to the identity');
  const X2 = Fp.sqr(X);
  const Y2 = Fp.sqr(Y);
  const inv = Fp.inv(Fp.mul(X2, X));
  const u = Fp.mul(Fp.mul(Y2, X), inv);
  const v = Fp.mul(Fp.mul(Fp.sub(Fp.sub(Fp.add(Fp.sqr(Z), Fp.sqr(Z)), X2), Y2), Y), inv);
  return { u, v };
}

// Curve25519: RFC 7748 birational map u = (1+y)/(1−y), v = c·u/x with c = ±√−486664; the sign is
// the one that maps the Ed25519 base point to RFC 7748's base point v.
const X25519_BASE_V = 14781619447589544791020593568409986887264606134616475288964881837755586237401n;
let c25519: bigint | undefined;
// In projective (X : Y : Z): u = (Z + Y)·X / ((Z − Y)·X) and v = c·(Z + Y)·Z / ((Z − Y)·X).
function ed25519ToMontgomery(P: { X: bigint; Y: bigint; Z: bigint }): { u: bigint; v: bigint } {
  const Fp = ed25519.Point.Fp;
  if (c25519 === undefined) {
    const { x, y } = ed25519.Point.BASE.toAffine();
    const u = Fp.div(Fp.add(1n, y), Fp.sub(1n, y));
    c25519 = Fp.div(Fp.mul(X25519_BASE_V, x), u);
  }
  const { X, Y, Z } = P;
  const den = Fp.mul(Fp.sub(Z, Y), X);
  if (Fp.is0(den)) throw new MeshError('malformed', 'point maps to the identity');
  const inv = Fp.inv(den);
  const zy = Fp.add(Z, Y);
  return { u: Fp.mul(Fp.mul(zy, X), inv), v: Fp.mul(Fp.mul(Fp.mul(c25519, zy), Z), inv) };
}

function modOrder(s: bigint, n: bigint): bigint {
  const r = s % n;
  if (r === 0n) throw new MeshError('malformed', 'scalar is zero modulo the group order');
  return r;
}

export const CURVE448: MontgomeryCurve = {
  name: 'X448',
  Fp: ed448.Point.Fp,
  A: 156326n,
  a24: 39081n,
  uLength: 56,
  bits: 448,
  order: ed448.Point.Fn.ORDER,
  cofactor: 4n,
  lowOrderU: [0n, 1n, ed448.Point.Fp.ORDER - 1n],
  baseMultiply: (s) => ed448ToMontgomery(ed448.Point.BASE.multiply(modOrder(s, ed448.Point.Fn.ORDER))),
};

export const CURVE25519: MontgomeryCurve = {
  name: 'X25519',
  Fp: ed25519.Point.Fp as unknown as Field,
  A: 486662n,
  a24: 121665n,
  uLength: 32,
  bits: 256,
  order: ed25519.Point.Fn.ORDER,
  cofactor: 8n,
  lowOrderU: [
    0n,
    1n,
    ed25519.Point.Fp.ORDER - 1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  ],
  baseMultiply: (s) => ed25519ToMontgomery(ed25519.Point.BASE.multiply(modOrder(s, ed25519.Point.Fn.ORDER))),
};

export const FLAG_V_ODD = 0x80;

/** Mesh public encoding: u (little-endian) followed by 0x80 when v is odd, else 0x00. */
export function encodeMontgomery(c: MontgomeryCurve, u: bigint, v: bigint): Uint8Array {
  const out = new Uint8Array(c.uLength + 1);
  out.set(bigToLe(u, c.uLength));
  out[c.uLength] = (v & 1n) === 1n ? FLAG_V_ODD : 0;
  return out;
}

/** Public key (Mesh form) of a scalar used as given: clamped, or a combined bare scalar. */
export function montgomeryPublic(c: MontgomeryCurve, scalar: bigint): Uint8Array {
  const { u, v } = c.baseMultiply(scalar);
  return encodeMontgomery(c, u, v);
}

/** Recover (u, v) from the Mesh form; the flag octet picks the root. */
export function decodeMontgomery(c: MontgomeryCurve, pub: Uint8Array): { u: bigint; v: bigint } {
  if (pub.length !== c.uLength + 1) throw new MeshError('malformed', `${c.name} public key must have ${c.uLength + 1} octets for point addition`);
  const flag = pub[c.uLength];
  if (flag !== 0 && flag !== FLAG_V_ODD) throw new MeshError('malformed', `${c.name} public key has an invalid flag octet`);
  const Fp = c.Fp;
  const u = leToBig(pub.subarray(0, c.uLength));
  if (u >= Fp.ORDER) throw new MeshError('malformed', `${c.name} u-coordinate is not reduced`);
  if (c.lowOrderU.includes(u)) throw new MeshError('malformed', `${c.name} public key is a point of small order`);
  const w = Fp.mul(Fp.add(Fp.mul(Fp.add(u, c.A), u), 1n), u); // u³ + A·u² + u
  let v: bigint;
  try {
    v = Fp.sqrt(w);
  } catch {
    throw new MeshError('malformed', `${c.name} public key is not on the curve`);
  }
  if (!Fp.eql(Fp.sqr(v), w)) throw new MeshError('malformed', `${c.name} public key is not on the curve`);
  if (((v & 1n) === 1n) !== (flag === FLAG_V_ODD)) v = Fp.neg(v);
  return { u, v };
}

/** Affine addition on v² = u³ + A·u² + u; the identity is rejected. */
export function addMontgomery(c: MontgomeryCurve, a: Uint8Array, b: Uint8Array): Uint8Array {
  const Fp = c.Fp;
  const p1 = decodeMontgomery(c, a);
  const p2 = decodeMontgomery(c, b);
  let lambda: bigint;
  if (p1.u === p2.u) {
    if (p1.v !== p2.v || p1.v === 0n) throw new MeshError('malformed', 'public keys add to the identity');
    const num = Fp.add(Fp.add(Fp.mul(3n, Fp.sqr(p1.u)), Fp.mul(Fp.mul(2n, c.A), p1.u)), 1n);
    lambda = Fp.div(num, Fp.mul(2n, p1.v));
  } else {
    lambda = Fp.div(Fp.sub(p2.v, p1.v), Fp.sub(p2.u, p1.u));
  }
  const u3 = Fp.sub(Fp.sub(Fp.sub(Fp.sqr(lambda), c.A), p1.u), p2.u);
  const v3 = Fp.sub(Fp.mul(lambda, Fp.sub(p1.u, u3)), p1.v);
  return encodeMontgomery(c, u3, v3);
}

/**
 * RFC 7748 §5 Montgomery ladder with the scalar used as given (no clamping): the u-coordinate of
 * scalar·P as octets. Peer points of small order are refused; an all-zero result is rejected.
 */
export function montgomeryLadder(c: MontgomeryCurve, scalar: bigint, peerU: Uint8Array): Uint8Array {
  if (peerU.length !== c.uLength) throw new MeshError('malformed', `${c.name} u-coordinate must have ${c.uLength} octets`);
  if (scalar <= 0n || scalar >> BigInt(c.bits) !== 0n) throw new MeshError('malformed', 'scalar out of range');
  const Fp = c.Fp;
  const uBytes = Uint8Array.from(peerU);
  if (c.name === 'X25519') uBytes[31] &= 0x7f;
  const x1 = Fp.create(leToBig(uBytes));
  if (c.lowOrderU.includes(x1)) throw new MeshError('decrypt', `${c.name} peer key is a point of small order`);
  let x2 = 1n, z2 = 0n, x3 = x1, z3 = 1n;
  let swap = 0n;
  for (let t = c.bits - 1; t >= 0; t--) {
    const kt = (scalar >> BigInt(t)) & 1n;
    swap ^= kt;
    if (swap) {
      [x2, x3] = [x3, x2];
      [z2, z3] = [z3, z2];
    }
    swap = kt;
    const A = Fp.add(x2, z2);
    const AA = Fp.sqr(A);
    const B = Fp.sub(x2, z2);
    const BB = Fp.sqr(B);
    const E = Fp.sub(AA, BB);
    const C = Fp.add(x3, z3);
    const D = Fp.sub(x3, z3);
    const DA = Fp.mul(D, A);
    const CB = Fp.mul(C, B);
    x3 = Fp.sqr(Fp.add(DA, CB));
    z3 = Fp.mul(x1, Fp.sqr(Fp.sub(DA, CB)));
    x2 = Fp.mul(AA, BB);
    z2 = Fp.mul(E, Fp.add(AA, Fp.mul(c.a24, E)));
  }
  if (swap) {
    [x2, x3] = [x3, x2];
    [z2, z3] = [z3, z2];
  }
  if (Fp.is0(z2)) throw new MeshError('decrypt', 'key agreement gave the all-zero value');
  const out = Fp.mul(x2, Fp.inv(z2));
  if (out === 0n) throw new MeshError('decrypt', 'key agreement gave the all-zero value');
  return bigToLe(out, c.uLength);
}

/**
 * Agreement with a bare scalar s mod L (a combined key): the ladder runs on h·(s·h⁻¹ mod L), which
 * equals s on the prime-order subgroup (every honest key, and the vectors) but also clears any
 * small-order component a hostile peer mixes in, so no bits of s mod h leak.
 */
export function montgomeryAgreeScalar(c: MontgomeryCurve, scalar: bigint, peerU: Uint8Array): Uint8Array {
  const L = c.order;
  const hInv = modInverse(c.cofactor, L);
  const k = c.cofactor * ((((scalar % L) + L) % L) * hInv % L);
  if (k === 0n) throw new MeshError('malformed', 'scalar is zero modulo the group order');
  return montgomeryLadder(c, k, peerU);
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new MeshError('malformed', 'not invertible');
  return ((s0 % m) + m) % m;
}

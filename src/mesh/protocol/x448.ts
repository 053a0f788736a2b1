// X448 agreement with a scalar used exactly as given (connect.md §2.4): combined device keys are
// unclamped, so library X448 (which clamps) gives the wrong value for them. Any 56-octet scalar is
// accepted, including clamped ones (≥ the group order), which keys.ts's combined keys refuse.
import { MeshError } from '../errors.ts';

const P = 2n ** 448n - 2n ** 224n - 1n;
const A24 = 39081n;

const mod = (a: bigint): bigint => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % P;
    x = (x * x) % P;
    e >>= 1n;
  }
  return r;
}

const leToBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};

const bigToLe = (v: bigint, n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

/** RFC 7748 ladder with the 56-octet little-endian scalar `scalar`, unclamped; peer may be 56 or 57 octets. */
export function x448AgreeRaw(scalar: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  if (scalar.length !== 56) throw new MeshError('malformed', 'X448 scalar must have 56 octets');
  if (peerPublic.length !== 56 && peerPublic.length !== 57) throw new MeshError('malformed', 'X448 public key must have 56 or 57 octets');
  const k = leToBig(scalar);
  const x1 = mod(leToBig(peerPublic.subarray(0, 56)));
  let x2 = 1n, z2 = 0n, x3 = x1, z3 = 1n, swap = 0n;
  for (let t = 447; t >= 0; t--) {
    const kt = (k >> BigInt(t)) & 1n;
    swap ^= kt;
    if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    swap = kt;
    const a = mod(x2 + z2), aa = (a * a) % P, b = mod(x2 - z2), bb = (b * b) % P, e = mod(aa - bb);
    const c = mod(x3 + z3), d = mod(x3 - z3), da = (d * a) % P, cb = (c * b) % P;
    x3 = mod((da + cb) * (da + cb));
    z3 = (x1 * mod((da - cb) * (da - cb))) % P;
    x2 = (aa * bb) % P;
    z2 = (e * mod(aa + A24 * e)) % P;
  }
  if (swap) [x2, z2] = [x3, z3];
  const out = bigToLe((x2 * pow(z2, P - 2n)) % P, 56);
  if (out.every((x) => x === 0)) throw new MeshError('auth', 'X448 agreement gave the all-zero value');
  return out;
}

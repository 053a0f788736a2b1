// Shamir secret sharing over GF(2^(8k) + offset) with shares as `S…` UDFs (udf.md §8).
import { base32Present } from './base32.ts';
import { randomBytes } from './bytes.ts';
import { MeshError } from './errors.ts';
import { udfParse, UdfType } from './udf.ts';

// p(k) = 2^(8k) + OFFSETS[k - 1], the smallest prime above 2^(8k) (Appendix A of udf-18).
const OFFSETS = [
  1, 1, 43, 15, 15, 21, 81, 13, 15, 13, 7, 61, 111, 25, 451, 51,
  85, 175, 253, 7, 87, 427, 27, 133, 235, 375, 423, 735, 357, 115, 81, 297,
  175, 57, 45, 127, 61, 37, 91, 27, 15, 241, 231, 55, 105, 127, 115, 231,
  207, 181, 37, 235, 163, 1093, 187, 211, 21, 841, 445, 165, 777, 583, 133, 75,
];

export const MAX_SHARES = 15;
export const MAX_SECRET_OCTETS = 64;

/** The prime modulus for a k-octet secret. */
export function sharePrime(k: number): bigint {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SECRET_OCTETS) throw new MeshError('malformed', `secret must have 1 to ${MAX_SECRET_OCTETS} octets`);
  return (1n << BigInt(8 * k)) + BigInt(OFFSETS[k - 1]);
}

const toBig = (b: Uint8Array): bigint => {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
};

function toBytes(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

const mod = (a: bigint, p: bigint): bigint => ((a % p) + p) % p;

function inverse(a: bigint, p: bigint): bigint {
  // Extended Euclid; a is non-zero mod the prime p.
  let [r0, r1] = [mod(a, p), p];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, p);
}

function randomBelow(p: bigint, k: number): bigint {
  // k + 8 random octets reduced mod p: bias below 2^-64.
  return toBig(randomBytes(k + 8)) % p;
}

export interface Share {
  readonly threshold: number;
  /** x coordinate, 1..15. */
  readonly x: number;
  /** f(x), as a k-octet big-endian value. */
  readonly value: Uint8Array;
}

/** Binary share: 0x90 || (threshold << 4 | x − 1) || f(x). */
export function encodeShare(s: Share): Uint8Array {
  const out = new Uint8Array(2 + s.value.length);
  out[0] = UdfType.Share;
  out[1] = (s.threshold << 4) | (s.x - 1);
  out.set(s.value, 2);
  return out;
}

export const presentShare = (s: Share): string => base32Present(encodeShare(s));

export function parseShare(text: string): Share {
  const p = udfParse(text);
  if (p.kind !== 'share') throw new MeshError('malformed', `not a secret share (${p.kind} UDF)`);
  return { threshold: p.bytes[1] >> 4, x: (p.bytes[1] & 15) + 1, value: p.bytes.slice(2) };
}

/** Evaluate the polynomial at x (Horner). */
function evaluate(coefficients: bigint[], x: bigint, p: bigint): bigint {
  let y = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) y = (y * x + coefficients[i]) % p;
  return y;
}

/**
 * Split a secret into `shares` shares, any `threshold` of which recover it. Coefficients are
 * redrawn until every f(x) fits in k octets (udf.md §8.2), so shares have the secret's length.
 * `coefficients` (a1..a(t−1)) is for tests reproducing published examples.
 */
export function splitShares(secret: Uint8Array, shares: number, threshold: number, coefficients?: bigint[]): Share[] {
  const k = secret.length;
  const p = sharePrime(k);
  if (!Number.isInteger(shares) || shares < 1 || shares > MAX_SHARES) throw new MeshError('malformed', `number of shares must be 1 to ${MAX_SHARES}`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > shares) throw new MeshError('malformed', 'threshold must be between 1 and the number of shares');
  if (coefficients && coefficients.length !== threshold - 1) throw new MeshError('malformed', 'need threshold − 1 coefficients');
  const limit = 1n << BigInt(8 * k);
  for (let attempt = 0; attempt < 64; attempt++) {
    const poly = [toBig(secret), ...(coefficients ?? Array.from({ length: threshold - 1 }, () => randomBelow(p, k)))];
    const ys = Array.from({ length: shares }, (_, i) => evaluate(poly, BigInt(i + 1), p));
    if (ys.every((y) => y < limit)) return ys.map((y, i) => ({ threshold, x: i + 1, value: toBytes(y, k) }));
    if (coefficients) throw new MeshError('malformed', 'given coefficients give a share that does not fit');
  }
  throw new MeshError('integrity', 'could not draw fitting coefficients');
}

/** Split into share UDFs (`S…`, 29 characters for a 16-octet secret). */
export function splitSecret(secret: Uint8Array, shares: number, threshold: number): string[] {
  return splitShares(secret, shares, threshold).map(presentShare);
}

/** Lagrange interpolation at 0 over the first `threshold` shares. */
function interpolate(shares: Share[], p: bigint): bigint {
  let acc = 0n;
  for (const sj of shares) {
    let num = 1n;
    let den = 1n;
    for (const sm of shares) {
      if (sm === sj) continue;
      num = (num * BigInt(-sm.x)) % p;
      den = (den * BigInt(sj.x - sm.x)) % p;
    }
    acc = (acc + toBig(sj.value) * mod(num, p) * inverse(den, p)) % p;
  }
  return mod(acc, p);
}

/**
 * Recover the secret from at least `threshold` shares (text or parsed). Shares must agree on
 * threshold and length and have distinct x; extra shares must lie on the same polynomial, so a
 * tampered share among more than `threshold` is detected ('integrity').
 */
export function recoverShares(input: Share[]): Uint8Array {
  if (input.length === 0) throw new MeshError('truncated', 'no shares given');
  const { threshold } = input[0];
  const k = input[0].value.length;
  const p = sharePrime(k);
  const seen = new Set<number>();
  for (const s of input) {
    if (s.threshold !== threshold) throw new MeshError('malformed', 'shares have different thresholds');
    if (s.value.length !== k) throw new MeshError('malformed', 'shares have different lengths');
    if (seen.has(s.x)) throw new MeshError('malformed', `share ${s.x} given twice`);
    seen.add(s.x);
  }
  if (input.length < threshold) throw new MeshError('truncated', `need ${threshold} shares, got ${input.length}`);
  const basis = input.slice(0, threshold);
  const a0 = interpolate(basis, p);
  for (const extra of input.slice(threshold)) {
    // f(x) at the extra point, from the basis shares.
    let y = 0n;
    for (const sj of basis) {
      let num = 1n;
      let den = 1n;
      for (const sm of basis) {
        if (sm === sj) continue;
        num = (num * BigInt(extra.x - sm.x)) % p;
        den = (den * BigInt(sj.x - sm.x)) % p;
      }
      y = (y + toBig(sj.value) * mod(num, p) * inverse(den, p)) % p;
    }
    if (mod(y, p) !== toBig(extra.value)) throw new MeshError('integrity', `share ${extra.x} is inconsistent with the others`);
  }
  if (a0 >= 1n << BigInt(8 * k)) throw new MeshError('integrity', 'shares do not belong together');
  return toBytes(a0, k);
}

export function recoverSecret(shares: string[]): Uint8Array {
  return recoverShares(shares.map(parseShare));
}

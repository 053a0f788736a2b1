// Key-pair derivation seeds (type 200, `Z…`, udf.md §9) and the keys derived from them.
// MeshPass derives with the udf-18 prose / 2023 code form (decision 1, udf.md §9.2 (b)); the 2024
// form (c) and the draft examples' form (a) are kept for the vectors.
import { sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { base32Present } from './base32.ts';
import { randomBytes, utf8 } from './bytes.ts';
import { MeshError } from './errors.ts';
import { keyPairFromPrivate, privateKey, type Curve, type KeyPair } from './keys.ts';
import { udfParse, UdfType } from './udf.ts';

/** Algorithm codes of the key specifier's low 14 bits (udf.md §9.1). */
export const KeyAlgorithm = {
  Any: 0,
  X25519: 1,
  X448: 2,
  Ed25519: 3,
  Ed448: 4,
  P256: 5,
  P384: 6,
  P521: 7,
  RSA2048: 8,
  RSA3072: 9,
  RSA4096: 10,
  MeshProfileDevice: 256,
  MeshActivationDevice: 257,
  MeshProfileAccount: 258,
  MeshActivationAccount: 259,
  MeshProfileService: 260,
  MeshActivationService: 261,
} as const;

export type KeyUse = 'any' | 'encryption' | 'signature' | 'authentication';
const USES: readonly KeyUse[] = ['any', 'encryption', 'signature', 'authentication'];

/** Key specifiers of the Mesh seeds (udf.md §9.1, connect.md §2.1). */
export const SeedSpecifier = {
  DeviceProfile: 0x0100,
  AccountProfile: 0x0102,
  DeviceActivation: 0x0103,
  ServiceProfile: 0x0104,
} as const;

export interface KeySeed {
  /** The 16-bit key specifier: use in bits 15–14, algorithm code in bits 13–0. */
  readonly keySpecifier: number;
  readonly use: KeyUse;
  readonly algorithm: number;
  /** The random seed octets (after the type octet and key specifier). */
  readonly seed: Uint8Array;
  /** The whole binary UDF: 0xC8 || key specifier || seed. */
  readonly bds: Uint8Array;
}

export function keySpecifier(use: KeyUse, algorithm: number): number {
  if (!Number.isInteger(algorithm) || algorithm < 0 || algorithm > 0x3fff) throw new MeshError('malformed', `invalid key algorithm ${algorithm}`);
  return (USES.indexOf(use) << 14) | algorithm;
}

const MIN_SEED = 16;
const MAX_SEED = 64;

function seedFromBds(bds: Uint8Array): KeySeed {
  if (bds.length < 3 + MIN_SEED) throw new MeshError('truncated', 'key seed is too short');
  if (bds.length > 3 + MAX_SEED) throw new MeshError('oversized', 'key seed is too long');
  if (bds[0] !== UdfType.Seed) throw new MeshError('malformed', `not a key seed (type ${bds[0]})`);
  const spec = (bds[1] << 8) | bds[2];
  return { keySpecifier: spec, use: USES[spec >> 14], algorithm: spec & 0x3fff, seed: bds.slice(3), bds: bds.slice() };
}

/** Parse a seed from its `Z…` text or binary form. */
export function parseKeySeed(input: string | Uint8Array): KeySeed {
  if (typeof input === 'string') {
    const p = udfParse(input);
    if (p.kind !== 'seed') throw new MeshError('malformed', `not a key seed UDF (${p.kind})`);
    return seedFromBds(p.bytes);
  }
  if (!(input instanceof Uint8Array)) throw new MeshError('malformed', 'key seed must be text or octets');
  return seedFromBds(input);
}

/** Present a seed in full (8·len bits: 56 characters for a 32-octet seed). */
export const presentKeySeed = (seed: KeySeed): string => base32Present(seed.bds);

/** A fresh seed with `octets` random octets (32 by default, as the reference's Mesh seeds). */
export function generateKeySeed(keySpecifierValue: number, octets = 32): KeySeed {
  if (!Number.isInteger(keySpecifierValue) || keySpecifierValue < 0 || keySpecifierValue > 0xffff) throw new MeshError('malformed', 'invalid key specifier');
  if (octets < MIN_SEED || octets > MAX_SEED) throw new MeshError('malformed', `seed must have ${MIN_SEED} to ${MAX_SEED} octets`);
  const bds = new Uint8Array(3 + octets);
  bds[0] = UdfType.Seed;
  bds[1] = keySpecifierValue >> 8;
  bds[2] = keySpecifierValue & 0xff;
  bds.set(randomBytes(octets), 3);
  return seedFromBds(bds);
}

const be16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

/** Derivation form: 2023 (udf.md §9.2 (b), MeshPass) or 2024 ((c), IKM starts with the concrete algorithm). */
export type DerivationForm = 2023 | 2024;

export interface DeriveOptions {
  form?: DerivationForm;
  /** Algorithm code for the 2024 IKM; defaults to the curve's. */
  algorithm?: number;
}

const CURVE_ALGORITHM: Readonly<Record<Curve, number>> = { X25519: 1, X448: 2, Ed25519: 3, Ed448: 4 };
const CURVE_OKM: Readonly<Record<Curve, number>> = { X25519: 32, X448: 56, Ed25519: 32, Ed448: 56 };

/** IKM = key specifier (2023) or algorithm (2024) || seed; info = key specifier || UTF8(keyName). */
export function derivationInputs(seed: KeySeed, keyName: string, opts: { form?: DerivationForm; algorithm?: number } = {}): { ikm: Uint8Array; info: Uint8Array } {
  const lead = (opts.form ?? 2023) === 2024 ? be16(opts.algorithm ?? 0) : be16(seed.keySpecifier);
  const ikm = new Uint8Array(2 + seed.seed.length);
  ikm.set(lead);
  ikm.set(seed.seed, 2);
  const name = utf8(keyName);
  const info = new Uint8Array(2 + name.length);
  info.set(be16(seed.keySpecifier));
  info.set(name, 2);
  return { ikm, info };
}

/** OKM = HKDF-SHA-512(salt absent, IKM, info, L) over the inputs above. */
export function deriveOkm(seed: KeySeed, keyName: string, length: number, opts: { form?: DerivationForm; algorithm?: number } = {}): Uint8Array {
  const { ikm, info } = derivationInputs(seed, keyName, opts);
  return expand(sha512, extract(sha512, ikm, undefined), info, length);
}

/**
 * The key pair a seed gives under a key name (udf.md §9.3, connect.md §2.1), e.g.
 * `deriveKeyPair(deviceSeed, 'BaseDeviceEncrypt', 'X448')`. X448 privates are the raw OKM
 * (clamped at use), Ed448 privates the 56-octet OKM (SHAKE256-expanded at use).
 */
export function deriveKeyPair(seed: KeySeed | string, keyName: string, crv: Curve, opts: DeriveOptions = {}): KeyPair {
  const s = typeof seed === 'string' ? parseKeySeed(seed) : seed;
  const okm = deriveOkm(s, keyName, CURVE_OKM[crv], { form: opts.form, algorithm: opts.algorithm ?? CURVE_ALGORITHM[crv] });
  return keyPairFromPrivate(privateKey(crv, okm));
}

// ---- The draft examples' form (udf.md §9.2 (a)), kept as a test of the HKDF plumbing ----

/** OKM length (octets) per algorithm code in the draft's table. */
const EXAMPLE_OKM: Readonly<Record<number, number>> = { 1: 32, 2: 56, 3: 32, 4: 56, 5: 40, 6: 56, 7: 74 };

/** PRK = HMAC-SHA-512(key = key specifier, msg = key specifier || seed); OKM = HKDF-Expand(PRK, info, L). */
export function exampleDerivation(seed: KeySeed, info: Uint8Array, length: number): { prk: Uint8Array; okm: Uint8Array } {
  const spec = be16(seed.keySpecifier);
  const msg = new Uint8Array(2 + seed.seed.length);
  msg.set(spec);
  msg.set(seed.seed, 2);
  const prk = hmac(sha512, spec, msg);
  return { prk, okm: expand(sha512, prk, info, length) };
}

const FIELD_PRIME: Readonly<Record<number, bigint>> = {
  5: p256.Point.Fp.ORDER,
  6: p384.Point.Fp.ORDER,
  7: p521.Point.Fp.ORDER,
};

const beToBig = (b: Uint8Array): bigint => {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
};

/**
 * The draft example's key for an EC seed: the OKM for X25519/X448/Ed25519/Ed448; for P-256/384/521
 * d = (OKM mod (p − 1)) + 1 with p the FIELD prime, as the examples do (udf.md §9.2).
 */
export function exampleKey(seed: KeySeed): { prk: Uint8Array; okm: Uint8Array; key: Uint8Array | bigint } {
  const L = EXAMPLE_OKM[seed.algorithm];
  if (L === undefined) throw new MeshError('unsupported', `no example derivation for algorithm ${seed.algorithm}`);
  const { prk, okm } = exampleDerivation(seed, new Uint8Array(0), L);
  const p = FIELD_PRIME[seed.algorithm];
  return { prk, okm, key: p === undefined ? okm : (beToBig(okm) % (p - 1n)) + 1n };
}

/** The draft example's RSA prime candidates: OKM with info "p" / "q", then the next odd probable prime. */
export function exampleRsaPrimes(seed: KeySeed, octetsPerPrime: number): { prk: Uint8Array; p: { okm: Uint8Array; prime: bigint }; q: { okm: Uint8Array; prime: bigint } } {
  const one = (tag: string) => {
    const { prk, okm } = exampleDerivation(seed, utf8(tag), octetsPerPrime);
    return { prk, okm, prime: nextProbablePrime(beToBig(okm)) };
  };
  const p = one('p');
  const q = one('q');
  return { prk: p.prk, p: { okm: p.okm, prime: p.prime }, q: { okm: q.okm, prime: q.prime } };
}

// ---- Probable primes (Miller–Rabin with fixed bases) ----

const SMALL_PRIMES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n];

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** Miller–Rabin with the first 25 primes as bases (exact below 3.3·10^24, error < 4^-25 above). */
export function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  outer: for (const a of SMALL_PRIMES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** The smallest odd probable prime ≥ n. */
export function nextProbablePrime(n: bigint): bigint {
  let c = n <= 2n ? 3n : n | 1n;
  while (!isProbablePrime(c)) c += 2n;
  return c;
}

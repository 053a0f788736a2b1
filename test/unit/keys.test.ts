import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { ed25519, ed25519ctx, x25519 } from '@noble/curves/ed25519.js';
import { MeshError } from '../../src/mesh/errors.ts';
import { randomBytes, utf8 } from '../../src/mesh/bytes.ts';
import {
  agree, combinePrivate, combinePublic, generateKeyPair, keyId, privateKey, publicKeyOf, scalarOf, sign, validatePublicKey, verify, type Curve,
} from '../../src/mesh/keys.ts';
import { CURVE448, CURVE25519, bigToLe, montgomeryLadder } from '../../src/mesh/keys-montgomery.ts';
import {
  deriveKeyPair, generateKeySeed, isProbablePrime, nextProbablePrime, parseKeySeed, presentKeySeed, SeedSpecifier,
} from '../../src/mesh/keyderive.ts';

const CURVES: Curve[] = ['Ed25519', 'Ed448', 'X25519', 'X448'];

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    return (e as MeshError).code;
  }
  return undefined;
}

describe('signatures', () => {
  test('Ed448 with a 57-octet secret gives exactly noble’s signature', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 57, maxLength: 57 }), fc.uint8Array({ maxLength: 100 }), (secret, msg) => {
      const key = privateKey('Ed448', secret);
      expect(publicKeyOf(key)).toEqual(ed448.getPublicKey(secret));
      expect(sign(key, msg)).toEqual(ed448.sign(msg, secret));
    }), { numRuns: 10 });
  });

  test('Ed448 with a 56-octet Mesh secret verifies with noble; tampering fails', () => {
    const key = privateKey('Ed448', randomBytes(56));
    const pub = publicKeyOf(key);
    const msg = utf8('payload digest');
    const sig = sign(key, msg);
    expect(sig).toHaveLength(114);
    expect(ed448.verify(sig, msg, pub)).toBe(true);
    expect(verify('Ed448', pub, utf8('payload digesT'), sig)).toBe(false);
    const bad = sig.slice();
    bad[10] ^= 1;
    expect(verify('Ed448', pub, msg, bad)).toBe(false);
    expect(verify('Ed448', pub, msg, sig.subarray(1))).toBe(false);
    expect(verify('Ed448', pub.subarray(1), msg, sig)).toBe(false);
  });

  test('Ed25519 pure and ctx (2023 scheme) follow noble and do not cross-verify', () => {
    const pair = generateKeyPair('Ed25519');
    const msg = utf8('digest');
    const pure = sign(pair.privateKey, msg);
    const ctx = sign(pair.privateKey, msg, 'ctx');
    expect(pure).toEqual(ed25519.sign(msg, pair.privateKey.secret));
    expect(ed25519ctx.verify(ctx, msg, pair.publicKey, { context: new Uint8Array(0) })).toBe(true);
    expect(verify('Ed25519', pair.publicKey, msg, pure)).toBe(true);
    expect(verify('Ed25519', pair.publicKey, msg, ctx, 'ctx')).toBe(true);
    expect(verify('Ed25519', pair.publicKey, msg, ctx)).toBe(false);
    expect(verify('Ed25519', pair.publicKey, msg, pure, 'ctx')).toBe(false);
  });

  test('Montgomery and combined keys do not sign', () => {
    expect(code(() => sign(generateKeyPair('X448').privateKey, utf8('m')))).toBe('unsupported');
    const a = generateKeyPair('Ed448').privateKey;
    const b = generateKeyPair('Ed448').privateKey;
    expect(code(() => sign(combinePrivate(a, b), utf8('m')))).toBe('unsupported');
  });

  test('verification of garbage returns false, never throws', () => {
    fc.assert(fc.property(fc.constantFrom(...CURVES), fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 120 }), (crv, pub, sig) => {
      expect(verify(crv, pub, utf8('m'), sig)).toBe(false);
    }), { numRuns: 200 });
  });
});

describe('Montgomery keys', () => {
  test('X448 public u equals noble’s, the ladder equals noble’s on clamped scalars', () => {
    for (let i = 0; i < 5; i++) {
      const raw = randomBytes(56);
      const key = privateKey('X448', raw);
      const pub = publicKeyOf(key);
      expect(pub.subarray(0, 56)).toEqual(x448.getPublicKey(raw));
      expect([0, 0x80]).toContain(pub[56]);
      const peer = x448.getPublicKey(randomBytes(56));
      expect(montgomeryLadder(CURVE448, scalarOf(key), peer)).toEqual(x448.scalarMult(raw, peer));
    }
  });

  test('X25519 public u equals noble’s, and its flag octet is consistent with point addition', () => {
    const a = generateKeyPair('X25519');
    const b = generateKeyPair('X25519');
    expect(a.publicKey.subarray(0, 32)).toEqual(x25519.getPublicKey(a.privateKey.secret));
    expect(combinePublic('X25519', a.publicKey, b.publicKey)).toEqual(publicKeyOf(combinePrivate(a.privateKey, b.privateKey)));
    const peer = x25519.getPublicKey(randomBytes(32));
    expect(montgomeryLadder(CURVE25519, scalarOf(a.privateKey), peer)).toEqual(x25519.scalarMult(a.privateKey.secret, peer));
  });

  test('agreement is symmetric on every curve, including combined keys', () => {
    for (const crv of CURVES) {
      const a = generateKeyPair(crv);
      const b = generateKeyPair(crv);
      expect(agree(a.privateKey, b.publicKey)).toEqual(agree(b.privateKey, a.publicKey));
      const c = combinePrivate(a.privateKey, generateKeyPair(crv).privateKey);
      expect(agree(c, b.publicKey)).toEqual(agree(b.privateKey, publicKeyOf(c)));
    }
    const m = privateKey('Ed448', randomBytes(56));
    const n = generateKeyPair('Ed448');
    expect(agree(m, n.publicKey)).toEqual(agree(n.privateKey, publicKeyOf(m)));
  });

  test('combining: the public of the summed scalars is the sum of the publics', () => {
    for (const crv of CURVES) {
      const a = generateKeyPair(crv);
      const b = crv === 'Ed448' ? { privateKey: privateKey('Ed448', randomBytes(56)) } : generateKeyPair(crv);
      const c = combinePrivate(a.privateKey, b.privateKey);
      expect(c.combined).toBe(true);
      expect(publicKeyOf(c)).toEqual(combinePublic(crv, a.publicKey, publicKeyOf(b.privateKey)));
      expect(keyId(crv, publicKeyOf(c))).toMatch(/^M/);
    }
  });

  test('bad keys are refused with MeshError', () => {
    expect(code(() => privateKey('X448', randomBytes(57)))).toBe('malformed');
    expect(code(() => privateKey('Ed448', randomBytes(55)))).toBe('malformed');
    expect(code(() => privateKey('Ed25519', randomBytes(31)))).toBe('malformed');
    expect(code(() => privateKey('P256' as Curve, randomBytes(32)))).toBe('unsupported');
    expect(code(() => privateKey('X448', new Uint8Array(56), { combined: true }))).toBe('malformed');
    expect(code(() => privateKey('X448', bigToLe(CURVE448.order, 56), { combined: true }))).toBe('malformed');
    const x = generateKeyPair('X448');
    // u = 0 and u = 1 are low-order points.
    expect(code(() => agree(x.privateKey, new Uint8Array(57)))).toBe('decrypt');
    expect(code(() => agree(x.privateKey, randomBytes(40)))).toBe('malformed');
    // An invalid flag octet, an unreduced u, a point not on the curve.
    const flag = x.publicKey.slice();
    flag[56] = 1;
    expect(code(() => combinePublic('X448', flag, x.publicKey))).toBe('malformed');
    expect(code(() => validatePublicKey('X448', Uint8Array.of(...new Uint8Array(56).fill(0xff), 0)))).toBe('malformed');
    let offCurve: Uint8Array | undefined;
    for (let u = 2; !offCurve; u++) {
      const cand = new Uint8Array(57);
      cand[0] = u;
      if (code(() => validatePublicKey('X448', cand)) === 'malformed') offCurve = cand;
    }
    expect(code(() => combinePublic('X448', offCurve!, x.publicKey))).toBe('malformed');
    // P + (−P) is the identity.
    const neg = x.publicKey.slice();
    neg[56] ^= 0x80;
    expect(code(() => combinePublic('X448', x.publicKey, neg))).toBe('malformed');
    const e = generateKeyPair('Ed448');
    const badPoint = e.publicKey.slice();
    badPoint[0] ^= 0xff;
    badPoint[56] = 0xff;
    expect(code(() => validatePublicKey('Ed448', badPoint))).toBe('malformed');
    expect(code(() => agree(e.privateKey, badPoint))).toBe('malformed');
  });

  test('hostile peer points: small-order refused, a small-order component leaks nothing', () => {
    const Fp = CURVE448.Fp;
    const c = combinePrivate(generateKeyPair('X448').privateKey, generateKeyPair('X448').privateKey);
    for (const u of [0n, 1n, Fp.ORDER - 1n]) expect(code(() => agree(c, bigToLe(u, 56)))).toBe('decrypt');
    // u(P + T) = 1/u(P) for the 2-torsion point T = (0, 0).
    const peer = generateKeyPair('X448').publicKey.subarray(0, 56);
    const mixed = bigToLe(Fp.inv(BigInt('0x' + Buffer.from(peer).reverse().toString('hex'))), 56);
    expect(agree(c, mixed)).toEqual(agree(c, peer));
    // Edwards: P + (0, −1) gives the same agreement as P; (0, −1) alone is refused.
    for (const crv of ['Ed25519', 'Ed448'] as const) {
      const Point = crv === 'Ed25519' ? ed25519.Point : ed448.Point;
      const k = generateKeyPair(crv);
      const P = Point.fromBytes(generateKeyPair(crv).publicKey);
      const T = Point.fromAffine({ x: 0n, y: Point.Fp.ORDER - 1n });
      expect(agree(k.privateKey, P.add(T).toBytes())).toEqual(agree(k.privateKey, P.toBytes()));
      expect(code(() => agree(k.privateKey, T.toBytes()))).toBe('decrypt');
    }
  });

  test('garbage public keys never escape as anything but MeshError', () => {
    const x = generateKeyPair('X448');
    fc.assert(fc.property(fc.uint8Array({ minLength: 57, maxLength: 57 }), (pub) => {
      try {
        combinePublic('X448', pub, x.publicKey);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), { numRuns: 50 });
  });
});

describe('key seeds and derivation', () => {
  test('seeds round trip through their Z-UDF, derivation is deterministic and name-bound', () => {
    const seed = generateKeySeed(SeedSpecifier.DeviceProfile);
    const text = presentKeySeed(seed);
    expect(text.replace(/-/g, '')).toHaveLength(56);
    expect(text.startsWith('ZAAQ')).toBe(true);
    const again = parseKeySeed(text.toLowerCase());
    expect(again.keySpecifier).toBe(0x0100);
    expect(again.seed).toEqual(seed.seed);
    const a = deriveKeyPair(seed, 'BaseDeviceEncrypt', 'X448');
    expect(deriveKeyPair(text, 'BaseDeviceEncrypt', 'X448').publicKey).toEqual(a.publicKey);
    expect(deriveKeyPair(seed, 'BaseDeviceAuthenticate', 'X448').publicKey).not.toEqual(a.publicKey);
    expect(deriveKeyPair(seed, 'BaseDeviceEncrypt', 'X448', { form: 2024 }).publicKey).not.toEqual(a.publicKey);
    const s = deriveKeyPair(seed, 'BaseDeviceSign', 'Ed448');
    expect(s.privateKey.secret).toHaveLength(56);
    expect(ed448.verify(sign(s.privateKey, utf8('x')), utf8('x'), s.publicKey)).toBe(true);
  });

  test('malformed seeds are refused', () => {
    expect(code(() => parseKeySeed('MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4'))).toBe('malformed');
    expect(code(() => parseKeySeed(Uint8Array.of(200, 1, 0, 1, 2)))).toBe('truncated');
    expect(code(() => parseKeySeed(new Uint8Array(80).fill(200)))).toBe('oversized');
    expect(code(() => parseKeySeed(Uint8Array.of(0x68, ...new Uint8Array(34))))).toBe('malformed');
    expect(code(() => generateKeySeed(0x10000))).toBe('malformed');
    expect(code(() => generateKeySeed(0x100, 8))).toBe('malformed');
  });

  test('garbage seeds and private keys fail with MeshError only', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 })), (x) => {
      try {
        parseKeySeed(x);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.constantFrom(...CURVES), fc.uint8Array({ maxLength: 64 }), fc.boolean(), (crv, b, combined) => {
      try {
        const k = privateKey(crv, b, { combined });
        expect(publicKeyOf(k).length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), { numRuns: 50 });
  });

  test('probable primes: small primes, Carmichael numbers, next prime', () => {
    for (const p of [2n, 3n, 97n, 7919n, (1n << 127n) - 1n]) expect(isProbablePrime(p)).toBe(true);
    for (const c of [0n, 1n, 4n, 561n, 41041n, 825265n, 3215031751n, (1n << 128n) + 1n]) expect(isProbablePrime(c)).toBe(false);
    expect(nextProbablePrime(90n)).toBe(97n);
    expect(nextProbablePrime(1n << 128n)).toBe((1n << 128n) + 51n);
  });
});

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { aes256CbcDecrypt, aes256CbcEncrypt } from '../../src/mesh/dare/aes.ts';
import { hkdfSha256Fast, hmacSha256Fast } from '../../src/mesh/dare/hkdf-fast.ts';
import { aesCbcDecrypt, aesCbcEncrypt, hkdfSha256, hmacSha256 } from '../../src/mesh/dare/primitives.ts';
import { payloadKeys } from '../../src/mesh/dare/keyschedule.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { fromHex, toHex } from '../../src/mesh/bytes.ts';

describe('plain-JS AES-256-CBC agrees with WebCrypto', () => {
  test('FIPS-197 C.3 block (via CBC with a zero IV)', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const ct = aes256CbcEncrypt(key, new Uint8Array(16), fromHex('00112233445566778899aabbccddeeff'));
    expect(toHex(ct.subarray(0, 16))).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  test('random keys, IVs and lengths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 100 }), async (k, iv, pt) => {
        const ct = aes256CbcEncrypt(k, iv, pt);
        expect(ct).toEqual(await aesCbcEncrypt(k, iv, pt));
        expect(aes256CbcDecrypt(k, iv, ct)).toEqual(pt);
        expect(await aesCbcDecrypt(k, iv, ct)).toEqual(pt);
      }),
      { numRuns: 100 },
    );
  });

  test('bad length or padding is a MeshError', () => {
    const k = new Uint8Array(32);
    expect(() => aes256CbcDecrypt(k, new Uint8Array(16), new Uint8Array(15))).toThrow(MeshError);
    expect(() => aes256CbcDecrypt(k, new Uint8Array(16), new Uint8Array(0))).toThrow(MeshError);
    const ct = aes256CbcEncrypt(k, new Uint8Array(16), new Uint8Array(5));
    ct[ct.length - 1] ^= 0x40;
    expect(() => aes256CbcDecrypt(k, new Uint8Array(16), ct)).toThrow(MeshError);
  });
});

describe('fast HMAC/HKDF-SHA-256 agree with @noble/hashes', () => {
  test('RFC 5869 test case 1', () => {
    const okm = hkdfSha256Fast(fromHex('0b'.repeat(22)), fromHex('000102030405060708090a0b0c'), fromHex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  test('random keys, messages and lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 1, max: 100 }), (k, m, salt, len) => {
        expect(hmacSha256Fast(k, m)).toEqual(hmacSha256(k, m));
        expect(hkdfSha256Fast(m, salt, k, len)).toEqual(hkdfSha256(m, salt, k, len));
        const pk = payloadKeys(m, salt);
        expect(pk.key).toEqual(hkdfSha256(m, salt, new TextEncoder().encode('encrypt'), 32));
        expect(pk.iv).toEqual(hkdfSha256(m, salt, new TextEncoder().encode('iv'), 16));
      }),
      { numRuns: 100 },
    );
  });
});

describe('SHA-512 with a reused @noble hasher', () => {
  test('every digest, one after another, equals a fresh one (whole messages and pairs)', async () => {
    const { sha512 } = await import('@noble/hashes/sha2.js');
    const { sha512Of, sha512Pair } = await import('../../src/mesh/dare/primitives.ts');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        expect(toHex(sha512Of(a))).toBe(toHex(sha512(a)));
        const ab = new Uint8Array([...a, ...b]);
        expect(toHex(sha512Pair(a, b))).toBe(toHex(sha512(ab)));
      }),
    );
  });
});

describe('native SHA-512 on node hosts', () => {
  test('OpenSSL and @noble agree on every message length around the block boundaries', async () => {
    const { nodeSha512 } = await import('../../src/service/native-sha512.ts');
    const { sha512 } = await import('@noble/hashes/sha2.js');
    for (const n of [0, 1, 63, 64, 111, 112, 127, 128, 129, 1000]) {
      const m = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(toHex(nodeSha512(m))).toBe(toHex(sha512(m)));
    }
  });
});

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { base32Decode, base32Present } from '../../src/mesh/base32.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { fromHex, utf8 } from '../../src/mesh/bytes.ts';
import {
  compressionLevel, earlCreate, earlContentIdentifier, parseUdfUri, secretParse, secretPresent, udfAuthenticator, udfDigest,
  udfEncryptionKey, udfKeyFingerprint, udfLocator, udfMatches, udfMatchesAuthenticator, udfMatchesKey, udfNonce, udfParse, udfPresent, udfSecret,
} from '../../src/mesh/udf.ts';

const RUNS = { numRuns: 200 };

function meshError(f: () => unknown, code?: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(MeshError);
  if (code) expect((caught as MeshError).code).toBe(code);
}

describe('Base32 presentation', () => {
  test('decode(present(b)) returns b for whole octets', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (b) => {
      expect(base32Decode(base32Present(b))).toEqual(b);
    }), RUNS);
  });

  test('parsing ignores case and dashes wherever they are', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), (b, cuts) => {
      let s = base32Present(b, undefined, false).toLowerCase();
      for (const c of cuts) {
        const i = c % (s.length + 1);
        s = s.slice(0, i) + '-' + s.slice(i);
      }
      expect(base32Decode(s)).toEqual(b);
    }), RUNS);
  });

  test('groups of four, and a lower precision is a prefix of a higher one', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 25 }), (b, i, j) => {
      const [lo, hi] = [Math.min(i, j) * 20, Math.max(i, j) * 20];
      const a = base32Present(b, lo);
      expect(a).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4})*$/);
      expect(base32Present(b, hi).startsWith(a)).toBe(true);
    }), RUNS);
  });

  test('bits past the precision are zero in the last character', () => {
    expect(base32Present(Uint8Array.of(0xff, 0xff), 6)).toBe('7Q');
    expect(base32Present(Uint8Array.of(0xff), 8)).toBe('74');
  });

  test('rejects characters outside the alphabet, empty and oversized text, and too-high precision', () => {
    for (const bad of ['MB0S', 'MB1S', 'MB8S', 'MB9S', 'MB=S', 'MB S', 'MBÉS', '']) meshError(() => base32Decode(bad));
    meshError(() => base32Decode('A'.repeat(5000)), 'oversized');
    meshError(() => base32Present(Uint8Array.of(1, 2), 17), 'truncated');
    meshError(() => base32Present(Uint8Array.of(1, 2), 0));
  });
});

describe('UDF parsing', () => {
  test('round trips every kind and normalises case and dashes', () => {
    const samples = [udfDigest('x', 'text/plain'), udfDigest('x', 'text/plain', { alg: 'sha3', bits: 200 }), udfNonce(), udfEncryptionKey(), udfAuthenticator(udfNonce(), 'x', 'text/plain')];
    for (const s of samples) {
      const p = udfParse(s.toLowerCase().replace(/-/g, ''));
      expect(p.text).toBe(s);
      expect(udfParse(`udf:${s}`).text).toBe(s);
    }
  });

  test('garbage never escapes as anything but MeshError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^[A-Za-z2-7-]{0,120}$/)), (s) => {
      try {
        const p = udfParse(s);
        expect(p.bytes.length).toBeGreaterThanOrEqual(2);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), RUNS);
  });

  test('random binary UDFs of known types parse or fail cleanly', () => {
    fc.assert(fc.property(fc.constantFrom(0, 32, 80, 96, 100, 104, 112, 144, 200, 7, 255), fc.uint8Array({ maxLength: 90 }), (type, body) => {
      const text = base32Present(Uint8Array.of(type, ...body));
      try {
        expect(udfParse(text).type).toBe(type);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), RUNS);
  });

  test('rejects truncated, oversized, unknown and malformed UDFs', () => {
    meshError(() => udfParse('MDDK-7N6A-727A-JZNO'), 'truncated'); // 80 bits
    meshError(() => udfParse(base32Present(new Uint8Array(80).fill(0x60))), 'oversized');
    meshError(() => udfParse(base32Present(Uint8Array.of(0x07, ...new Uint8Array(20)))), 'unsupported');
    meshError(() => udfParse(base32Present(Uint8Array.of(104, 1, 2, 3))), 'truncated'); // 3-octet nonce
    meshError(() => udfParse(base32Present(Uint8Array.of(112, 0x30, 0x05, 1, 2))), 'truncated'); // DER says 5, has 2
    meshError(() => udfParse(base32Present(Uint8Array.of(112, 0x31, 0x00))), 'malformed');
    meshError(() => udfParse(base32Present(Uint8Array.of(144, 0x00, ...new Uint8Array(16)))), 'malformed'); // threshold 0
    meshError(() => udfParse(base32Present(Uint8Array.of(200, 0, 2, 1, 2, 3))), 'truncated');
    meshError(() => udfParse('MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH!'), 'malformed');
    meshError(() => udfParse(42 as unknown as string), 'malformed');
  });
});

describe('content digests', () => {
  test('precision must be a multiple of 20 between 100 and 520', () => {
    for (const bits of [99, 80, 130, 540, 0, 140.5]) meshError(() => udfDigest('x', 'text/plain', { bits }), 'malformed');
    expect(udfDigest('x', 'text/plain', { bits: 520 })).toHaveLength(104 + 25);
  });

  test('the content type and the algorithm change the fingerprint', () => {
    const a = udfDigest('data', 'text/plain');
    expect(udfDigest('data', 'text/html')).not.toBe(a);
    expect(udfDigest('data', 'text/plain', { alg: 'sha3' })[0]).toBe('K');
    expect(a[0]).toBe('M');
  });

  test('compression level follows the trailing zero bits of the whole digest', () => {
    const withZeros = (n: number) => {
      const d = new Uint8Array(64).fill(0xff);
      for (let bit = 0; bit < n; bit++) d[63 - (bit >> 3)] &= ~(1 << (bit & 7));
      return d;
    };
    const cases: [number, number][] = [[0, 0], [19, 0], [20, 1], [29, 1], [30, 2], [39, 2], [40, 3], [49, 3], [50, 4], [200, 4]];
    for (const [zeros, level] of cases) expect(compressionLevel(withZeros(zeros))).toBe(level);
    expect(compressionLevel(new Uint8Array(64))).toBe(4);
  });

  test('matching accepts any precision from 100 bits, any case, and refuses tampering', () => {
    const data = utf8('UDF Data Value');
    expect(udfMatches('mddk-7n6a-727a-jzno-strx', data, 'text/plain')).toBe(true);
    expect(udfMatches('MDDK7N6A727AJZNOSTRXXKS7DJAF', data, 'text/plain')).toBe(true);
    expect(udfMatches('MDDK-7N6A-727A-JZNO', data, 'text/plain')).toBe(false); // 80 bits
    expect(udfMatches('MDDK-7N6A-727A-JZNO-STRY', data, 'text/plain')).toBe(false);
    expect(udfMatches('MDDK-7N6A-727A-JZNO-STRX', data, 'text/html')).toBe(false);
    expect(udfMatches('MDDK-7N6A-727A-JZNO-STRX', data, 'text/plain', 140)).toBe(false);
    expect(udfMatches('not a udf', data, 'text/plain')).toBe(false);
    // A type octet that differs only in compression level does not match.
    const other = base32Present(Uint8Array.of(0x61, ...fromHex('C6AFB7C0FEBE04E5AE94E37BAA5F1A405BA3')), 140);
    expect(udfMatches(other, data, 'text/plain')).toBe(false);
  });
});

describe('authenticators, nonces, secrets, EARLs', () => {
  test('authenticators depend on the key and never compress', () => {
    const a = udfAuthenticator('NA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRA', 'x', 'text/plain');
    expect(a[0]).toBe('A');
    expect(udfAuthenticator('NA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRB', 'x', 'text/plain')).not.toBe(a);
    expect(udfMatchesAuthenticator(a.toLowerCase(), 'NA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRA', utf8('x'), 'text/plain')).toBe(true);
    expect(udfMatchesAuthenticator(a, 'NA3F-EQAS-PCNR-B7T2-YC5T-GJLA-ZNRB', utf8('x'), 'text/plain')).toBe(false);
    meshError(() => udfAuthenticator('', 'x', 'text/plain'));
  });

  test('nonces and keys have the reference shapes and differ', () => {
    const n = new Set(Array.from({ length: 50 }, () => udfNonce()));
    expect(n.size).toBe(50);
    for (const x of n) expect(x).toMatch(/^N[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
    const k = udfEncryptionKey();
    expect(k).toMatch(/^E[A-Z2-7]{3}(-[A-Z2-7]{4}){6}-[A-Z2-7]{2}$/);
    expect(udfParse(k).kind).toBe('encryption-key');
    meshError(() => udfNonce(8));
  });

  test('untyped secrets round trip and enforce a length', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      expect(secretParse(secretPresent(b), 16)).toEqual(b);
    }), RUNS);
    meshError(() => secretParse('EN5H-Y5QJ-W62O', 16), 'truncated');
    expect(secretParse(udfSecret(), 16)).toHaveLength(16);
    expect(udfSecret(32).replace(/-/g, '')).toHaveLength(52);
    meshError(() => udfSecret(8));
  });

  test('EARLs: created keys resolve to their identifier; bad domains are refused', () => {
    const e = earlCreate('example.com');
    expect(parseUdfUri(e.earl)).toEqual({ domain: 'example.com', udf: e.key });
    expect(e.contentIdentifier).toBe(earlContentIdentifier(e.key));
    expect(e.contentIdentifier.replace(/-/g, '')).toHaveLength(56);
    for (const d of ['127.0.0.1', 'example.com:443', 'user@example.com', '-bad.com', '', 'a..b']) {
      meshError(() => udfLocator(d, e.key), 'malformed');
    }
    for (const u of ['http://example.com/MB5S', 'udf://example.com/', 'udf:', 'udf://example.com/MB5S-R4AJ/extra']) meshError(() => parseUdfUri(u));
  });
});

describe('key fingerprints', () => {
  const ed448 = fromHex('8D1F6EACF6E8B25A1246EE7C964286F4EE0BE41373A9B12CDE8ABC233C0BA94D90C86464F24583A24E8E3B085839C4605DEA2DFDE54E006980');
  test('2023 and 2024 profiles differ for Ed448; matching checks the profile', () => {
    const a = udfKeyFingerprint('Ed448', ed448);
    const b = udfKeyFingerprint('Ed448', ed448, { profile: 2024 });
    expect(a).toBe('MDE2-MKMI-773P-GJ3F-YYAI-UVCK-OMKS');
    expect(b).not.toBe(a);
    expect(udfMatchesKey(a.toLowerCase(), 'Ed448', ed448)).toBe(true);
    expect(udfMatchesKey(b, 'Ed448', ed448)).toBe(false);
    expect(udfMatchesKey(b, 'Ed448', ed448, 2024)).toBe(true);
  });

  test('a public key of the wrong length is refused', () => {
    meshError(() => udfKeyFingerprint('Ed448', ed448.subarray(1)), 'malformed');
    meshError(() => udfKeyFingerprint('X448', ed448.subarray(1)), 'malformed');
    meshError(() => udfKeyFingerprint('Ed25519', ed448), 'malformed');
  });

  test('udfPresent defaults to the whole BDS', () => {
    expect(udfPresent(Uint8Array.of(0x68, 1, 2, 3, 4))).toBe(base32Present(Uint8Array.of(0x68, 1, 2, 3, 4)));
  });
});

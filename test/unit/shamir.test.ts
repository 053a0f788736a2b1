import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MeshError } from '../../src/mesh/errors.ts';
import { base32Present } from '../../src/mesh/base32.ts';
import { parseShare, recoverSecret, sharePrime, splitSecret, splitShares, presentShare } from '../../src/mesh/shamir.ts';
import { isProbablePrime } from '../../src/mesh/keyderive.ts';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    return (e as MeshError).code;
  }
  return undefined;
}

describe('Shamir secret sharing', () => {
  test('any threshold-sized subset recovers the secret', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer(),
        (secret, n, t0, seed) => {
          const t = Math.min(t0, n);
          const shares = splitSecret(secret, n, t);
          expect(shares).toHaveLength(n);
          // A pseudo-random subset of size t.
          const order = shares.map((s, i) => ({ s, k: (i * 7919 + seed) % 1009 })).sort((a, b) => a.k - b.k);
          expect(recoverSecret(order.slice(0, t).map((o) => o.s))).toEqual(secret);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('shares present as S-type UDFs of the secret length (29 characters for 16 octets)', () => {
    const shares = splitSecret(new Uint8Array(16).fill(7), 3, 2);
    for (const s of shares) {
      expect(s).toMatch(/^S[A-Z2-7]{3}(-[A-Z2-7]{4}){6}-[A-Z2-7]$/);
      expect(presentShare(parseShare(s.toLowerCase()))).toBe(s);
    }
  });

  test('the primes of the table are the smallest above 2^(8k)', () => {
    for (const k of [1, 2, 3, 8, 16, 17, 32, 54, 64]) {
      const p = sharePrime(k);
      expect(isProbablePrime(p)).toBe(true);
      for (let c = (1n << BigInt(8 * k)) + 1n; c < p; c += 2n) expect(isProbablePrime(c)).toBe(false);
    }
  });

  test('too few, duplicated, mismatched or tampered shares are refused', () => {
    const secret = Uint8Array.from({ length: 16 }, (_, i) => i);
    const shares = splitSecret(secret, 5, 3);
    expect(code(() => recoverSecret(shares.slice(0, 2)))).toBe('truncated');
    expect(code(() => recoverSecret([]))).toBe('truncated');
    expect(code(() => recoverSecret([shares[0], shares[0], shares[1]]))).toBe('malformed');
    const other = splitSecret(secret, 5, 2);
    expect(code(() => recoverSecret([shares[0], shares[1], other[2]]))).toBe('malformed');
    const longer = splitSecret(new Uint8Array(20), 5, 3);
    expect(code(() => recoverSecret([shares[0], shares[1], longer[2]]))).toBe('malformed');
    // One altered character in a share beyond the threshold is detected.
    const tampered = shares[4].slice(0, 10) + (shares[4][10] === 'A' ? 'B' : 'A') + shares[4].slice(11);
    expect(code(() => recoverSecret([shares[0], shares[1], shares[2], tampered]))).toBe('integrity');
    expect(recoverSecret([shares[0], shares[1], shares[2], shares[3], shares[4]])).toEqual(secret);
    expect(code(() => recoverSecret(['MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4']))).toBe('malformed');
    expect(code(() => recoverSecret([base32Present(Uint8Array.of(0x90, 0x20))]))).toBe('truncated');
  });

  test('garbage share strings fail with MeshError only', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 60 }), { minLength: 1, maxLength: 4 }), (xs) => {
      try {
        recoverSecret(xs);
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
      }
    }), { numRuns: 200 });
  });

  test('invalid parameters are refused', () => {
    const s = new Uint8Array(16);
    expect(code(() => splitSecret(s, 16, 2))).toBe('malformed');
    expect(code(() => splitSecret(s, 3, 0))).toBe('malformed');
    expect(code(() => splitSecret(s, 3, 4))).toBe('malformed');
    expect(code(() => splitSecret(new Uint8Array(0), 3, 2))).toBe('malformed');
    expect(code(() => splitSecret(new Uint8Array(65), 3, 2))).toBe('malformed');
    expect(code(() => splitShares(s, 3, 2, [1n, 2n]))).toBe('malformed');
  });
});

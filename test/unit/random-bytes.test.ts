import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/mesh/bytes.ts';

describe('randomBytes', () => {
  it('hands out fresh bytes of the asked length, small ones from the pool and large ones directly', () => {
    const seen = new Set<string>();
    // Several pool refills' worth of 16- and 57-octet requests, none ever repeated.
    for (let i = 0; i < 2000; i++) {
      for (const n of [16, 57]) {
        const b = randomBytes(n);
        expect(b.length).toBe(n);
        const hex = Buffer.from(b).toString('hex');
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
    expect(randomBytes(0)).toEqual(new Uint8Array(0));
    const big = randomBytes(10_000);
    expect(big.length).toBe(10_000);
    expect(new Set(big).size).toBeGreaterThan(200); // not a zeroed buffer
  });

  it('returns copies: changing one result changes no other', () => {
    const a = randomBytes(32);
    const copy = a.slice();
    randomBytes(32).fill(7);
    expect(a).toEqual(copy);
  });
});

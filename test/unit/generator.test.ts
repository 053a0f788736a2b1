import { afterEach, describe, expect, it, vi } from 'vitest';
import { effectiveLength, DEFAULT_GENERATOR, generatePassword, parsePasswordRules, randomIndex } from '../../src/mesh/generator.ts';

const has = (re: RegExp) => (s: string) => re.test(s);

describe('randomIndex', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stays in range and hits every value', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = randomIndex(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });

  it('rejects draws from the biased tail instead of reducing them modulo n', () => {
    // n = 3: 2^32 = 3·1431655765 + 1, so the single value 2^32-1 must be rejected.
    const draws = [2 ** 32 - 1, 5];
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint32Array)[0] = draws.shift()!;
      return array;
    });
    expect(randomIndex(3)).toBe(2);
    expect(draws).toEqual([]);
  });

  it('refuses bad bounds', () => {
    expect(() => randomIndex(0)).toThrow(RangeError);
    expect(() => randomIndex(1.5)).toThrow(RangeError);
  });

  it('is roughly uniform (chi-square, 10 bins)', () => {
    const counts = new Array(10).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[randomIndex(10)]++;
    const expected = n / 10;
    const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(35); // p ≈ 1e-4 for 9 degrees of freedom
  });
});

describe('generatePassword', () => {
  it('gives 20 characters with every class by default', () => {
    for (let i = 0; i < 50; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(20);
      for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/]) expect(p).toSatisfy(has(re));
    }
  });

  it('honours length and classes', () => {
    const p = generatePassword({ length: 32, symbols: false, upper: false });
    expect(p).toMatch(/^[a-z0-9]{32}$/);
    expect(p).toMatch(/[0-9]/);
    expect(generatePassword({ length: 10, lower: false, upper: false, digits: true, symbols: false })).toMatch(/^\d{10}$/);
    expect(generatePassword({ lower: false, upper: false, digits: false, symbols: false })).toMatch(/^[a-z]{20}$/);
  });

  it('leaves out ambiguous characters when asked', () => {
    for (let i = 0; i < 50; i++) expect(generatePassword({ length: 64, avoidAmbiguous: true })).not.toMatch(/[0Oo1lI|]/);
  });

  it("honours the field's maxlength and minlength", () => {
    expect(generatePassword({ maxLength: 12 })).toHaveLength(12);
    expect(generatePassword({ length: 8, minLength: 16 })).toHaveLength(16);
    expect(generatePassword({ length: 500 })).toHaveLength(128);
    const short = generatePassword({ maxLength: 2 });
    expect(short).toHaveLength(2);
  });

  it('is different every time', () => {
    const set = new Set(Array.from({ length: 200 }, () => generatePassword({ length: 12 })));
    expect(set.size).toBe(200);
  });
});

describe('passwordrules', () => {
  it('parses required, allowed, max-consecutive and lengths', () => {
    const r = parsePasswordRules('required: lower; required: upper; required: digit; allowed: [-().&@?\'#,/"+]; max-consecutive: 2; minlength: 8; maxlength: 16;');
    expect(r.required).toHaveLength(3);
    expect(r.allowed).toBe('-().&@?\'#,/"+');
    expect(r.maxConsecutive).toBe(2);
    expect(r.minLength).toBe(8);
    expect(r.maxLength).toBe(16);
  });

  it('ignores garbage', () => {
    expect(parsePasswordRules('nonsense; required: nothing; maxlength: -3; : ;')).toEqual({ required: [], allowed: '' });
  });

  it('generates passwords that follow the rules', () => {
    const rules = 'required: lower; required: upper; required: digit, [-_]; allowed: [!]; max-consecutive: 1; maxlength: 14;';
    for (let i = 0; i < 100; i++) {
      const p = generatePassword({ rules, length: 30 });
      expect(p).toHaveLength(14);
      expect(p).toMatch(/^[a-zA-Z0-9\-_!]+$/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9\-_]/);
      expect(p).not.toMatch(/(.)\1/);
    }
  });

  it('uses only the allowed characters when the rules list no required class', () => {
    const p = generatePassword({ rules: 'allowed: digit; minlength: 6; maxlength: 6' });
    expect(p).toMatch(/^\d{6}$/);
  });

  it('lets the smaller of field maxlength and rule maxlength win', () => {
    expect(effectiveLength({ ...DEFAULT_GENERATOR, maxLength: 10 }, parsePasswordRules('maxlength: 12'))).toBe(10);
    expect(effectiveLength({ ...DEFAULT_GENERATOR, maxLength: 30 }, parsePasswordRules('maxlength: 12'))).toBe(12);
  });
});

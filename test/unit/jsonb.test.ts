import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeJsonb, decodeJsonbItems, encodeJsonb, jsonbBinary, jsonbString, JSONB_MAX_DEPTH } from '../../src/mesh/jsonb.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { fromHex, toHex, utf8 } from '../../src/mesh/bytes.ts';

const hex = (b: Uint8Array) => toHex(b).toUpperCase();

function expectMeshError(f: () => unknown, code?: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    if (code) expect((e as MeshError).code).toBe(code);
    return;
  }
  throw new Error('expected a MeshError');
}

describe('JSON-B writer', () => {
  test('lexical items as dare.md §1.2 lists them', () => {
    expect(hex(jsonbString('S512'))).toBe('800453353132');
    expect(hex(jsonbBinary(Uint8Array.of(0)))).toBe('880100');
    expect(hex(jsonbBinary(new Uint8Array(300)).subarray(0, 3))).toBe('89012C');
    expect(hex(encodeJsonb(true))).toBe('B0');
    expect(hex(encodeJsonb(false))).toBe('B1');
    expect(hex(encodeJsonb(null))).toBe('B2');
    expect(hex(encodeJsonb(5))).toBe('A005');
    expect(hex(encodeJsonb(300))).toBe('A1012C');
    expect(hex(encodeJsonb(-1))).toBe('A801');
    expect(hex(encodeJsonb(2 ** 40))).toBe('A30000010000000000');
    expect(hex(encodeJsonb([1, 'a']))).toBe('5BA001800161' + '5D');
    // Members are tag items (B4 + length + name), no ':' or ','.
    expect(hex(encodeJsonb({ a: 1 }))).toBe('7BB40161A0017D');
  });

  test('string lengths count UTF-8 octets, not UTF-16 units', () => {
    expect(hex(jsonbString('é'))).toBe('8002C3A9');
  });

  test('refuses what it cannot encode', () => {
    expectMeshError(() => encodeJsonb(1.5), 'unsupported');
    expectMeshError(() => encodeJsonb(() => 1), 'unsupported');
  });
});

describe('JSON-B reader', () => {
  test('decodes chunked strings and binaries', () => {
    expect(decodeJsonb(fromHex('840161800162'))).toBe('ab');
    expect(decodeJsonb(fromHex('8C0101880102'))).toEqual(Uint8Array.of(1, 2));
  });

  test('tolerates JSON separators between items', () => {
    expect(decodeJsonb(fromHex('5BA0012CA0025D'))).toEqual([1, 2]);
    expect(decodeJsonb(fromHex('7BB40161 3A A001 7D'.replace(/ /g, '')))).toEqual({ a: 1 });
  });

  test('items: an EDS is two binary items', () => {
    expect(decodeJsonbItems(fromHex('880100880A323031382D30322D3031'))).toEqual([Uint8Array.of(0), utf8('2018-02-01')]);
  });

  test('bad input gives MeshError with a code', () => {
    expectMeshError(() => decodeJsonb(new Uint8Array()), 'truncated');
    expectMeshError(() => decodeJsonb(fromHex('8005414243')), 'truncated');
    expectMeshError(() => decodeJsonb(fromHex('83FFFFFFFFFFFFFFFF')), 'oversized');
    expectMeshError(() => decodeJsonb(fromHex('B0B0')), 'malformed');
    expectMeshError(() => decodeJsonb(fromHex('7BA0017D')), 'malformed');
    expectMeshError(() => decodeJsonb(fromHex('7BB40161A001B40161A0027D')), 'malformed');
    expectMeshError(() => decodeJsonb(fromHex('8002C328')), 'malformed');
    expectMeshError(() => decodeJsonb(fromHex('FF')), 'unsupported');
    expectMeshError(() => decodeJsonb(new Uint8Array(JSONB_MAX_DEPTH + 2).fill(0x5b)), 'oversized');
  });

  test('objects decode without a prototype to pollute', () => {
    const v = decodeJsonb(encodeJsonb({ __proto__x: 1, constructor: 2 })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(v.constructor).toBe(2);
  });
});

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string(),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('JSON-B properties', () => {
  test('round trip', () => {
    fc.assert(
      fc.property(value, (v) => {
        const back = decodeJsonb(encodeJsonb(v));
        expect(JSON.stringify(back, (_k, x) => (x instanceof Uint8Array ? hex(x) : x))).toBe(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? hex(x) : x)));
      }),
      { numRuns: 200 },
    );
  });

  test('arbitrary and mutated input: only MeshError', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(value, fc.nat(), fc.nat(255)).map(([v, i, b]) => {
        const e = encodeJsonb(v);
        if (e.length) e[i % e.length] ^= b || 1;
        return e;
      }),
      value.map((v) => {
        const e = encodeJsonb(v);
        return e.subarray(0, Math.floor(e.length / 2));
      }),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          decodeJsonb(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SearchIndex } from '../../../src/background/search-index.ts';

type Op = { kind: 'put'; id: number; key: string; group: string | null } | { kind: 'remove'; id: number } | { kind: 'read' };

const keys = (rows: { sortKey: string }[]) => rows.map((r) => r.sortKey);

describe('SearchIndex', () => {
  it('keeps display order and groups right through puts and removes after the first read', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), id: fc.nat(30), key: fc.constantFrom('a', 'b', 'B', 'c', 'ab', ''), group: fc.constantFrom('g1', 'g2', null) }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.nat(30) }),
      fc.constant({ kind: 'read' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const index = new SearchIndex<string>();
        const model = new Map<string, { key: string; group: string | null }>();
        for (const o of ops) {
          if (o.kind === 'put') {
            index.put(`${o.id}`, `${o.id}`, [o.key], o.key, o.group);
            model.set(`${o.id}`, { key: o.key.toLowerCase(), group: o.group });
          } else if (o.kind === 'remove') {
            index.remove(`${o.id}`);
            model.delete(`${o.id}`);
          } else index.all();
        }
        const sorted = [...model.values()].map((m) => m.key).sort();
        expect(keys(index.all())).toEqual(sorted);
        expect(index.size).toBe(model.size);
        for (const g of ['g1', 'g2']) {
          const ids = index.inGroup(g).map((r) => r.id).sort();
          expect(ids).toEqual([...model].filter(([, m]) => m.group === g).map(([id]) => id).sort());
          expect(keys(index.inGroup(g))).toEqual([...keys(index.inGroup(g))].sort());
        }
      }),
      { numRuns: 500 },
    );
  });

  it('answers the empty query with the first rows and the full count', () => {
    const index = new SearchIndex<string>();
    for (const t of ['delta', 'alpha', 'charlie', 'bravo']) index.put(t, t, [t], t);
    expect(index.search('', 2)).toEqual({ items: ['alpha', 'bravo'], total: 4 });
    expect(index.search('  ', 10)).toEqual({ items: ['alpha', 'bravo', 'charlie', 'delta'], total: 4 });
    expect(index.search('a', 10, (s) => s !== 'alpha')).toEqual({ items: ['bravo', 'charlie', 'delta'], total: 3 });
  });
});

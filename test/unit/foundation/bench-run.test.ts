import { describe, expect, it } from 'vitest';
import { markdown, passes } from '../../../bench/run.ts';

describe('bench runner', () => {
  it('judges a figure against its target in the right direction', () => {
    expect(passes({ measure: 'm', value: 80, unit: 'ms', target: 80, better: 'lower' })).toBe(true);
    expect(passes({ measure: 'm', value: 81, unit: 'ms', target: 80, better: 'lower' })).toBe(false);
    expect(passes({ measure: 'm', value: 10, unit: 'MB/s', target: 20, better: 'higher' })).toBe(false);
    expect(passes({ measure: 'm', value: 20, unit: 'MB/s', target: 20, better: 'higher' })).toBe(true);
    expect(passes({ measure: 'm', value: 1, unit: 'ms', better: 'lower' })).toBeNull();
  });

  it('writes one table row per result, and the failures', () => {
    const md = markdown(
      [
        { measure: 'open', value: 90, unit: 'ms', target: 80, better: 'lower', env: 'chromium', bench: 'a.bench.ts', pass: false },
        { measure: 'size', value: 5, unit: 'KiB', better: 'lower', bench: 'b.bench.ts', pass: null, note: 'n' },
      ],
      [{ bench: 'c.bench.ts', error: 'boom\nmore' }],
      1.5,
    );
    expect(md).toContain('| measure | env | figure | target | pass/fail | note | bench |');
    expect(md).toContain('| open | chromium | 90 ms | ≤ 80 ms | **FAIL** |  | a.bench.ts |');
    expect(md).toContain('| size | node | 5 KiB | — | — | n | b.bench.ts |');
    expect(md).toContain('- c.bench.ts: boom more');
  });
});

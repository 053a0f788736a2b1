// Large files: 10,000 rows well under a second, and a file just under the 50 MiB limit imports.
import { describe, expect, it } from 'vitest';
import { importFile } from '../../../src/import/index.ts';

function chromeCsv(rows: number, notePadding: number): Uint8Array {
  const pad = 'n'.repeat(notePadding);
  const lines = ['name,url,username,password,note'];
  for (let i = 0; i < rows; i++) lines.push(`site${i},https://site${i}.example.com/login,user${i}@example.com,"P@ss,${i}",${pad}`);
  return new TextEncoder().encode(lines.join('\n'));
}

describe('large files', () => {
  it('parses 10,000 rows in well under a second', () => {
    const bytes = chromeCsv(10_000, 0);
    const started = performance.now();
    const outcome = importFile({ bytes });
    const ms = performance.now() - started;
    expect(outcome.kind === 'records' && outcome.records.length).toBe(10_000);
    expect(ms).toBeLessThan(1000);
  });

  it('imports a file just under 50 MiB', () => {
    const bytes = chromeCsv(40_000, 1220);
    expect(bytes.length).toBeGreaterThan(49 * 1024 * 1024);
    expect(bytes.length).toBeLessThanOrEqual(50 * 1024 * 1024);
    const outcome = importFile({ bytes });
    expect(outcome.kind === 'records' && outcome.records.length).toBe(40_000);
  });
});

// Sizes of the shipped build (minified): each entry with the chunks it statically imports.
// The content script runs in every frame of every page, so it has a budget (issue 2/7: ≤ 30 KiB).
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildExtension } from '../test/e2e/harness/build.ts';
import type { BenchResult } from './types.ts';

const IMPORT = /(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g;

/** The file plus every file it statically imports, transitively (relative imports in built output). */
async function closure(dist: string, file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = await readFile(join(dist, file), 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    await closure(dist, relative(dist, join(dist, dirname(file), m[1]!)), seen);
  }
  return seen;
}

async function size(dist: string, entry: string): Promise<{ bytes: number; gzip: number; files: number }> {
  const files = await closure(dist, entry);
  let bytes = 0;
  let gzip = 0;
  for (const f of files) {
    const data = await readFile(join(dist, f));
    bytes += data.length;
    gzip += gzipSync(data).length;
  }
  return { bytes, gzip, files: files.size };
}

export async function run(): Promise<BenchResult[]> {
  const dist = await buildExtension('shipped');
  try {
    const kib = (n: number) => Math.round((n / 1024) * 10) / 10;
    const rows: [string, string, number | undefined][] = [
      ['content script (content.js)', 'content.js', 30],
      ['popup (popup.js + imported chunks)', 'popup.js', undefined],
      ['background (background.js + imported chunks)', 'background.js', undefined],
    ];
    const results: BenchResult[] = [];
    for (const [measure, entry, target] of rows) {
      const s = await size(dist, entry);
      results.push({
        measure: `size: ${measure}`,
        value: kib(s.bytes),
        unit: 'KiB',
        target,
        better: 'lower',
        note: `${kib(s.gzip)} KiB gzipped, ${s.files} file(s)`,
      });
    }
    return results;
  } finally {
    await rm(dist, { recursive: true, force: true });
  }
}

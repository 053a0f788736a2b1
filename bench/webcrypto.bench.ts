// Baseline for the browser bench infrastructure: WebCrypto SHA-512 over 1 MiB in node, a Chromium page,
// the extension service worker and a Firefox page (toolchain.md measured 621 / 444 / 430 / 237 MB/s).
import { resolve } from 'node:path';
import { openBrowserBench, type BenchWhere } from './browser/index.ts';
import { sha512Throughput } from './browser/sample.entry.ts';
import type { BenchResult } from './types.ts';

const ENTRY = resolve(import.meta.dirname, 'browser/sample.entry.ts');
const measure = 'SHA-512 of 1 MiB (WebCrypto)';

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [{ measure, value: round(await sha512Throughput(1)), unit: 'MB/s', better: 'higher', env: 'node' }];
  for (const where of ['chromium', 'chromium-sw', 'firefox'] as BenchWhere[]) {
    const bench = await openBrowserBench(ENTRY, where);
    try {
      const value = await bench.call<number>('sha512Throughput', 1);
      results.push({ measure, value: round(value), unit: 'MB/s', better: 'higher', env: where });
    } finally {
      await bench.close();
    }
  }
  return results;
}

const round = (x: number) => Math.round(x * 10) / 10;

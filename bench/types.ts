// What every bench/*.bench.ts returns from `export async function run(): Promise<BenchResult[]>`.
export interface BenchResult {
  /** What was measured, e.g. "catalog open, 10,000 entries". */
  measure: string;
  value: number;
  /** e.g. "ms", "KB", "MB/s", "bytes/entry". */
  unit: string;
  /** The target in the same unit, when it names one. */
  target?: number;
  better: 'lower' | 'higher';
  /** Where it ran; default node. */
  env?: 'node' | 'chromium' | 'firefox' | 'chromium-sw';
  /** Anything that helps read the figure (sample count, spread). */
  note?: string;
}

export type BenchModule = { run(): Promise<BenchResult[]> };

// `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (or those whose name contains a FILTER) one
// after another, then writes bench/results.json and bench/results.md. The whole run has 10 minutes;
// a bench that throws or runs out of time is reported and the run exits non-zero (a missed target does not).
import { readdir, writeFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchModule, BenchResult } from './types.ts';

const DIR = import.meta.dirname;
const BUDGET_MS = 10 * 60 * 1000;

interface Row extends BenchResult {
  bench: string;
  pass: boolean | null;
}

interface Failure {
  bench: string;
  error: string;
}

export function passes(r: BenchResult): boolean | null {
  if (r.target === undefined) return null;
  return r.better === 'lower' ? r.value <= r.target : r.value >= r.target;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, failed) => {
    timer = setTimeout(() => failed(new Error(`${what} exceeded the remaining budget of ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function markdown(rows: Row[], failures: Failure[], seconds: number): string {
  const figure = (r: Row) => `${r.value} ${r.unit}`;
  const target = (r: Row) => (r.target === undefined ? '—' : `${r.better === 'lower' ? '≤' : '≥'} ${r.target} ${r.unit}`);
  const verdict = (r: Row) => (r.pass === null ? '—' : r.pass ? 'pass' : '**FAIL**');
  const lines = [
    '# MeshPass benchmarks',
    '',
    `${new Date().toISOString()} · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${seconds.toFixed(1)} s`,
    '',
    '| measure | env | figure | target | pass/fail | note | bench |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${r.env ?? 'node'} | ${figure(r)} | ${target(r)} | ${verdict(r)} | ${r.note ?? ''} | ${r.bench} |`),
  ];
  if (failures.length) lines.push('', '## Benches that failed to run', '', ...failures.map((f) => `- ${f.bench}: ${f.error.replaceAll('\n', ' ')}`));
  return lines.join('\n') + '\n';
}

async function main(filters: string[]): Promise<number> {
  const started = performance.now();
  const files = (await readdir(DIR))
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const rows: Row[] = [];
  const failures: Failure[] = [];
  for (const file of files) {
    const left = BUDGET_MS - (performance.now() - started);
    const benchStarted = performance.now();
    try {
      if (left <= 0) throw new Error('not run: the 10-minute budget is spent');
      const mod = (await import(pathToFileURL(join(DIR, file)).href)) as Partial<BenchModule>;
      if (typeof mod.run !== 'function') throw new Error('does not export run()');
      const results = await withTimeout(mod.run(), left, file);
      for (const r of results) rows.push({ ...r, bench: file, pass: passes(r) });
      console.log(`✓ ${file} (${((performance.now() - benchStarted) / 1000).toFixed(1)} s)`);
      for (const r of results) console.log(`    ${r.measure} [${r.env ?? 'node'}]: ${r.value} ${r.unit}${r.target === undefined ? '' : ` (target ${r.target}: ${passes(r) ? 'pass' : 'FAIL'})`}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ bench: file, error: message });
      console.error(`✗ ${file}: ${message}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const json = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model },
    seconds: Math.round(seconds * 10) / 10,
    results: rows,
    failures,
  };
  // Partial runs (filters) still write the files; the table says which benches ran.
  await writeFile(join(DIR, 'results.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(DIR, 'results.md'), markdown(rows, failures, seconds));
  console.log(`wrote bench/results.json and bench/results.md (${rows.length} results, ${failures.length} failed, ${seconds.toFixed(1)} s)`);
  return failures.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}

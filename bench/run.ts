// `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (found by glob at run time, so new benches
// join by being added; or those whose name contains a FILTER), one after another, each in its own
// child process, then writes bench/results.json and bench/results.md (bench/report.ts: the figures
// the issues name with their targets, then every figure).
// The whole run has 10 minutes. Each bench gets what is left minus a reserve for the benches still to
// run; one that throws or runs out of time is killed with its browsers (its process group), reported,
// and the run goes on; the run then exits non-zero (a missed target does not).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchModule, BenchResult } from './types.ts';
import { markdown as report, passes, requiredSummary, type Failure, type Meta, type ResultsJson, type Row } from './report.ts';

export { passes };
export type { Failure, Row };

const DIR = import.meta.dirname;
const BUDGET_MS = Number(process.env.MESHPASS_BENCH_BUDGET_MS ?? 10 * 60 * 1000);
/**
 * Kept back for each bench that has not run yet, so one slow bench cannot starve the rest: its duration
 * in the last run (results.json `benchSeconds`), at most 2 minutes; 25 s for a bench never timed.
 */
const DEFAULT_RESERVE_MS = 25_000;
const MAX_RESERVE_MS = 120_000;
/** What a bench gets at least, when that much is left. */
const MIN_SHARE_MS = 30_000;
/** Time for the report after the last bench. */
const FINAL_RESERVE_MS = 5_000;

/** The markdown report (see bench/report.ts). */
export function markdown(rows: Row[], failures: Failure[], seconds: number, meta?: Partial<Meta>): string {
  return report(rows, failures, {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    ...meta,
    seconds,
  });
}

/** Child mode: runs one bench file and writes its results (JSON) to `out`. */
async function runOne(file: string, out: string): Promise<void> {
  const mod = (await import(pathToFileURL(join(DIR, file)).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') throw new Error('does not export run()');
  const results: BenchResult[] = await mod.run();
  // NaN (a figure that could not be taken) does not survive JSON: keep it as null.
  await writeFile(out, JSON.stringify(results));
}

interface ChildOutcome {
  results?: BenchResult[];
  error?: string;
}

/** Runs one bench in a child process (own process group: a timeout kills its browsers too). */
async function runChild(file: string, timeoutMs: number): Promise<ChildOutcome> {
  const tmp = await mkdtemp(join(tmpdir(), 'meshpass-bench-'));
  const out = join(tmp, 'results.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(DIR, 'run.ts'), '--one', file, '--out', out], {
      cwd: join(DIR, '..'),
      stdio: ['ignore', 'inherit', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr += d;
      process.stderr.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    clearTimeout(timer);
    // Whatever the bench left running (a browser it did not close) goes with its group.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
    if (timedOut) return { error: `ran out of time (${Math.round(timeoutMs / 1000)} s of the 10-minute budget) and was stopped` };
    if (code !== 0) {
      const last = stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-3).join(' ');
      return { error: `exited with code ${code}: ${last || 'no message'}` };
    }
    const results = JSON.parse(await readFile(out, 'utf8')) as (Omit<BenchResult, 'value'> & { value: number | null })[];
    return { results: results.map((r) => ({ ...r, value: r.value ?? NaN })) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function discover(filters: string[] = []): Promise<string[]> {
  return (await readdir(DIR))
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
}

async function main(filters: string[]): Promise<number> {
  const started = performance.now();
  const files = await discover(filters);
  console.log(`benches: ${files.join(', ')} (budget ${Math.round(BUDGET_MS / 1000)} s)`);
  const rows: Row[] = [];
  const failures: Failure[] = [];
  const previous = await readFile(join(DIR, 'results.json'), 'utf8')
    .then((t) => (JSON.parse(t) as ResultsJson).benchSeconds ?? {})
    .catch(() => ({}) as Record<string, number>);
  const reserve = (f: string) => (previous[f] === undefined ? DEFAULT_RESERVE_MS : Math.min(MAX_RESERVE_MS, previous[f] * 1000));
  const benchSeconds: Record<string, number> = {};
  for (const [i, file] of files.entries()) {
    const left = BUDGET_MS - (performance.now() - started) - FINAL_RESERVE_MS;
    const kept = files.slice(i + 1).reduce((sum, f) => sum + reserve(f), 0);
    // Enough time when there is; under overload, a share of what is left in proportion to its last duration.
    const budget = Math.max(left - kept, (left * reserve(file)) / (reserve(file) + kept), Math.min(left, MIN_SHARE_MS));
    const benchStarted = performance.now();
    const seconds = () => (performance.now() - benchStarted) / 1000;
    if (budget <= 0) {
      failures.push({ bench: file, error: 'not run: the 10-minute budget is spent' });
      console.error(`✗ ${file}: not run, the budget is spent`);
      continue;
    }
    console.log(`▶ ${file} (up to ${Math.round(budget / 1000)} s)`);
    const outcome = await runChild(file, budget);
    // A bench stopped for time took longer than that: keep the larger figure.
    benchSeconds[file] = Math.round((outcome.results ? seconds() : Math.max(previous[file] ?? 0, seconds())) * 10) / 10;
    if (!outcome.results) {
      failures.push({ bench: file, error: outcome.error ?? 'failed', seconds: seconds() });
      console.error(`✗ ${file}: ${outcome.error}`);
      continue;
    }
    for (const r of outcome.results) rows.push({ ...r, bench: file, pass: passes(r) });
    console.log(`✓ ${file} (${seconds().toFixed(1)} s)`);
    for (const r of outcome.results) console.log(`    ${r.measure} [${r.env ?? 'node'}]: ${r.value} ${r.unit}${r.target === undefined ? '' : ` (target ${r.target}: ${passes(r) ? 'pass' : 'FAIL'})`}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const load = loadavg().map((l) => Math.round(l * 10) / 10);
  const json: ResultsJson = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model, load },
    seconds: Math.round(seconds * 10) / 10,
    results: rows,
    failures,
    benchSeconds: { ...previous, ...benchSeconds },
    required: requiredSummary(rows),
  };
  // Partial runs (filters) still write the files; the table says which benches ran.
  await writeFile(join(DIR, 'results.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(DIR, 'results.md'), markdown(rows, failures, seconds, { load }));
  const missing = json.required!.filter((r) => r.status !== 'measured');
  console.log(`wrote bench/results.json and bench/results.md (${rows.length} results, ${failures.length} benches failed, ${seconds.toFixed(1)} s)`);
  if (missing.length) console.log(`issue figures not measured: ${missing.map((m) => `#${m.issue} ${m.name}`).join('; ')}`);
  return failures.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const one = argv.indexOf('--one');
  if (one >= 0) {
    const out = argv[argv.indexOf('--out') + 1];
    try {
      await runOne(argv[one + 1], out);
      process.exit(0); // a bench may leave handles open; its figures are written
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    }
  } else process.exitCode = await main(argv);
}

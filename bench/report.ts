// The benchmark report: every figure the issues name (REQUIRED), matched against what the benches
// returned, plus every other figure. A named measure no bench produced is listed as "missing", so a
// gap shows in the table instead of disappearing. `npx tsx bench/report.ts` rewrites results.md from
// results.json (e.g. after editing this list) without running the benches again.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './types.ts';

export interface Row extends BenchResult {
  /** The bench file it came from. */
  bench: string;
  pass: boolean | null;
}

export interface Failure {
  bench: string;
  error: string;
  seconds?: number;
}

/** A figure an issue asks `npm run bench` for. */
export interface Required {
  issue: number;
  /** How the issue names it. */
  name: string;
  /** Matches the measure of the bench row(s) that answer it. */
  match: RegExp;
  env?: BenchResult['env'];
  /** The issue's target, in `unit`, when it names one. */
  target?: number;
  unit?: string;
  better?: 'lower' | 'higher';
}

export const REQUIRED: Required[] = [
  { issue: 3, name: 'catalog open, 10,000 entries, Chromium', match: /^catalog open, 10,000 entries, from snapshot/, env: 'chromium', target: 80, unit: 'ms', better: 'lower' },
  { issue: 3, name: 'catalog open, 10,000 entries, node', match: /^catalog open, 10,000 entries, from snapshot/, env: 'node' },
  { issue: 3, name: 'catalog open, 100,000 entries (linear growth)', match: /^catalog open, 100,000 entries, from snapshot/ },
  { issue: 3, name: 'bytes of overhead per entry vs plaintext JSON', match: /overhead per entry/ },
  { issue: 4, name: 'incremental sync of 1 changed entry, 10,000-entry catalog (bytes, ms)', match: /^incremental sync of 1 changed entry/ },
  { issue: 4, name: 'initial sync of 10,000 entries, verification included', match: /^initial sync of 10,000/, target: 2000, unit: 'ms', better: 'lower' },
  { issue: 4, name: 'Transact throughput, 50 concurrent clients', match: /^Transact throughput, 50 concurrent clients/ },
  { issue: 4, name: 'Transact p99 latency, 50 concurrent clients', match: /p99/ },
  { issue: 4, name: 'service memory with 1,000 accounts', match: /memory.*1,000 accounts/ },
  { issue: 5, name: 'unlock to ready, 10,000 credentials, Chromium (excl. KDF)', match: /^unlock to ready, 10,000/, target: 300, unit: 'ms', better: 'lower' },
  { issue: 5, name: 'passphrase KDF time', match: /^passphrase KDF/ },
  { issue: 5, name: 'worker JS heap, 10,000 credentials unlocked', match: /^worker JS heap, 10,000/, target: 25, unit: 'MB', better: 'lower' },
  { issue: 7, name: 'content script size (minified)', match: /^size: content script/, target: 30, unit: 'KiB', better: 'lower' },
  { issue: 7, name: 'detection, typical login page', match: /^autofill: detection, typical login page$/, env: 'chromium', target: 2, unit: 'ms', better: 'lower' },
  { issue: 7, name: 'detection, 10,000-element page', match: /^autofill: detection, 10,000-element page$/, env: 'chromium', target: 30, unit: 'ms', better: 'lower' },
  { issue: 7, name: 'fill latency, click to filled fields', match: /fill latency|detect \+ fill/, env: 'chromium', target: 50, unit: 'ms', better: 'lower' },
  { issue: 7, name: 'main-thread cost of a 10,000-node mutation storm', match: /mutation storm/, env: 'chromium' },
  { issue: 8, name: 'import of 10,000 Chrome CSV rows, file pick to synced, Chromium', match: /import.*10,000.*(CSV|csv)|10,000 Chrome CSV/, target: 3000, unit: 'ms', better: 'lower' },
  { issue: 9, name: 'mirror of 5,000 bookmarks: first import', match: /^mirror of 5,000 bookmarks: (first|initial) (import|mirror)/i },
  { issue: 9, name: 'mirror of 5,000 bookmarks: single-change round trip', match: /^mirror of 5,000 bookmarks: (single|one|1)[- ]change/i },
  { issue: 10, name: 'popup open to first meaningful paint, 10,000 credentials', match: /^popup open to first meaningful paint/, target: 150, unit: 'ms', better: 'lower' },
  { issue: 10, name: 'search keystroke to updated list, 10,000 credentials', match: /^search keystroke to updated list/, target: 16, unit: 'ms', better: 'lower' },
];

export function verdict(value: number, target: number | undefined, better: 'lower' | 'higher'): boolean | null {
  if (target === undefined || !Number.isFinite(value)) return target === undefined ? null : false;
  return better === 'lower' ? value <= target : value >= target;
}

export function passes(r: BenchResult): boolean | null {
  return verdict(r.value, r.target, r.better);
}

export interface Check {
  required: Required;
  /** The rows that answer it (several when it is measured in more than one place). */
  rows: Row[];
  status: 'measured' | 'missing' | 'not measured';
  /** The verdict against the issue's target (null: no target named). */
  pass: boolean | null;
}

const envOf = (r: BenchResult) => r.env ?? 'node';

/** Matches every required figure against the rows; the issue's target decides the verdict. */
export function check(rows: Row[]): Check[] {
  return REQUIRED.map((required) => {
    const found = rows.filter((r) => required.match.test(r.measure) && (!required.env || envOf(r) === required.env || (required.env === 'chromium' && envOf(r) === 'chromium-sw')));
    const measured = found.filter((r) => Number.isFinite(r.value));
    if (!found.length) return { required, rows: [], status: 'missing', pass: required.target === undefined ? null : false };
    if (!measured.length) return { required, rows: found, status: 'not measured', pass: required.target === undefined ? null : false };
    const verdicts = measured.map((r) => (required.target !== undefined && (!required.unit || r.unit === required.unit) ? verdict(r.value, required.target, required.better ?? r.better) : r.pass));
    const pass = verdicts.includes(false) ? false : verdicts.includes(true) ? true : null;
    return { required, rows: measured, status: 'measured', pass };
  });
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
const num = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en', { maximumFractionDigits: 2 }) : 'n/a');
const mark = (p: boolean | null) => (p === null ? '—' : p ? 'pass' : '**FAIL**');
const targetText = (target: number | undefined, better: 'lower' | 'higher', unit: string) =>
  target === undefined ? '—' : `${better === 'lower' ? '≤' : '≥'} ${num(target)} ${unit}`;

export interface Meta {
  generatedAt: string;
  node: string;
  cpus: number;
  cpu?: string;
  seconds: number;
  load?: number[];
}

export function markdown(rows: Row[], failures: Failure[], meta: Meta): string {
  const checks = check(rows);
  const withTarget = checks.filter((c) => c.required.target !== undefined);
  const count = (f: (c: Check) => boolean) => withTarget.filter(f).length;
  const lines = [
    '# MeshPass benchmarks',
    '',
    `${meta.generatedAt} · node ${meta.node} · ${meta.cpus} × ${meta.cpu ?? 'cpu'}${meta.load ? ` · load average ${meta.load.map((l) => l.toFixed(1)).join(' ')}` : ''} · ${meta.seconds.toFixed(1)} s`,
    '',
    `Targets named in the issues: ${withTarget.length}; pass ${count((c) => c.pass === true)}, fail ${count((c) => c.pass === false && c.status === 'measured')}, not measured ${count((c) => c.status !== 'measured')}.`,
    '',
    '## Figures the issues name',
    '',
    '| issue | measure | figure | target | pass/fail | env | note |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of checks) {
    const req = c.required;
    if (c.status !== 'measured') {
      const why = c.status === 'missing' ? 'missing: no bench reports it' : `not measured: ${c.rows.map((r) => r.note ?? '').join('; ')}`;
      lines.push(`| ${req.issue} | ${cell(req.name)} | — | ${targetText(req.target, req.better ?? 'lower', req.unit ?? '')} | ${req.target === undefined ? c.status : `**FAIL** (${c.status})`} | ${req.env ?? ''} | ${cell(why)} |`);
      continue;
    }
    for (const r of c.rows) {
      const target = req.target !== undefined && (!req.unit || r.unit === req.unit) ? req.target : r.target;
      const pass = verdict(r.value, target, req.better ?? r.better);
      const note = [r.measure === req.name ? '' : r.measure, r.note ?? ''].filter(Boolean).join(' — ');
      lines.push(`| ${req.issue} | ${cell(req.name)} | ${num(r.value)} ${r.unit} | ${targetText(target, req.better ?? r.better, r.unit)} | ${mark(pass)} | ${envOf(r)} | ${cell(note)} |`);
    }
  }
  if (rows.length) {
    lines.push('', '## All figures', '', '| measure | env | figure | target | pass/fail | note | bench |', '|---|---|---|---|---|---|---|');
    for (const r of rows) lines.push(`| ${cell(r.measure)} | ${envOf(r)} | ${num(r.value)} ${r.unit} | ${targetText(r.target, r.better, r.unit)} | ${mark(r.pass)} | ${cell(r.note ?? '')} | ${r.bench} |`);
  }
  if (failures.length) {
    lines.push('', '## Benches that failed to run', '', ...failures.map((f) => `- ${f.bench}${f.seconds === undefined ? '' : ` (after ${f.seconds.toFixed(1)} s)`}: ${cell(f.error)}`));
  }
  return lines.join('\n') + '\n';
}

export interface ResultsJson {
  generatedAt: string;
  machine: { node: string; platform: string; cpus: number; cpu?: string; load?: number[] };
  seconds: number;
  results: Row[];
  failures: Failure[];
  /** How long each bench took (the next run keeps that much time back for it). */
  benchSeconds?: Record<string, number>;
  required?: { issue: number; name: string; status: Check['status']; pass: boolean | null; measures: string[] }[];
}

export function requiredSummary(rows: Row[]): NonNullable<ResultsJson['required']> {
  return check(rows).map((c) => ({ issue: c.required.issue, name: c.required.name, status: c.status, pass: c.pass, measures: c.rows.map((r) => r.measure) }));
}

/** Rewrites bench/results.md from bench/results.json. */
async function main(): Promise<void> {
  const dir = import.meta.dirname;
  const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as ResultsJson;
  const rows = json.results.map((r) => ({ ...r, value: r.value ?? NaN }));
  const meta: Meta = { generatedAt: json.generatedAt, node: json.machine.node, cpus: json.machine.cpus, cpu: json.machine.cpu, seconds: json.seconds, load: json.machine.load };
  await writeFile(join(dir, 'results.md'), markdown(rows, json.failures, meta));
  console.log('wrote bench/results.md');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

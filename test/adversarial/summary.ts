/**
 * Adversarial suite report: cases per category, attacks detected, invariants checked.
 *
 * How the figures are merged (unit and e2e vitest projects, many test files, many workers):
 * - Every test file owns one part file, `test-results/adversarial/parts/<project>--<test file>.json`.
 *   The first `recordCase` of a process for that file replaces the part (so re-running a file replaces
 *   its own figures and keeps the other files' figures from their last run); each later call rewrites it.
 * - After each write the parts are merged into `test-results/adversarial-summary.json` (written to a
 *   temp file and renamed, so concurrent workers never leave a torn file). The merge can also be run on
 *   its own: `node --import tsx test/adversarial/summary.ts --merge`; `--reset` removes all parts (the
 *   soak script does that first so the summary describes exactly one run).
 *
 * Usage from a test: `recordCase('hostile-pages', 'prototype value getter', { detected: true,
 * invariants: 3, passed: true })`. `detected` means an attack was tried and the code under test
 * refused or flagged it; `invariants` counts the invariant checks the case made.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CaseOutcome {
  /** An attack was attempted and the code under test detected / refused it. */
  detected?: boolean;
  /** Number of invariants this case checked. */
  invariants?: number;
  passed: boolean;
}

export interface CaseRecord extends CaseOutcome {
  category: string;
  name: string;
  at: string;
}

export interface PartFile {
  project: string;
  testFile: string;
  soak: boolean;
  updatedAt: string;
  cases: CaseRecord[];
}

export interface CategorySummary {
  cases: number;
  passed: number;
  failed: number;
  attacksDetected: number;
  invariantsChecked: number;
}

export interface AdversarialSummary {
  generatedAt: string;
  /** True when every part was written by a MESHPASS_SOAK=1 run. */
  soak: boolean;
  totals: CategorySummary;
  categories: Record<string, CategorySummary>;
  parts: { project: string; testFile: string; soak: boolean; updatedAt: string; cases: number }[];
  failures: { category: string; name: string; testFile: string }[];
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = resolve(process.env.MESHPASS_RESULTS_DIR ?? join(ROOT, 'test-results'));
export const PARTS_DIR = join(RESULTS_DIR, 'adversarial', 'parts');
export const SUMMARY_FILE = join(RESULTS_DIR, 'adversarial-summary.json');

const parts = new Map<string, PartFile>();

interface VitestWorkerState {
  filepath?: string;
  ctx?: { projectName?: string };
  config?: { name?: string };
}

function workerState(): VitestWorkerState | undefined {
  return (globalThis as { __vitest_worker__?: VitestWorkerState }).__vitest_worker__;
}

function currentTestFile(): string {
  const p = workerState()?.filepath;
  if (p) return relative(ROOT, p).split('\\').join('/');
  return `process-${process.pid}`;
}

function detectProject(): string {
  const w = workerState();
  const name = w?.ctx?.projectName ?? w?.config?.name;
  if (name) return name;
  return /\.e2e\.test\./.test(currentTestFile()) ? 'e2e' : 'unit';
}

function partName(project: string, testFile: string): string {
  return `${project}--${testFile.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Record one adversarial case. Safe to call from any test file, in either vitest project. */
export function recordCase(category: string, name: string, outcome: CaseOutcome): void {
  const testFile = currentTestFile();
  const project = detectProject();
  const key = partName(project, testFile);
  let part = parts.get(key);
  if (!part) {
    part = { project, testFile, soak: isSoak(), updatedAt: '', cases: [] };
    parts.set(key, part);
  }
  part.cases.push({
    category,
    name,
    passed: outcome.passed,
    detected: outcome.detected ?? false,
    invariants: outcome.invariants ?? 0,
    at: new Date().toISOString(),
  });
  part.updatedAt = new Date().toISOString();
  try {
    writeAtomic(join(PARTS_DIR, key), JSON.stringify(part, null, 1));
    mergeSummary();
  } catch (e) {
    // The report must never make a test fail by itself.
    console.warn(`adversarial summary: could not write (${(e as Error).message})`);
  }
}

export function isSoak(): boolean {
  return process.env.MESHPASS_SOAK === '1';
}

function emptyCategory(): CategorySummary {
  return { cases: 0, passed: 0, failed: 0, attacksDetected: 0, invariantsChecked: 0 };
}

function add(into: CategorySummary, c: CaseRecord): void {
  into.cases += 1;
  if (c.passed) into.passed += 1;
  else into.failed += 1;
  if (c.detected) into.attacksDetected += 1;
  into.invariantsChecked += c.invariants ?? 0;
}

/** Read every part file and write the merged summary. Returns the summary. */
export function mergeSummary(): AdversarialSummary {
  const summary: AdversarialSummary = {
    generatedAt: new Date().toISOString(),
    soak: false,
    totals: emptyCategory(),
    categories: {},
    parts: [],
    failures: [],
  };
  const files = existsSync(PARTS_DIR) ? readdirSync(PARTS_DIR).filter((f) => f.endsWith('.json')).sort() : [];
  let allSoak = true;
  for (const f of files) {
    let part: PartFile;
    try {
      part = JSON.parse(readFileSync(join(PARTS_DIR, f), 'utf8')) as PartFile;
    } catch {
      continue; // a part being replaced right now; the next merge picks it up
    }
    if (!Array.isArray(part.cases)) continue;
    allSoak &&= part.soak;
    summary.parts.push({
      project: part.project,
      testFile: part.testFile,
      soak: part.soak,
      updatedAt: part.updatedAt,
      cases: part.cases.length,
    });
    for (const c of part.cases) {
      const cat = (summary.categories[c.category] ??= emptyCategory());
      add(cat, c);
      add(summary.totals, c);
      if (!c.passed) summary.failures.push({ category: c.category, name: c.name, testFile: part.testFile });
    }
  }
  // A soak summary only when every part comes from a soak run (`npm run test:soak` resets first).
  summary.soak = summary.parts.length > 0 && allSoak;
  writeAtomic(SUMMARY_FILE, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** Remove every part file (start of a run that must describe itself only). */
export function resetParts(): void {
  rmSync(join(RESULTS_DIR, 'adversarial'), { recursive: true, force: true });
}

// CLI: `node --import tsx test/adversarial/summary.ts [--reset] [--merge]`
const invokedDirectly = process.argv[1] !== undefined && basename(process.argv[1]) === 'summary.ts' &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  if (process.argv.includes('--reset')) {
    resetParts();
    console.log(`adversarial summary: parts removed (${PARTS_DIR})`);
  }
  if (process.argv.includes('--merge') || !process.argv.includes('--reset')) {
    const s = mergeSummary();
    console.log(`adversarial summary → ${relative(process.cwd(), SUMMARY_FILE)}`);
    for (const [cat, v] of Object.entries(s.categories)) {
      console.log(
        `  ${cat.padEnd(22)} cases ${String(v.cases).padStart(6)}  passed ${String(v.passed).padStart(6)}  ` +
          `detected ${String(v.attacksDetected).padStart(6)}  invariants ${String(v.invariantsChecked).padStart(8)}`,
      );
    }
    const t = s.totals;
    console.log(`  ${'TOTAL'.padEnd(22)} cases ${t.cases}, failed ${t.failed}, detected ${t.attacksDetected}, invariants ${t.invariantsChecked}`);
    if (t.failed > 0) process.exitCode = 1;
  }
}

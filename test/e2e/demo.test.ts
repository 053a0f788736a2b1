// `npm run demo` end to end (scripts/demo.ts, run in this process with the e2e test build): every step
// passes, each leaves at least one screenshot, and the HTML report links them with one line per step.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoReport } from '../../scripts/demo.ts';
import { testDist } from './harness/index.ts';

const out = mkdtempSync(join(tmpdir(), 'meshpass-demo-out-'));
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const STEPS = [
  /CLI creates .*account/,
  /Chromium connects by PIN/,
  /Chrome CSV is imported in Chromium/,
  /Firefox connects/,
  /filled in Firefox .*imported in Chromium/,
  /conflicting edit .*resolved/,
  /bookmark .*Chromium .*Firefox/,
];

describe('npm run demo', () => {
  it('runs the whole journey headless, every step passes, and writes the report', async () => {
    const lines: string[] = [];
    const report: DemoReport = await runDemo({ out, dist: testDist(), log: (l) => lines.push(l) });
    const failures = report.steps.filter((s) => s.status !== 'pass').map((s) => `${s.n}. ${s.name}: ${s.status} ${s.error ?? s.detail ?? ''}`);
    expect(failures, lines.join('\n')).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.steps.map((s) => s.name)).toHaveLength(STEPS.length);
    STEPS.forEach((name, i) => expect(report.steps[i].name).toMatch(name));

    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const s of report.steps) {
      expect(s.screenshots.length, s.name).toBeGreaterThan(0);
      for (const f of s.screenshots) {
        expect(statSync(join(out, f)).size, f).toBeGreaterThan(1000);
        expect(html).toContain(`href="${f}"`);
      }
      expect(s.ms).toBeGreaterThan(0);
    }
    // One table row per step, each with its result and duration.
    expect(html.match(/<tr class="pass">/g)).toHaveLength(STEPS.length);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(report.seconds).toBeLessThan(180);
  }, 240_000);
});

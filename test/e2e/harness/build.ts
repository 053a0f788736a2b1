// Builds the extension into a folder of our choice by running the project's own `vite build` in a child
// process (so the build sees exactly the config `npm run build` uses). ~1 s.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

export type BuildKind = 'shipped' | 'test';

/** Builds into outDir (a fresh temp dir when omitted) and returns the absolute folder. */
export async function buildExtension(kind: BuildKind, outDir?: string): Promise<string> {
  const dir = outDir ?? (await mkdtemp(join(tmpdir(), `meshpass-${kind}-`)));
  const args = ['vite', 'build', '--logLevel', 'warn', ...(kind === 'test' ? ['--mode', 'test'] : [])];
  await new Promise<void>((done, failed) => {
    const child = spawn('npx', args, {
      cwd: ROOT,
      env: { ...process.env, MESHPASS_OUT_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', failed);
    child.on('close', (code) =>
      code === 0 ? done() : failed(new Error(`vite build (${kind}) failed with code ${code}:\n${output}`)),
    );
  });
  return dir;
}

/**
 * The test build the e2e tests load. The e2e project's global setup builds it once per vitest run into a
 * private temp dir and exports MESHPASS_TEST_DIST; outside vitest (bench, scripts) call ensureTestDist().
 */
export function testDist(): string {
  const dir = process.env.MESHPASS_TEST_DIST;
  if (!dir) throw new Error('MESHPASS_TEST_DIST is not set: run through `vitest --project e2e` or call ensureTestDist()');
  return dir;
}

/** The shipped build (no test bridge), built by the same global setup; MESHPASS_SHIPPED_DIST. */
export function shippedDist(): string {
  const dir = process.env.MESHPASS_SHIPPED_DIST;
  if (!dir) throw new Error('MESHPASS_SHIPPED_DIST is not set: run through `vitest --project e2e`');
  return dir;
}

export async function ensureTestDist(): Promise<string> {
  process.env.MESHPASS_TEST_DIST ??= await buildExtension('test');
  return process.env.MESHPASS_TEST_DIST;
}

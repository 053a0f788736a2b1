// Vitest global setup of the e2e project: builds the test and the shipped extension once per run into
// private temp dirs (several engineers run e2e tests in one working tree at once; a shared dist/ would
// be rebuilt under a running browser). Set MESHPASS_TEST_DIST / MESHPASS_SHIPPED_DIST beforehand to reuse
// existing builds.
import { rm } from 'node:fs/promises';
import { buildExtension } from './build.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const made: string[] = [];
  const started = performance.now();
  const [test, shipped] = await Promise.all([
    process.env.MESHPASS_TEST_DIST ?? buildExtension('test').then((d) => (made.push(d), d)),
    process.env.MESHPASS_SHIPPED_DIST ?? buildExtension('shipped').then((d) => (made.push(d), d)),
  ]);
  process.env.MESHPASS_TEST_DIST = test;
  process.env.MESHPASS_SHIPPED_DIST = shipped;
  if (made.length) console.log(`[e2e] built ${made.length} extension build(s) in ${Math.round(performance.now() - started)} ms`);
  return async () => {
    await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
  };
}

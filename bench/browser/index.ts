// Run benchmark code inside real browsers. A bench entry is a TS module whose exported functions take one
// JSON argument and return JSON (e.g. `export async function openCatalog(n: number) { ...; return ms }`).
// It is bundled with vite and loaded:
//   - 'chromium' / 'firefox': as a classic script in a blank http://127.0.0.1 page (a secure context);
//   - 'chromium-sw': inside the MeshPass extension's background service worker (the shipped build plus
//     the bench module, imported next to background.js), where src/mesh really runs.
// Measure inside the browser (performance.now()) and return the figures; the round trip is not timed.
import { build } from 'vite';
import preact from '@preact/preset-vite';
import { chromium as playwright, type Browser as PwBrowser, type Page as PwPage } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveFixtures, type FixtureServer } from '../../test/e2e/fixtures-server.ts';
import { buildExtension, ROOT } from '../../test/e2e/harness/build.ts';
import { CHROMIUM_PATH, launchChromium, type ChromiumSession } from '../../test/e2e/harness/chromium.ts';
import { FIREFOX_PATH } from '../../test/e2e/harness/firefox.ts';

export type BenchWhere = 'chromium' | 'firefox' | 'chromium-sw';

export interface BrowserBench {
  readonly where: BenchWhere;
  /** Calls the entry's exported function `fn` with `arg` in the browser and returns its (JSON) result. */
  call<R = unknown>(fn: string, arg?: unknown): Promise<R>;
  close(): Promise<void>;
}

const GLOBAL = '__meshpassBench';

type Call = { fn: string; arg: unknown; global: string };
// Runs in the browser.
const invoke = async ({ fn, arg, global }: Call): Promise<unknown> => {
  const mod = (globalThis as unknown as Record<string, Record<string, (a: unknown) => unknown>>)[global];
  if (!mod) throw new Error(`bench bundle not loaded (${global})`);
  const f = mod[fn];
  if (typeof f !== 'function') throw new Error(`bench entry has no exported function ${fn}`);
  return await f(arg);
};

/** Bundles `entry` into outDir/fileName: 'iife' assigns the exports to a global, 'es' keeps them as exports. */
export async function bundle(entry: string, outDir: string, fileName: string, format: 'iife' | 'es'): Promise<void> {
  await build({
    configFile: false,
    root: ROOT,
    plugins: [preact()], // entries may render components
    publicDir: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: false,
      minify: true,
      target: 'es2022',
      rollupOptions: {
        input: resolve(entry),
        preserveEntrySignatures: 'exports-only', // app builds drop entry exports otherwise
        output: { format, name: GLOBAL, entryFileNames: fileName, chunkFileNames: 'bench-chunks/[name]-[hash].js' },
      },
    },
  });
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function openPageBench(entry: string, where: 'chromium' | 'firefox'): Promise<BrowserBench> {
  const dir = await mkdtemp(join(tmpdir(), 'meshpass-bench-page-'));
  await bundle(entry, dir, 'bench.js', 'iife');
  await writeFile(join(dir, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title><script src="bench.js"></script></head><body></body></html>');
  const server: FixtureServer = await serveFixtures(dir);
  const cleanup = async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (where === 'chromium') {
      const browser: PwBrowser = await playwright.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
      const page: PwPage = await browser.newPage();
      await page.goto(server.url('/index.html'));
      return {
        where,
        call: (fn, arg) => page.evaluate(invoke, { fn, arg, global: GLOBAL }) as Promise<never>,
        close: async () => {
          await browser.close();
          await cleanup();
        },
      };
    }
    const browser: PpBrowser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true });
    const page: PpPage = await browser.newPage();
    await page.goto(server.url('/index.html'));
    return {
      where,
      call: (fn, arg) => page.evaluate(invoke, { fn, arg, global: GLOBAL }) as Promise<never>,
      close: async () => {
        await browser.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function openWorkerBench(entry: string): Promise<BrowserBench> {
  const dir = await mkdtemp(join(tmpdir(), 'meshpass-bench-ext-'));
  let session: ChromiumSession | undefined;
  try {
    await buildExtension('shipped', dir);
    // A wrapper entry that puts the module's exports on a global inside the worker.
    const wrapper = join(dir, 'bench-sw-entry.ts');
    await writeFile(wrapper, `import * as bench from ${JSON.stringify(resolve(entry))};\n(globalThis as unknown as Record<string, unknown>)[${JSON.stringify(GLOBAL)}] = bench;\n`);
    await bundle(wrapper, dir, 'bench-sw.js', 'es');
    await rm(wrapper);
    await writeFile(join(dir, 'bench-background.js'), "import './background.js';\nimport './bench-sw.js';\n");
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { background: Record<string, unknown> };
    manifest.background = { ...manifest.background, service_worker: 'bench-background.js', scripts: ['bench-background.js'] };
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
    session = await launchChromium({ dist: dir });
    const s = session;
    return {
      where: 'chromium-sw',
      call: async (fn, arg) => (await s.waitForWorker()).evaluate(invoke, { fn, arg, global: GLOBAL }) as Promise<never>,
      close: async () => {
        await s.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Bundles `entry` and opens it in a browser; call its exported functions as often as needed, then close(). */
export function openBrowserBench(entry: string, where: BenchWhere): Promise<BrowserBench> {
  return where === 'chromium-sw' ? openWorkerBench(entry) : openPageBench(entry, where);
}

/** One call in a fresh browser: bundle, open, call fn(arg), close. */
export async function runInBrowser<R = unknown>(entry: string, where: BenchWhere, fn = 'run', arg?: unknown): Promise<R> {
  const bench = await openBrowserBench(entry, where);
  try {
    return await bench.call<R>(fn, arg);
  } finally {
    await bench.close();
  }
}

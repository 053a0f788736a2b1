// Smoke test in both browsers: the background answers, the popup renders, the content script runs in a
// page and its frames. One browser launch per browser for the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BROWSERS,
  launchBrowser,
  launchChromium,
  ROOT,
  serveFixtures,
  shippedDist,
  type ChromiumSession,
  type ExtensionSession,
  type FixtureServer,
} from './harness/index.ts';

// The part of the Chromium extension API the worker-side snippets below use (run inside the worker).
declare const chrome: { storage: { local: { set(items: object): Promise<void>; get(key: string): Promise<Record<string, unknown>> } } };

let fixtures: FixtureServer;
beforeAll(async () => {
  fixtures = await serveFixtures(join(ROOT, 'test/fixtures/smoke'));
});
afterAll(async () => {
  await fixtures?.close();
});

const timings: string[] = [];
afterAll(() => console.log(`[smoke] ${timings.join(', ')}`));

describe.each(BROWSERS)('%s', (name) => {
  let session: ExtensionSession;
  beforeAll(async () => {
    const started = performance.now();
    session = await launchBrowser(name);
    timings.push(`${name} launch ${Math.round(performance.now() - started)} ms`);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('the background answers a ping from an extension page', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'manifest.json'), 'utf8')) as { version: string };
    expect(await session.sendMessage({ type: 'ping' })).toEqual({ type: 'pong', version: manifest.version });
  });

  it('the background answers a ping from the content script', async () => {
    expect(await session.sendFromContent({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('the popup and the settings page render without script errors', async () => {
    for (const path of ['popup.html', 'options.html']) {
      const page = await session.openExtensionPage(path);
      // Whatever the UI shows, the app root gets rendered content.
      await page.waitFor(() => (document.getElementById('app')?.childElementCount ?? 0) > 0);
      expect(page.errors, path).toEqual([]);
      await page.close();
    }
  });

  it('the content script runs in a page, its same-origin iframe and its cross-origin iframe', async () => {
    const page = await session.newPage();
    await page.goto(fixtures.url('/index.html'));
    const marker = () => document.documentElement.dataset.meshpass ?? null;
    await page.waitFor(() => document.documentElement.dataset.meshpass === 'ready');
    for (const urlPart of ['frame.html?same', 'frame.html?cross']) {
      const frame = await page.frame(urlPart);
      expect(frame.url().startsWith(urlPart.endsWith('cross') ? fixtures.otherOrigin : fixtures.origin)).toBe(true);
      await expect.poll(() => frame.evaluate(marker), { timeout: 5_000 }).toBe('ready');
    }
    const url = fixtures.url('/index.html');
    expect(await session.sendToTab(url, { type: 'test:content-ping' })).toEqual({ type: 'test:content-pong', href: url, top: true });
    await page.close();
  });
});

describe('chromium restarts', () => {
  let session: ChromiumSession;
  beforeAll(async () => {
    session = await launchChromium();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('stopWorker stops the service worker and the next message cold-starts it', async () => {
    const worker = await session.waitForWorker();
    const marker = () => (globalThis as { smokeMarker?: number }).smokeMarker ?? null;
    await worker.evaluate(() => {
      (globalThis as { smokeMarker?: number }).smokeMarker = 1;
    });
    expect(await worker.evaluate(marker)).toBe(1);
    expect(await session.workerStatus()).toBe('running');
    const before = await session.backgroundInstance();
    const stopStarted = performance.now();
    await session.stopWorker();
    const stopMs = performance.now() - stopStarted;
    expect(await session.workerStatus()).toBe('stopped');
    const wakeStarted = performance.now();
    expect(await session.sendMessage({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const wakeMs = performance.now() - wakeStarted;
    expect(await session.workerStatus()).toBe('running');
    // A cold start: the in-memory state of the stopped worker is gone.
    expect(await (await session.waitForWorker()).evaluate(marker)).toBeNull();
    expect((await session.backgroundInstance()).id).not.toBe(before.id);
    timings.push(`stopWorker ${Math.round(stopMs)} ms, cold-start ping ${Math.round(wakeMs)} ms`);
  });

  it('a browser restart on the same profile keeps the extension id and its storage', async () => {
    const profileDir = await mkdtemp(join(tmpdir(), 'meshpass-smoke-profile-'));
    try {
      const first = await launchChromium({ profileDir });
      await first.worker.evaluate(() => chrome.storage.local.set({ smoke: 42 }));
      const id = first.extensionId;
      await first.close();
      const second = await launchChromium({ profileDir });
      try {
        expect(second.extensionId).toBe(id);
        expect(await second.worker.evaluate(() => chrome.storage.local.get('smoke'))).toEqual({ smoke: 42 });
      } finally {
        await second.close();
      }
    } finally {
      await rm(profileDir, { recursive: true, force: true });
    }
  });
});

describe('shipped build', () => {
  it('carries no test bridge', async () => {
    const dist = shippedDist();
    const files = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.js') || f.endsWith('.html'));
    expect(files).toContain('content.js');
    for (const file of files) {
      const text = await readFile(join(dist, file), 'utf8');
      expect(text, file).not.toContain('meshpass-test-bridge');
      expect(text, file).not.toContain('test:open-page');
    }
  });

  it('passes web-ext lint with 0 errors', () => {
    const run = spawnSync('npx', ['web-ext', 'lint', '--source-dir', shippedDist(), '--self-hosted', '--output', 'json', '--no-config-discovery'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const report = JSON.parse(run.stdout) as { errors: { code: string; message: string; file?: string }[] };
    expect(report.errors.map((e) => `${e.code}: ${e.message} (${e.file ?? ''})`)).toEqual([]);
  });
});

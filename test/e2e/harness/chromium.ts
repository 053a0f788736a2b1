// Debian Chromium with the unpacked extension, driven by playwright-core.
import { chromium, type BrowserContext, type CDPSession, type Page, type Worker } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveFixtures, type FixtureServer } from '../fixtures-server.ts';
import { BRIDGE_PAGE_HTML, bridgeSend, waitForBridge } from './bridge.ts';
import { testDist } from './build.ts';
import { playwrightPage, type TestPage } from './page.ts';
import { describeMessage, MESSAGE_TIMEOUT_MS, pollUntil, withTimeout, type ExtensionSession } from './session.ts';

export const CHROMIUM_PATH = process.env.MESHPASS_CHROMIUM ?? '/usr/bin/chromium';

export type ChromiumPage = TestPage<Page>;

export interface ChromiumLaunchOptions {
  /** Unpacked extension folder; default: the e2e test build (MESHPASS_TEST_DIST). */
  dist?: string;
  /** Reuse a profile (browser-restart tests). Never deleted by close(). */
  profileDir?: string;
  headless?: boolean;
  args?: string[];
}

export interface ChromiumSession extends ExtensionSession<ChromiumPage> {
  readonly browserName: 'chromium';
  readonly context: BrowserContext;
  readonly extensionId: string;
  readonly profileDir: string;
  /**
   * The background service worker. Playwright keeps the same Worker object across stop and restart
   * (the DevTools target survives); evaluate() on it after a restart runs in the NEW worker.
   */
  readonly worker: Worker;
  /** The background worker as the Service Worker domain of CDP reports it. */
  workerStatus(): Promise<WorkerStatus>;
  /** Waits until a background worker exists and returns it. */
  waitForWorker(timeoutMs?: number): Promise<Worker>;
  /** Stops the background worker as Chromium does when it is idle (CDP ServiceWorker.stopWorker). */
  stopWorker(): Promise<void>;
}

interface ChromeGlobal {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

export type WorkerStatus = 'stopped' | 'starting' | 'running' | 'stopping';

interface VersionInfo {
  versionId: string;
  scriptURL: string;
  runningStatus: string;
}

export async function launchChromium(options: ChromiumLaunchOptions = {}): Promise<ChromiumSession> {
  const dist = resolve(options.dist ?? testDist());
  const ownProfile = options.profileDir === undefined;
  const profileDir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'meshpass-chromium-')));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [
      `--disable-extensions-except=${dist}`, // playwright passes --disable-extensions otherwise
      `--load-extension=${dist}`,
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage', // CI containers often have a tiny /dev/shm
      ...(options.args ?? []),
    ],
  });
  const isExtensionWorker = (w: Worker) => w.url().startsWith('chrome-extension://');
  let current: Worker | undefined;
  const adopt = (w: Worker) => {
    if (!isExtensionWorker(w)) return;
    current = w;
    w.once('close', () => {
      if (current === w) current = undefined;
    });
  };
  context.on('serviceworker', adopt);
  context.serviceWorkers().forEach(adopt);
  try {
    await pollUntil(() => current, 'the extension service worker', 20_000);
  } catch (error) {
    await context.close();
    throw error;
  }
  // Node's URL gives the origin "null" for non-special schemes, so build it from the host.
  const extensionId = new URL(current!.url()).host;
  const extensionOrigin = `chrome-extension://${extensionId}`;
  const extensionUrl = (path: string) => `${extensionOrigin}/${path.replace(/^\/+/, '')}`;

  const newPage = async () => playwrightPage(await context.newPage());
  const openExtensionPage = async (path: string) => {
    const page = await newPage();
    await page.goto(extensionUrl(path));
    return page;
  };

  // An extension page (test.html) used for sendMessage and as the CDP session for stopWorker; opened on
  // first use (promises, so concurrent first uses share one page).
  let control: Promise<ChromiumPage> | undefined;
  const controlPage = () => (control ??= openExtensionPage('test.html'));

  let bridgeServer: FixtureServer | undefined;
  let bridgePage: Promise<ChromiumPage> | undefined;
  const contentBridge = () =>
    (bridgePage ??= (async () => {
      bridgeServer = await serveFixtures(null, {
        '/': (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' }).end(BRIDGE_PAGE_HTML);
        },
      });
      const page = await newPage();
      await page.goto(bridgeServer.url('/'));
      await waitForBridge(page);
      return page;
    })());

  let cdp: Promise<CDPSession> | undefined;
  const versions = new Map<string, VersionInfo>();
  const ourVersions = () => [...versions.values()].filter((v) => v.scriptURL.startsWith(extensionOrigin));
  const serviceWorkerDomain = () =>
    (cdp ??= (async () => {
      const domain = await context.newCDPSession((await controlPage()).raw);
      domain.on('ServiceWorker.workerVersionUpdated', (event: { versions: VersionInfo[] }) => {
        for (const v of event.versions) versions.set(v.versionId, v);
      });
      await domain.send('ServiceWorker.enable');
      await pollUntil(() => (ourVersions().length ? true : undefined), 'the extension worker version', 5_000);
      return domain;
    })());

  const session: ChromiumSession = {
    browserName: 'chromium',
    context,
    extensionId,
    extensionOrigin,
    profileDir,
    get worker() {
      if (!current) throw new Error('the background worker is not running; use waitForWorker()');
      return current;
    },
    extensionUrl,
    newPage,
    openExtensionPage,
    waitForWorker: (timeoutMs = 10_000) => pollUntil(() => current, 'the extension service worker', timeoutMs),
    async workerStatus() {
      await serviceWorkerDomain();
      const statuses = ourVersions().map((v) => v.runningStatus as WorkerStatus);
      return statuses.find((st) => st !== 'stopped') ?? 'stopped';
    },
    async stopWorker() {
      const domain = await serviceWorkerDomain();
      const running = await pollUntil(
        () => ourVersions().find((v) => v.runningStatus === 'running'),
        'a running extension worker',
        5_000,
      );
      await domain.send('ServiceWorker.stopWorker', { versionId: running.versionId });
      await pollUntil(() => (versions.get(running.versionId)?.runningStatus === 'stopped' ? true : undefined), 'the worker to stop', 5_000);
    },
    backgroundInstance: () => session.sendMessage<{ id: string; startedAt: number }>({ type: 'test:instance' }),
    sendToTab: <R>(urlPrefix: string, message: unknown, frameId?: number) =>
      session.sendMessage<R>({ type: 'test:tab-message', urlPrefix, frameId, message }),
    async sendMessage<R>(message: unknown, timeoutMs = MESSAGE_TIMEOUT_MS) {
      const page = await controlPage();
      const answer = page.evaluate((m) => (globalThis as unknown as ChromeGlobal).chrome.runtime.sendMessage(m), message);
      return withTimeout(answer, timeoutMs, describeMessage(message)) as Promise<R>;
    },
    async sendFromContent<R>(message: unknown) {
      return bridgeSend<R>(await contentBridge(), message);
    },
    async close() {
      await context.close();
      await bridgeServer?.close();
      if (ownProfile) await rm(profileDir, { recursive: true, force: true });
    },
  };
  return session;
}

// Debian Firefox ESR with the extension installed as a temporary add-on, driven by puppeteer-core over
// WebDriver BiDi (Playwright's Firefox needs its own patched build; geckodriver is not packaged).
// BiDi refuses to navigate to moz-extension:// URLs, so extension pages are opened through the test
// bridge (TEST builds only): bridge page → content script → background → tabs.create → newest page.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { serveFixtures, type FixtureServer } from '../fixtures-server.ts';
import { BRIDGE_PAGE_HTML, bridgeSend, waitForBridge } from './bridge.ts';
import { testDist } from './build.ts';
import { puppeteerPage, type TestPage } from './page.ts';
import { describeMessage, FIXED_FIREFOX_UUID, MESSAGE_TIMEOUT_MS, pollUntil, withTimeout, type ExtensionSession } from './session.ts';

export const FIREFOX_PATH = process.env.MESHPASS_FIREFOX ?? '/usr/bin/firefox-esr';

export type FirefoxPage = TestPage<Page>;

export interface FirefoxLaunchOptions {
  /** Unpacked extension folder; must be a TEST build (the bridge); default MESHPASS_TEST_DIST. */
  dist?: string;
  /** Reuse a profile (browser-restart tests); puppeteer uses a fresh temp profile otherwise. */
  profileDir?: string;
  headless?: boolean;
  /**
   * Extra Firefox prefs, e.g. { 'extensions.background.idle.timeout': 2000 } (ms) to have the background
   * event page suspended soon after it goes idle, for worker-restart tests in Firefox.
   */
  prefs?: Record<string, unknown>;
}

export interface FirefoxSession extends ExtensionSession<FirefoxPage> {
  readonly browserName: 'firefox';
  readonly browser: Browser;
  /** The fixed moz-extension UUID (set by the extensions.webextensions.uuids pref). */
  readonly extensionUuid: string;
}

interface GeckoManifest {
  browser_specific_settings?: { gecko?: { id?: string } };
}

export async function launchFirefox(options: FirefoxLaunchOptions = {}): Promise<FirefoxSession> {
  const dist = resolve(options.dist ?? testDist());
  const manifest = JSON.parse(await readFile(join(dist, 'manifest.json'), 'utf8')) as GeckoManifest;
  const geckoId = manifest.browser_specific_settings?.gecko?.id;
  if (!geckoId) throw new Error('manifest.json has no browser_specific_settings.gecko.id');

  const bridgeServer: FixtureServer = await serveFixtures(null, {
    '/': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(BRIDGE_PAGE_HTML);
    },
  });
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: options.headless ?? true,
      userDataDir: options.profileDir,
      extraPrefsFirefox: {
        ...options.prefs,
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: FIXED_FIREFOX_UUID }),
      },
    });
  } catch (error) {
    await bridgeServer.close();
    throw error;
  }
  const extensionOrigin = `moz-extension://${FIXED_FIREFOX_UUID}`;
  const extensionUrl = (path: string) => `${extensionOrigin}/${path.replace(/^\/+/, '')}`;
  const newPage = async () => puppeteerPage(await browser.newPage());

  let bridgePage: FirefoxPage;
  try {
    await browser.installExtension(dist);
    const [first] = await browser.pages();
    bridgePage = first ? puppeteerPage(first) : await newPage();
    await bridgePage.goto(bridgeServer.url('/'));
    await waitForBridge(bridgePage);
  } catch (error) {
    await browser.close();
    await bridgeServer.close();
    throw error;
  }

  // Extension pages open one at a time, so "the page that was not there before" is unambiguous.
  let opening = Promise.resolve();
  const openExtensionPage = (path: string): Promise<FirefoxPage> => {
    const opened = opening.then(async () => {
      const before = new Set(await browser.pages());
      await bridgeSend(bridgePage, { type: 'test:open-page', path });
      const raw = await pollUntil(async () => (await browser.pages()).find((p) => !before.has(p)), `the tab for ${path}`);
      const page = puppeteerPage(raw);
      const url = extensionUrl(path);
      await page.waitFor(
        (expected) => location.href.startsWith(expected) && document.readyState === 'complete',
        url,
      );
      return page;
    });
    opening = opened.then(
      () => undefined,
      () => undefined,
    );
    return opened;
  };

  let control: Promise<FirefoxPage> | undefined;
  const controlPage = () => (control ??= openExtensionPage('test.html'));

  const session: FirefoxSession = {
    browserName: 'firefox',
    browser,
    extensionUuid: FIXED_FIREFOX_UUID,
    extensionOrigin,
    extensionUrl,
    newPage,
    openExtensionPage,
    backgroundInstance: () => session.sendMessage<{ id: string; startedAt: number }>({ type: 'test:instance' }),
    sendToTab: <R>(urlPrefix: string, message: unknown, frameId?: number) =>
      session.sendMessage<R>({ type: 'test:tab-message', urlPrefix, frameId, message }),
    async sendMessage<R>(message: unknown, timeoutMs = MESSAGE_TIMEOUT_MS) {
      const page = await controlPage();
      const answer = page.evaluate((m) => (globalThis as unknown as BrowserGlobal).browser.runtime.sendMessage(m), message);
      return withTimeout(answer, timeoutMs, describeMessage(message)) as Promise<R>;
    },
    sendFromContent: <R>(message: unknown) => bridgeSend<R>(bridgePage, message),
    async close() {
      await browser.close();
      await bridgeServer.close();
    },
  };
  return session;
}

interface BrowserGlobal {
  browser: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

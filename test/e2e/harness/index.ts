// The e2e harness: import from here. See docs/testing-e2e notes in README.md ("Tests").
export { launchChromium, CHROMIUM_PATH, type ChromiumSession, type ChromiumPage, type ChromiumLaunchOptions } from './chromium.ts';
export { launchFirefox, FIREFOX_PATH, type FirefoxSession, type FirefoxPage, type FirefoxLaunchOptions } from './firefox.ts';
export { serveFixtures, type FixtureServer, type RouteHandler } from '../fixtures-server.ts';
export { bridgeSend, waitForBridge } from './bridge.ts';
export { buildExtension, ensureTestDist, shippedDist, testDist, ROOT } from './build.ts';
export type { TestPage, TestFrame } from './page.ts';
export { pollUntil, type BrowserName, type ExtensionSession } from './session.ts';
import { launchChromium } from './chromium.ts';
import { launchFirefox } from './firefox.ts';
import type { BrowserName, ExtensionSession } from './session.ts';

export const BROWSERS: readonly BrowserName[] = ['chromium', 'firefox'];

/** Launches either browser with the test build: for `describe.each(BROWSERS)` style tests. */
export function launchBrowser(name: BrowserName, options: { dist?: string; profileDir?: string } = {}): Promise<ExtensionSession> {
  return name === 'chromium' ? launchChromium(options) : launchFirefox(options);
}

// One small page API over playwright (Chromium) and puppeteer-over-BiDi (Firefox), so a test body can run
// in both browsers. `raw` gives the underlying page for anything browser-specific.
// Functions passed to evaluate/waitFor are serialized and run in the page: they must be self-contained.
import type { Frame as PwFrame, Page as PwPage } from 'playwright-core';
import type { Frame as PpFrame, Page as PpPage } from 'puppeteer-core';

export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

export interface TestFrame {
  url(): string;
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<R>;
}

export interface TestPage<Raw = unknown> extends TestFrame {
  readonly raw: Raw;
  /** Uncaught errors of the page's own scripts since this wrapper was made (Firefox extension pages: after load). */
  readonly errors: string[];
  /** The page's real location (puppeteer reports tabs.create'd pages as about:blank). */
  location(): Promise<string>;
  goto(url: string): Promise<void>;
  /** Resolves when fn(arg) returns a truthy value in the page (polls every 50 ms). */
  waitFor<A = undefined>(fn: PageFunction<A, unknown>, arg?: A, timeoutMs?: number): Promise<void>;
  /** All frames, the main frame first. */
  frames(): TestFrame[];
  /** Waits for a frame whose URL contains urlPart. */
  frame(urlPart: string, timeoutMs?: number): Promise<TestFrame>;
  click(selector: string): Promise<void>;
  /** Replaces an input's value by typing. */
  fill(selector: string, text: string): Promise<void>;
  /** Waits for the selector, returns its textContent. */
  text(selector: string): Promise<string>;
  screenshot(): Promise<Uint8Array>;
  /** Makes this the active tab (the harness's own helper tabs may have taken that place). */
  bringToFront(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT = 10_000;

// MESHPASS_E2E_LOG=1 prints every page's console output and uncaught errors, to debug a failing test.
const LOG = Boolean(process.env.MESHPASS_E2E_LOG);
const log = (where: string, text: string) => console.log(`[page ${where}] ${text}`);

async function pollFrame<F extends { url(): string }>(frames: () => F[], urlPart: string, timeoutMs: number): Promise<F> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = frames().find((f) => f.url().includes(urlPart));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no frame with URL containing ${urlPart}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function playwrightFrame(frame: PwFrame): TestFrame {
  return {
    url: () => frame.url(),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      frame.evaluate(fn as (a: unknown) => unknown, arg as unknown) as Promise<R>,
  };
}

export function playwrightPage(page: PwPage): TestPage<PwPage> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  if (LOG) {
    page.on('console', (m) => log(page.url(), `${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log(page.url(), `uncaught: ${String(e)}`));
  }
  return {
    raw: page,
    errors,
    ...playwrightFrame(page.mainFrame()),
    location: () => page.evaluate(() => location.href),
    goto: async (url) => {
      await page.goto(url);
    },
    waitFor: async (fn, arg, timeoutMs = DEFAULT_TIMEOUT) => {
      await page.waitForFunction(fn as (a: unknown) => unknown, arg, { timeout: timeoutMs, polling: 50 });
    },
    frames: () => page.frames().map(playwrightFrame),
    frame: async (urlPart, timeoutMs = DEFAULT_TIMEOUT) => playwrightFrame(await pollFrame(() => page.frames(), urlPart, timeoutMs)),
    click: (selector) => page.click(selector),
    fill: (selector, text) => page.fill(selector, text),
    text: async (selector) => (await page.locator(selector).first().textContent()) ?? '',
    screenshot: async () => new Uint8Array(await page.screenshot()),
    bringToFront: () => page.bringToFront(),
    close: () => page.close(),
  };
}

function puppeteerFrame(frame: PpFrame): TestFrame {
  return {
    url: () => frame.url(),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      frame.evaluate(fn as (a: unknown) => unknown, arg) as Promise<R>,
  };
}

export function puppeteerPage(page: PpPage): TestPage<PpPage> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  if (LOG) {
    page.on('console', (m) => log(page.url(), `${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log(page.url(), `uncaught: ${String(e)}`));
  }
  return {
    raw: page,
    errors,
    ...puppeteerFrame(page.mainFrame()),
    location: () => page.evaluate(() => location.href),
    goto: async (url) => {
      await page.goto(url);
    },
    // Polls with evaluate: waitForFunction compiles its predicate with Function(), which the CSP of
    // extension pages blocks in Firefox ESR 140.
    waitFor: async (fn, arg, timeoutMs = DEFAULT_TIMEOUT) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ok = await page.evaluate(fn as (a: unknown) => unknown, arg).catch(() => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`waitFor timed out after ${timeoutMs} ms: ${String(fn).slice(0, 120)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    frames: () => page.frames().map(puppeteerFrame),
    frame: async (urlPart, timeoutMs = DEFAULT_TIMEOUT) => puppeteerFrame(await pollFrame(() => page.frames(), urlPart, timeoutMs)),
    // Element lookups poll with page.$ for the same CSP reason as waitFor (locators and
    // waitForSelector wait with in-page compiled functions).
    click: async (selector) => {
      await (await pollElement(page, selector)).click();
    },
    fill: async (selector, text) => {
      const handle = await pollElement(page, selector);
      await handle.evaluate((e) => {
        const input = e as HTMLInputElement;
        input.focus();
        input.select?.();
      });
      if (text === '') await page.keyboard.press('Backspace');
      else await handle.type(text);
    },
    text: async (selector) => {
      const handle = await pollElement(page, selector);
      return (await handle.evaluate((e) => e.textContent)) ?? '';
    },
    screenshot: async () => new Uint8Array(await page.screenshot()),
    bringToFront: () => page.bringToFront(),
    close: () => page.close(),
  };
}

async function pollElement(page: PpPage, selector: string, timeoutMs = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const handle = await page.$(selector).catch(() => null);
    if (handle) {
      const visible = await handle
        .evaluate((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && !(e as HTMLButtonElement).disabled;
        })
        .catch(() => false);
      if (visible) return handle;
    }
    if (Date.now() > deadline) throw new Error(`no visible element ${selector} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

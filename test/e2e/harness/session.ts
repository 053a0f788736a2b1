// What every e2e test gets from launchChromium / launchFirefox, whichever the browser.
import type { TestPage } from './page.ts';

export type BrowserName = 'chromium' | 'firefox';

export interface ExtensionSession<P extends TestPage = TestPage> {
  readonly browserName: BrowserName;
  /** chrome-extension://ID or moz-extension://UUID (no trailing slash). */
  readonly extensionOrigin: string;
  extensionUrl(path: string): string;
  /** Opens an extension page (e.g. 'popup.html') in a new tab, loaded. */
  openExtensionPage(path: string): Promise<P>;
  /** A new ordinary tab. */
  newPage(): Promise<P>;
  /**
   * runtime.sendMessage from an extension page (as the popup would); resolves with the background's answer,
   * or rejects after timeoutMs (default 30 s; raise it for slow work such as a passphrase KDF in Firefox).
   */
  sendMessage<R = unknown>(message: unknown, timeoutMs?: number): Promise<R>;
  /** runtime.sendMessage from the content script of an http page (sender.tab set), via the test bridge. */
  sendFromContent<R = unknown>(message: unknown): Promise<R>;
  /**
   * The background sends `message` to the content script of the first tab whose URL starts with
   * urlPrefix (frame 0 unless frameId is given) and this resolves with the content script's answer.
   */
  sendToTab<R = unknown>(urlPrefix: string, message: unknown, frameId?: number): Promise<R>;
  /** Which run of the background answers (its id changes whenever the worker or event page restarts). */
  backgroundInstance(): Promise<{ id: string; startedAt: number }>;
  close(): Promise<void>;
}

export const FIXED_FIREFOX_UUID = '6d1f3b7e-2a4c-4e59-9b8d-0c7a5e3f1d24';

export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rejects with a clear message when `promise` takes longer than timeoutMs (instead of a silent test timeout). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, failed) => {
    timer = setTimeout(() => failed(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function describeMessage(message: unknown): string {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? `the background's answer to ${type}` : "the background's answer";
}

export const MESSAGE_TIMEOUT_MS = 30_000;

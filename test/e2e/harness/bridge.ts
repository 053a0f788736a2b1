// Page side of the test-only bridge in src/content/test-bridge.ts (present in TEST builds only):
// a page on an http origin where the content script runs posts a request; the content script forwards
// the message with runtime.sendMessage and posts back the answer. Keep CHANNEL in step with that file.
import type { TestPage } from './page.ts';

export const BRIDGE_CHANNEL = 'meshpass-test-bridge';

/** A blank page the bridge is used from; served by the session's own little server. */
export const BRIDGE_PAGE_HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bridge</title></head><body></body></html>';

interface BridgeReply {
  ok: boolean;
  result?: unknown;
  error?: string;
}

export async function waitForBridge(page: TestPage, timeoutMs = 10_000): Promise<void> {
  await page.waitFor(() => document.documentElement.dataset.meshpassTestBridge === 'ready', undefined, timeoutMs);
}

/** Sends `message` to the background as the content script of `page` (sender.tab is that page's tab). */
export async function bridgeSend<R = unknown>(page: TestPage, message: unknown, timeoutMs = 15_000): Promise<R> {
  const reply = await page.evaluate(
    ({ channel, message, timeoutMs }) =>
      new Promise<BridgeReply>((resolve) => {
        const id = Math.floor(Math.random() * 2 ** 31);
        const timer = setTimeout(() => resolve({ ok: false, error: `no answer in ${timeoutMs} ms` }), timeoutMs);
        const onMessage = (event: MessageEvent) => {
          const d = event.data as { channel?: string; direction?: string; id?: number } & BridgeReply;
          if (!d || d.channel !== channel || d.direction !== 'response' || d.id !== id) return;
          clearTimeout(timer);
          removeEventListener('message', onMessage);
          resolve({ ok: d.ok, result: d.result, error: d.error });
        };
        addEventListener('message', onMessage);
        postMessage({ channel, direction: 'request', id, message }, '*');
      }),
    { channel: BRIDGE_CHANNEL, message, timeoutMs },
  );
  if (!reply.ok) throw new Error(`test bridge: ${reply.error}`);
  return reply.result as R;
}

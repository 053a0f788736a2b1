// Copies to the clipboard (the popup has the user's gesture). A secret is cleared after `clearSeconds`
// by the background worker, which does it even after this popup has closed (Chromium: an offscreen
// document; Firefox: the background page; see src/background/clipboard.ts). Should the worker not take
// the job, this page clears it itself while it stays open.
import { send } from '../shared/messages.ts';

type SendMessage = (message: unknown) => Promise<unknown>;

const runtimeSend = (): SendMessage | undefined => {
  const g = globalThis as { browser?: { runtime?: { sendMessage?: SendMessage } }; chrome?: { runtime?: { sendMessage?: SendMessage } } };
  const r = g.browser?.runtime ?? g.chrome?.runtime;
  return r?.sendMessage ? (m) => r.sendMessage!(m) : undefined;
};

export async function copyWithClear(text: string, clearSeconds: number, transport: SendMessage | undefined = runtimeSend()): Promise<void> {
  await navigator.clipboard.writeText(text);
  if (clearSeconds <= 0) return;
  if (transport) {
    try {
      await send(transport, 'clipboard-clear-after', { seconds: clearSeconds });
      return;
    } catch {
      // fall through: clear from here while the page is open
    }
  }
  setTimeout(() => {
    void navigator.clipboard.writeText('').catch(() => undefined);
  }, clearSeconds * 1000);
}

// Chromium's offscreen document (reason CLIPBOARD): the service worker has no DOM, so it opens this page
// to empty the clipboard after a copied secret's time is up (clipboard.ts), then closes it again.
import { clearClipboardHere, OFFSCREEN_CLEAR } from './clipboard.ts';

interface Runtime {
  id: string;
  onMessage: { addListener(f: (m: unknown, sender: { id?: string }, respond: (r: unknown) => void) => boolean | undefined): void };
}

const runtime = (globalThis as unknown as { chrome: { runtime: Runtime } }).chrome.runtime;

runtime.onMessage.addListener((message, sender, respond) => {
  if ((message as { type?: unknown } | null)?.type !== OFFSCREEN_CLEAR || sender.id !== runtime.id) return undefined;
  clearClipboardHere(document).then(
    () => respond({ ok: true }),
    (e: unknown) => respond({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
  return true;
});

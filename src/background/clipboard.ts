// Clearing a copied secret from the clipboard after N seconds, even when the popup that copied it has
// closed (issue 10). The popup copies (it has the user's gesture) and asks the worker to clear later.
// The deadline is kept in storage (a stopped worker or a restarted browser still clears it) and an
// alarm wakes the worker; a timer covers the common case where the worker is still alive.
// Writing the clipboard without a page: Chromium through an offscreen document (reason CLIPBOARD,
// offscreen.ts); Firefox's background page writes it itself (clipboardWrite permission).
import type { SessionStore } from './platform.ts';

export const CLIPBOARD_ALARM = 'clipboard-clear';
const KEY = 'clipboardClearAt';

export interface ClipboardDeps {
  /** Persistent storage for the deadline (storage.local). */
  store: SessionStore;
  alarms: { create(name: string, info: { when: number }): void; clear(name: string): Promise<unknown> };
  /** Empties the system clipboard. */
  clear(): Promise<void>;
  now(): number;
}

export class ClipboardClearer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: ClipboardDeps) {}

  /** Schedules a clear `seconds` from now (a newer copy moves the deadline); resolves with the deadline. */
  async clearAfter(seconds: number): Promise<number> {
    const at = this.deps.now() + seconds * 1000;
    await this.deps.store.set(KEY, at);
    this.deps.alarms.create(CLIPBOARD_ALARM, { when: at });
    this.arm(at);
    return at;
  }

  /** After a worker start: clear at once if the deadline passed while nothing ran, else wait for it. */
  async resume(): Promise<void> {
    const at = await this.deps.store.get<number>(KEY);
    if (at === undefined) return;
    if (at <= this.deps.now()) await this.due();
    else this.arm(at);
  }

  /** The alarm or the timer fired: clears if a deadline is due. */
  async due(): Promise<boolean> {
    const at = await this.deps.store.get<number>(KEY);
    if (at === undefined || at > this.deps.now() + 250) return false;
    await this.deps.store.remove(KEY);
    clearTimeout(this.timer);
    await this.deps.alarms.clear(CLIPBOARD_ALARM).catch(() => undefined);
    await this.deps.clear();
    return true;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.due().catch(() => undefined), Math.max(0, at - this.deps.now()));
  }
}

/** Empties the clipboard from a document the extension owns (offscreen document, Firefox background page). */
export async function clearClipboardHere(doc: Document): Promise<void> {
  try {
    await navigator.clipboard.writeText('');
    return;
  } catch {
    // Not focused (offscreen documents never are): fall back to a copy command we answer ourselves.
  }
  const onCopy = (e: ClipboardEvent) => {
    e.clipboardData?.setData('text/plain', '');
    e.preventDefault();
  };
  doc.addEventListener('copy', onCopy);
  const area = doc.createElement('textarea');
  area.value = ' ';
  (doc.body ?? doc.documentElement).append(area);
  area.select();
  try {
    if (!doc.execCommand('copy')) throw new Error('the browser refused to write the clipboard');
  } finally {
    area.remove();
    doc.removeEventListener('copy', onCopy);
  }
}

interface ChromeOffscreen {
  runtime: {
    getURL(path: string): string;
    getContexts?(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<unknown[]>;
    sendMessage(message: unknown): Promise<unknown>;
  };
  offscreen?: {
    createDocument(p: { url: string; reasons: string[]; justification: string }): Promise<void>;
    closeDocument(): Promise<void>;
  };
}

export const OFFSCREEN_CLEAR = 'offscreen:clear-clipboard';

/** The browser's way to empty the clipboard from the background. */
export function platformClipboardClear(): () => Promise<void> {
  const chrome = (globalThis as { chrome?: ChromeOffscreen }).chrome;
  if (chrome?.offscreen) {
    const offscreen = chrome.offscreen;
    let creating: Promise<void> | undefined;
    return async () => {
      const url = chrome.runtime.getURL('offscreen.html');
      const open = (await chrome.runtime.getContexts?.({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] })) ?? [];
      if (!open.length) {
        creating ??= offscreen
          .createDocument({ url, reasons: ['CLIPBOARD'], justification: 'Clear a copied password from the clipboard after the time set in MeshPass.' })
          .finally(() => (creating = undefined));
        await creating;
      }
      try {
        const r = (await chrome.runtime.sendMessage({ type: OFFSCREEN_CLEAR })) as { ok?: boolean; error?: string } | undefined;
        if (!r?.ok) throw new Error(r?.error ?? 'the offscreen document did not answer');
      } finally {
        await offscreen.closeDocument().catch(() => undefined);
      }
    };
  }
  // Firefox: the background is a page with a document and may write the clipboard (clipboardWrite).
  return () => clearClipboardHere(document);
}

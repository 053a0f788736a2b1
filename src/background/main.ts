// The background worker: wires the extension APIs to Background. Listeners are registered at once (MV3
// wakes the worker for an event only if its listener exists after the first run).
import browser from 'webextension-polyfill';
import { isPageRequest } from '../shared/messages.ts';
import { asContentMessage } from '../content/messages.ts';
import { Background, type Tabs } from './background.ts';
import { openVaultDb } from './db.ts';
import { systemClock, type SessionStore } from './platform.ts';
import { meshBackends } from './mesh-adapter.ts';
import type { BookmarksApi } from './bookmark-mirror-api.ts';
import { BasicAuthResponder, installBasicAuth, type AuthRequiredEvent } from './basic-auth.ts';
import { CLIPBOARD_ALARM, ClipboardClearer, platformClipboardClear } from './clipboard.ts';

const session: SessionStore = {
  get: async <T>(key: string) => ((await browser.storage.session.get(key)) as Record<string, T | undefined>)[key],
  set: (key, value) => browser.storage.session.set({ [key]: value }),
  remove: (key) => browser.storage.session.remove(key),
};

const tabs: Tabs = {
  url: async (tabId) => (await browser.tabs.get(tabId)).url,
  sendToFrame: (tabId, frameId, message) => browser.tabs.sendMessage(tabId, message, { frameId }),
  active: async (windowId) => {
    const [tab] = await browser.tabs.query(windowId !== undefined ? { active: true, windowId } : { active: true, lastFocusedWindow: true });
    return tab?.id !== undefined ? { id: tab.id, url: tab.url } : undefined;
  },
};

const clipboard = new ClipboardClearer({
  store: {
    get: async <T>(key: string) => ((await browser.storage.local.get(key)) as Record<string, T | undefined>)[key],
    set: (key, value) => browser.storage.local.set({ [key]: value }),
    remove: (key) => browser.storage.local.remove(key),
  },
  alarms: { create: (name, info) => browser.alarms.create(name, info), clear: (name) => browser.alarms.clear(name) },
  clear: platformClipboardClear(),
  now: () => Date.now(),
});
void clipboard.resume().catch(() => undefined);

const background = (async () => {
  const bg = new Background({
    clipboard,
    db: await openVaultDb(),
    session,
    clock: systemClock,
    tabs,
    ...meshBackends(),
    allowKdfOverride: import.meta.env.MODE === 'test',
    bookmarks: browser.bookmarks as unknown as BookmarksApi | undefined,
  });
  await bg.start();
  return bg;
})();

const extensionBase = browser.runtime.getURL('');

// Requests posted by the extension's own pages (src/popup/worker-post.ts): a page of another origin
// cannot reach this worker, and a content script runs in its page's origin.
const workerScope = (typeof ServiceWorkerGlobalScope !== 'undefined' && globalThis instanceof ServiceWorkerGlobalScope ? globalThis : undefined) as unknown as ServiceWorkerGlobalScope | undefined;
workerScope?.addEventListener('message', (event: ExtendableMessageEvent) => {
  const port = event.ports[0];
  const source = event.source as Client | null;
  if (!port || !source?.url.startsWith(extensionBase) || !isPageRequest(event.data)) return;
  const request = event.data;
  event.waitUntil(
    background
      .then((bg) => bg.handle(request, { fromExtensionPage: true }))
      .then(
        (answer) => port.postMessage(answer),
        (e: unknown) => port.postMessage({ ok: false, error: 'internal', message: e instanceof Error ? e.message : String(e) }),
      ),
  );
});

browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ping') {
    return Promise.resolve({ type: 'pong', version: browser.runtime.getManifest().version });
  }
  if (isPageRequest(message)) {
    const fromExtensionPage = sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(extensionBase);
    const t = sender.tab;
    const tab = t?.id !== undefined ? { id: t.id, windowId: t.windowId, active: t.active, url: t.url } : undefined;
    return background.then((bg) => bg.handle(message, { fromExtensionPage, tab }));
  }
  if (asContentMessage(message) && sender.tab?.id !== undefined && sender.id === browser.runtime.id) {
    const from = { tabId: sender.tab.id, frameId: sender.frameId, url: sender.url };
    return background.then((bg) => bg.handleContent(message, from)).catch((e: Error) => ({ error: e.message }));
  }
  return undefined;
});

// HTTP basic auth (opt-in): the listener exists only while the optional webRequest permissions are
// granted (the settings page requests them); registered at the top level so a challenge wakes the worker.
const basicAuth = installBasicAuth(
  () => (globalThis as { chrome?: { webRequest?: { onAuthRequired?: AuthRequiredEvent } } }).chrome?.webRequest?.onAuthRequired,
  new BasicAuthResponder((url) => background.then((bg) => bg.basicAuthFor(url))),
);
browser.permissions?.onAdded?.addListener(() => void basicAuth.install());

export async function fillActiveTab(tab?: browser.Tabs.Tab): Promise<void> {
  const target = tab ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  if (target?.id === undefined) return;
  const bg = await background;
  const data = await bg.handle({ type: 'popup-open', tabId: target.id }, { fromExtensionPage: true });
  if (!data.ok) return;
  const first = (data.value as { matches: { id: string }[] }).matches[0];
  if (first) await bg.fill(first.id, target.id).catch(() => undefined);
}

/** The keyboard command and the context-menu entry (exported for the test build's bridge). */
export const triggers = {
  command: (command: string) => (command === 'fill-login' ? fillActiveTab() : Promise.resolve()),
  contextMenu: (info: { menuItemId: string | number }, tab?: browser.Tabs.Tab) => (info.menuItemId === 'fill-login' ? fillActiveTab(tab) : Promise.resolve()),
};

browser.commands?.onCommand.addListener((command: string) => void triggers.command(command));

browser.contextMenus?.onClicked.addListener((info, tab) => void triggers.contextMenu(info, tab));

browser.runtime.onInstalled.addListener(async () => {
  if (!browser.contextMenus) return;
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: 'fill-login', title: browser.i18n.getMessage('commandFill'), contexts: ['editable'] });
});

// The bookmark mirror (opt-in): events only ask it to look again; registered at the top level so a
// native change wakes the worker.
if (browser.bookmarks) {
  const nudge = (kind: 'created' | 'changed' | 'moved' | 'removed') => (id: string) => void background.then((bg) => bg.mirror.onNative(kind, id));
  browser.bookmarks.onCreated.addListener(nudge('created'));
  browser.bookmarks.onChanged.addListener(nudge('changed'));
  browser.bookmarks.onMoved.addListener(nudge('moved'));
  browser.bookmarks.onRemoved.addListener(nudge('removed'));
}

browser.tabs.onRemoved.addListener((tabId: number) => void background.then((bg) => bg.content?.forgetTab(tabId)));

browser.alarms.create('autolock', { periodInMinutes: 1 });
browser.alarms.create('sync', { periodInMinutes: 5 });
browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === CLIPBOARD_ALARM) return void clipboard.due().catch(() => undefined);
  void background.then((bg) => (alarm.name === 'autolock' ? bg.checkIdle() : alarm.name === 'sync' ? bg.scheduler.request('alarm') : undefined));
});

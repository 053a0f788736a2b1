// TEST BUILDS ONLY (`vite build --mode test`): this file replaces main.ts as the background entry.
// It runs the real background, plus test-only requests (from the content-script bridge in
// src/content/test-bridge.ts or from an extension page) for what a Firefox BiDi driver cannot do:
//   test:open-page   open an extension page in a new tab (BiDi refuses to navigate to moz-extension://)
//   test:tab-message send a message from the background to a content script (the driver cannot reach
//                    the Firefox background); the tab is found by URL prefix (Firefox's tabs.query rejects
//                    match patterns with a port, so filter by hand).
//   test:instance    which run of the background this is (a new id after each worker/event-page restart).
import { triggers } from './main.ts';
import browser from 'webextension-polyfill';

interface OpenPageRequest {
  type: 'test:open-page';
  path: string;
}

function isOpenPageRequest(message: unknown): message is OpenPageRequest {
  const m = message as Partial<OpenPageRequest> | null;
  return typeof m === 'object' && m !== null && m.type === 'test:open-page' && typeof m.path === 'string';
}

interface TabMessageRequest {
  type: 'test:tab-message';
  urlPrefix: string;
  frameId?: number;
  message: unknown;
}

function isTabMessageRequest(message: unknown): message is TabMessageRequest {
  const m = message as Partial<TabMessageRequest> | null;
  return typeof m === 'object' && m !== null && m.type === 'test:tab-message' && typeof m.urlPrefix === 'string';
}

async function sendToTab({ urlPrefix, frameId, message }: TabMessageRequest): Promise<unknown> {
  const tabs = await browser.tabs.query({});
  const tab = tabs.find((t) => t.url?.startsWith(urlPrefix));
  if (tab?.id === undefined) throw new Error(`no tab with a URL starting ${urlPrefix}`);
  return browser.tabs.sendMessage(tab.id, message, { frameId: frameId ?? 0 });
}

const INSTANCE = { id: crypto.randomUUID(), startedAt: Date.now() };

browser.runtime.onMessage.addListener((message: unknown) => {
  if ((message as { type?: unknown } | null)?.type === 'test:instance') return Promise.resolve(INSTANCE);
  if (isOpenPageRequest(message)) {
    const path = message.path.replace(/^\/+/, '');
    return browser.tabs.create({ url: browser.runtime.getURL(path) }).then((tab) => ({ tabId: tab.id }));
  }
  if (isTabMessageRequest(message)) return sendToTab(message);
  if (isTriggerRequest(message)) return runTrigger(message);
  return undefined;
});

// test:trigger — what the browser does when the user presses the fill command's keys or picks the
// context-menu entry (a driver cannot press browser-level shortcuts or open native menus): the same
// handlers main.ts registers run, on the first tab whose URL starts with urlPrefix. It first checks
// that the command is declared with its key and that the menu entry exists (update rejects otherwise).
interface TriggerRequest {
  type: 'test:trigger';
  kind: 'command' | 'context-menu';
  urlPrefix: string;
}

function isTriggerRequest(message: unknown): message is TriggerRequest {
  const m = message as Partial<TriggerRequest> | null;
  return typeof m === 'object' && m !== null && m.type === 'test:trigger' && typeof m.urlPrefix === 'string';
}

async function runTrigger({ kind, urlPrefix }: TriggerRequest): Promise<{ shortcut?: string; menu?: boolean }> {
  const tab = (await browser.tabs.query({})).find((t) => t.url?.startsWith(urlPrefix));
  if (tab?.id === undefined) throw new Error(`no tab with a URL starting ${urlPrefix}`);
  if (kind === 'command') {
    const command = (await browser.commands.getAll()).find((c) => c.name === 'fill-login');
    if (!command) throw new Error('the fill-login command is not declared');
    await browser.tabs.update(tab.id, { active: true });
    await browser.windows.update(tab.windowId!, { focused: true }).catch(() => undefined);
    await triggers.command('fill-login');
    return { shortcut: command.shortcut };
  }
  await browser.contextMenus.update('fill-login', {}); // rejects when the entry does not exist
  await triggers.contextMenu({ menuItemId: 'fill-login' }, tab);
  return { menu: true };
}

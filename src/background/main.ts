// The background worker: wires the extension APIs to Background. Listeners are registered at once (MV3
// wakes the worker for an event only if its listener exists after the first run).
import browser from 'webextension-polyfill';
import { isPageRequest } from '../shared/messages.ts';
import { asContentMessage } from '../content/messages.ts';
import { Background, type Tabs } from './background.ts';
import { openVaultDb } from './db.ts';
import { systemClock, type SessionStore } from './platform.ts';
import { meshBackends } from './mesh-adapter.ts';

const session: SessionStore = {
  get: async <T>(key: string) => ((await browser.storage.session.get(key)) as Record<string, T | undefined>)[key],
  set: (key, value) => browser.storage.session.set({ [key]: value }),
  remove: (key) => browser.storage.session.remove(key),
};

const tabs: Tabs = {
  url: async (tabId) => (await browser.tabs.get(tabId)).url,
  sendToFrame: (tabId, frameId, message) => browser.tabs.sendMessage(tabId, message, { frameId }),
};

const background = (async () => {
  const bg = new Background({
    db: await openVaultDb(),
    session,
    clock: systemClock,
    tabs,
    ...meshBackends(),
    allowKdfOverride: import.meta.env.MODE === 'test',
  });
  await bg.start();
  return bg;
})();

const extensionBase = browser.runtime.getURL('');

browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ping') {
    return Promise.resolve({ type: 'pong', version: browser.runtime.getManifest().version });
  }
  if (isPageRequest(message)) {
    const fromExtensionPage = sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(extensionBase);
    return background.then((bg) => bg.handle(message, { fromExtensionPage }));
  }
  if (asContentMessage(message) && sender.tab?.id !== undefined && sender.id === browser.runtime.id) {
    const from = { tabId: sender.tab.id, frameId: sender.frameId, url: sender.url };
    return background.then((bg) => bg.handleContent(message, from)).catch((e: Error) => ({ error: e.message }));
  }
  return undefined;
});

async function fillActiveTab(tab?: browser.Tabs.Tab): Promise<void> {
  const target = tab ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  if (target?.id === undefined) return;
  const bg = await background;
  const data = await bg.handle({ type: 'popup-open', tabId: target.id }, { fromExtensionPage: true });
  if (!data.ok) return;
  const first = (data.value as { matches: { id: string }[] }).matches[0];
  if (first) await bg.fill(first.id, target.id).catch(() => undefined);
}

browser.commands?.onCommand.addListener((command: string) => {
  if (command === 'fill-login') void fillActiveTab();
});

browser.contextMenus?.onClicked.addListener((info, tab) => {
  if (info.menuItemId === 'fill-login') void fillActiveTab(tab);
});

browser.runtime.onInstalled.addListener(async () => {
  if (!browser.contextMenus) return;
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: 'fill-login', title: browser.i18n.getMessage('commandFill'), contexts: ['editable'] });
});

browser.tabs.onRemoved.addListener((tabId: number) => void background.then((bg) => bg.content?.forgetTab(tabId)));

browser.alarms.create('autolock', { periodInMinutes: 1 });
browser.alarms.create('sync', { periodInMinutes: 5 });
browser.alarms.onAlarm.addListener((alarm) => {
  void background.then((bg) => (alarm.name === 'autolock' ? bg.checkIdle() : alarm.name === 'sync' ? bg.scheduler.request('alarm') : undefined));
});

import { render } from 'preact';
import type { PopupData } from '../shared/messages.ts';
import { App, type PopupEnv } from './App.tsx';
import { pageApi } from './api.ts';
import { copyWithClear } from './clipboard.ts';
import { ext } from './ext.ts';
import './style.css';

/** How long the first paint waits for the worker's answer before it shows "Loading" instead. */
const FIRST_ANSWER_WAIT_MS = 120;

const api = pageApi((m) => ext.runtime.sendMessage(m));
const param = new URLSearchParams(location.search).get('tab');
const boundTab = param !== null && /^\d+$/.test(param) ? Number(param) : undefined;
// Before anything else: the worker finds the active tab and builds the first page of the list while this
// page renders (docs/decisions/popup-performance.md).
const first = api.call('popup-open', boundTab !== undefined ? { tabId: boundTab } : { activeTab: true });

async function boot(): Promise<void> {
  // Read when first needed, off the path to the first paint.
  let clearSeconds: Promise<number> | undefined;
  const clearAfter = () => (clearSeconds ??= api.call('settings-get', {}).then((s) => s.clipboardClearSeconds, () => 30));
  const env: PopupEnv = {
    api,
    tabId: boundTab,
    copy: async (text, secret) => copyWithClear(text, secret ? await clearAfter() : 0),
    openUrl: (url) => void ext.tabs.create({ url }),
    openPage: (path) => void ext.tabs.create({ url: ext.runtime.getURL(path) }),
    popOut:
      boundTab === undefined
        ? (tabId) => void ext.windows.create({ url: ext.runtime.getURL(`popup.html?tab=${tabId}`), type: 'popup', width: 400, height: 600 }).then(() => window.close())
        : undefined,
  };
  document.documentElement.lang = ext.i18n.getUILanguage();
  // One paint with the list rather than "Loading" then the list (and, in Chromium, a popup resize).
  const early = await Promise.race([
    first.then((d): PopupData => d, () => undefined),
    new Promise<undefined>((done) => setTimeout(done, FIRST_ANSWER_WAIT_MS)),
  ]);
  render(<App env={env} first={early ?? first} />, document.getElementById('app')!);
}

void boot();

import { render } from 'preact';
import browser from 'webextension-polyfill';
import { App, type PopupEnv } from './App.tsx';
import { pageApi } from './api.ts';
import { copyWithClear } from './clipboard.ts';
import './style.css';

async function boot(): Promise<void> {
  const api = pageApi((m) => browser.runtime.sendMessage(m));
  const param = new URLSearchParams(location.search).get('tab');
  const tabId = param !== null && /^\d+$/.test(param) ? Number(param) : (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
  // Read when first needed, off the path to the first paint.
  let clearSeconds: Promise<number> | undefined;
  const clearAfter = () => (clearSeconds ??= api.call('settings-get', {}).then((s) => s.clipboardClearSeconds, () => 30));
  const env: PopupEnv = {
    api,
    tabId,
    copy: async (text, secret) => copyWithClear(text, secret ? await clearAfter() : 0),
    openUrl: (url) => void browser.tabs.create({ url }),
    openPage: (path) => void browser.tabs.create({ url: browser.runtime.getURL(path) }),
    popOut:
      param === null && tabId !== undefined
        ? () => void browser.windows.create({ url: browser.runtime.getURL(`popup.html?tab=${tabId}`), type: 'popup', width: 400, height: 600 }).then(() => window.close())
        : undefined,
  };
  document.documentElement.lang = browser.i18n.getUILanguage();
  render(<App env={env} />, document.getElementById('app')!);
}

void boot();

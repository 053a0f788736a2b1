import { render } from 'preact';
import browser from 'webextension-polyfill';
import { pageApi } from './api.ts';
import { Options } from './Options.tsx';
import './style.css';

const env = {
  api: pageApi((m) => browser.runtime.sendMessage(m)),
  openPage: (path: string) => void browser.tabs.create({ url: browser.runtime.getURL(path) }),
  download(name: string, text: string) {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};
document.body.classList.add('page');
document.title = browser.i18n.getMessage('settingsTitle') || document.title;
render(<Options env={env} />, document.getElementById('app')!);

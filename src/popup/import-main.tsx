import { render } from 'preact';
import browser from 'webextension-polyfill';
import { pageApi } from './api.ts';
import { workerPost } from './worker-post.ts';
import { ImportPage } from './ImportPage.tsx';
import './style.css';

document.body.classList.add('page');
document.title = browser.i18n.getMessage('importTitle') || document.title;
render(<ImportPage api={pageApi(workerPost((m) => browser.runtime.sendMessage(m)))} />, document.getElementById('app')!);

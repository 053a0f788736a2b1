import browser from 'webextension-polyfill';

browser.runtime.onMessage.addListener((message: unknown) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ping') {
    return Promise.resolve({ type: 'pong', version: browser.runtime.getManifest().version });
  }
  return undefined;
});

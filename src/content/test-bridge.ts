// TEST BUILDS ONLY (`vite build --mode test`): this file replaces main.ts as the content-script entry.
// It runs the real content script, then lets the page ask the extension for things a WebDriver BiDi
// client cannot do itself (Firefox refuses navigation to moz-extension:// URLs). A page-reachable
// bridge like this must never ship: the shipped build's entry is main.ts and a test asserts the marker
// below is absent from it. Protocol (mirrored in test/e2e/harness/bridge.ts):
//   page → window.postMessage({ channel, direction: 'request', id, message })
//   content script → runtime.sendMessage(message) → window.postMessage({ channel, direction: 'response', id, ok, result | error })
// It also answers {type:'test:content-ping'} sent by the background (see test:tab-message).
import './main.ts';
import browser from 'webextension-polyfill';

const CHANNEL = 'meshpass-test-bridge';

interface BridgeRequest {
  channel: string;
  direction: 'request';
  id: number;
  message: unknown;
}

function isBridgeRequest(data: unknown): data is BridgeRequest {
  const d = data as Partial<BridgeRequest> | null;
  return typeof d === 'object' && d !== null && d.channel === CHANNEL && d.direction === 'request' && typeof d.id === 'number';
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || !isBridgeRequest(event.data)) return;
  const { id, message } = event.data;
  const reply = (body: { ok: boolean; result?: unknown; error?: string }) =>
    window.postMessage({ channel: CHANNEL, direction: 'response', id, ...body }, '*');
  browser.runtime.sendMessage(message).then(
    (result) => reply({ ok: true, result }),
    (error: unknown) => reply({ ok: false, error: String(error) }),
  );
});

// Lets tests check the background → content direction (harness sendToTab) whatever main.ts answers.
browser.runtime.onMessage.addListener((message: unknown) => {
  if ((message as { type?: unknown } | null)?.type !== 'test:content-ping') return undefined;
  return Promise.resolve({ type: 'test:content-pong', href: location.href, top: window === window.top });
});

document.documentElement.dataset.meshpassTestBridge = 'ready';

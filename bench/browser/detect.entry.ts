// Autofill detection figures, measured inside a page (Chromium/Firefox) or on a jsdom document (node).
// Used by bench/detect.bench.ts. Functions take plain JSON arguments and return milliseconds.
import { detect } from '../../src/content/detect.ts';
import { fillForm } from '../../src/content/fill.ts';
import { watchPage } from '../../src/content/observer.ts';

const LOGIN = `
<form action="/session" method="post" class="login">
  <h2>Sign in</h2>
  <label for="b-user">Email</label><input id="b-user" type="email" name="email" autocomplete="username">
  <label for="b-pass">Password</label><input id="b-pass" type="password" name="password" autocomplete="current-password">
  <label><input type="checkbox" name="remember"> Remember me</label>
  <button type="submit">Sign in</button>
</form>`;

/** A typical login page: header with navigation and search, the form, a footer with a newsletter box (~200 elements). */
export function buildTypical(doc: Document): void {
  const nav = Array.from({ length: 30 }, (_, i) => `<li><a href="/p${i}">Page ${i}</a></li>`).join('');
  const text = Array.from({ length: 40 }, (_, i) => `<p>Paragraph ${i} <span>with</span> <em>some</em> text.</p>`).join('');
  doc.body.innerHTML = `<header><nav><ul>${nav}</ul></nav><form role="search"><input type="search" name="q"></form></header>
    <main><article>${text}</article>${LOGIN}</main>
    <footer><form class="newsletter"><input type="email" name="nl" placeholder="Newsletter"><button>Subscribe</button></form></footer>`;
}

/** About `elements` elements of nested divs and text, with the login form in the middle. */
export function buildLarge(doc: Document, elements: number): void {
  const parts: string[] = [];
  const blocks = Math.ceil(elements / 9);
  for (let i = 0; i < blocks; i++) {
    parts.push(`<div class="card"><div class="row"><span>Item ${i}</span><a href="#${i}">link</a><ul><li>a</li><li>b</li></ul><p><b>x</b></p></div></div>`);
    if (i === blocks >> 1) parts.push(LOGIN);
  }
  doc.body.innerHTML = parts.join('');
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

export function timeDetect(doc: Document, runs: number, layout?: boolean): number {
  for (let i = 0; i < 3; i++) detect(doc, { layout });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const d = detect(doc, { layout });
    times.push(performance.now() - t);
    if (!d.forms.some((f) => f.kind === 'login')) throw new Error('bench page: login not detected');
  }
  return median(times);
}

export function typicalLogin(): number {
  buildTypical(document);
  return timeDetect(document, 50);
}

export function largePage(elements: number): number {
  buildLarge(document, elements);
  return timeDetect(document, 10);
}

export function countElements(): number {
  return document.querySelectorAll('*').length;
}

/** Detection + fill of the typical page, as the content script does it on a fill message. */
export function fillLatency(): number {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    buildTypical(document);
    const t = performance.now();
    const result = fillForm(detect(document), null, { type: 'fill', username: 'alice@example.com', password: 'pw-123456' });
    times.push(performance.now() - t);
    if (result.filled.length !== 2) throw new Error('bench page: fill failed');
  }
  return median(times);
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Inserts `nodes` nodes in 100 batches over separate tasks; returns the main-thread time of the loop. */
async function storm(nodes: number): Promise<number> {
  const host = document.createElement('div');
  document.body.append(host);
  const perBatch = Math.ceil(nodes / 100);
  let busy = 0;
  for (let b = 0; b < 100; b++) {
    const t = performance.now();
    const frag = document.createDocumentFragment();
    for (let i = 0; i < perBatch; i++) {
      const el = document.createElement(i % 7 === 0 ? 'input' : 'div');
      frag.append(el);
    }
    host.append(frag);
    busy += performance.now() - t;
    await tick(); // mutation callbacks run at the end of this task; time them as part of the next batch
  }
  host.remove();
  return busy;
}

/**
 * Main-thread cost of a mutation storm with the content script's observer attached: the extra time the
 * insertions take plus every detection the observer triggers (debounced, capped).
 */
export async function mutationStorm(nodes: number): Promise<{ overheadMs: number; detections: number; detectMs: number }> {
  buildTypical(document);
  const baseline = await storm(nodes);
  let detections = 0;
  let detectMs = 0;
  const watcher = watchPage(() => {
    const t = performance.now();
    detect(document);
    detectMs += performance.now() - t;
    detections++;
  });
  watcher.observe(document);
  const observed = await storm(nodes);
  await new Promise((r) => setTimeout(r, 1300));
  watcher.disconnect();
  return { overheadMs: Math.max(0, observed - baseline) + detectMs, detections, detectMs };
}

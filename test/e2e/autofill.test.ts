// Autofill in real Chromium: every corpus page is loaded, the background's worker sends the content
// script a fill (as the background's fill path will), and every input's value is checked: the fitting
// fields got exactly the credential, every other field kept its value. One browser, one tab, reused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSERS, launchBrowser, serveFixtures, type ChromiumSession, type ExtensionSession, type FixtureServer, type TestFrame, type TestPage } from './harness/index.ts';
import { CORPUS_DIR, loadCorpus, type CorpusPage } from '../unit/content/corpus.ts';
import type { FieldRole, FillMessage, FillResult, FormKind } from '../../src/content/messages.ts';

const USERNAME = 'alice@example.com';
const PASSWORD = 'S3cret-Pw!x';
const CODE = '123456';
const FILL: FillMessage = { type: 'fill', username: USERNAME, password: PASSWORD, totp: CODE };

/** Which roles a fill may write, by the kind of form it chose. */
const FILLABLE: Record<FormKind, FieldRole[]> = {
  login: ['username', 'password', 'otp'],
  'username-only': ['username'],
  'change-password': ['username', 'password'],
  otp: ['otp'],
  signup: [],
  'not-login': [],
};

interface Snapshot {
  values: string[];
  /** Index in `values` of each expected selector. */
  indexOf: Record<string, number>;
  state: string | null;
}

/** Runs in the page: every input in tree order (open shadow roots, and closed ones the page exposes). */
function snapshot(arg: { selectors: string[]; state: string | null }): Snapshot {
  const closed = (window as unknown as { __closedRoots?: Map<Element, ShadowRoot> }).__closedRoots;
  const rootOf = (el: Element) => el.shadowRoot ?? closed?.get(el) ?? null;
  const inputs: HTMLInputElement[] = [];
  const walk = (root: Document | ShadowRoot) => {
    for (const el of Array.from(root.querySelectorAll('*'))) {
      if (el.tagName === 'INPUT') inputs.push(el as HTMLInputElement);
      const r = rootOf(el);
      if (r) walk(r);
    }
  };
  walk(document);
  const indexOf: Record<string, number> = {};
  for (const selector of arg.selectors) {
    let scope: Document | ShadowRoot = document;
    let el: Element | null = null;
    for (const part of selector.split('>>>').map((s) => s.trim())) {
      el = scope.querySelector(part);
      if (!el) break;
      scope = rootOf(el) ?? scope;
    }
    indexOf[selector] = el ? inputs.indexOf(el as HTMLInputElement) : -1;
  }
  const stateEl = arg.state ? document.querySelector(arg.state) : null;
  return { values: inputs.map((i) => i.value), indexOf, state: (stateEl as HTMLElement | null)?.dataset.state ?? null };
}

let fixtures: FixtureServer;
let session: ExtensionSession;
const corpus = loadCorpus();
const pages = corpus.filter((p) => !p.path.startsWith('frames/'));
/** Firefox runs a representative subset (its launch and BiDi round trips are slower). */
const FIREFOX_SUBSET = new Set([
  'login-basic.html',
  'login-react-controlled.html',
  'login-vue-like.html',
  'login-angular-like.html',
  'login-shadow-open.html',
  'login-shadow-closed.html',
  'login-honeypot-hidden.html',
  'username-first-two-step.html',
  'signup-basic.html',
  'change-password-three.html',
  'otp-segmented.html',
  'neg-offscreen-login.html',
  'neg-transparent-login.html',
]);
const timings: number[] = [];
let tab: TestPage | undefined;

beforeAll(async () => {
  fixtures = await serveFixtures(CORPUS_DIR);
});
afterAll(async () => {
  await fixtures?.close();
});

interface WorkerChrome {
  tabs: {
    query(q: object): Promise<{ id?: number; url?: string }[]>;
    sendMessage(tabId: number, message: unknown, options?: { frameId: number }): Promise<unknown>;
  };
}

/** Sends the fill from the background to the tab: frame 0, or (Chromium) every frame for iframe pages. */
async function fillFromWorker(url: string, message: FillMessage, allFrames: boolean): Promise<FillResult> {
  if (!allFrames) return session.sendToTab<FillResult>(url, message, 0);
  return (session as ChromiumSession).worker.evaluate(
    async ({ url, message, allFrames }) => {
      const c = (globalThis as unknown as { chrome: WorkerChrome }).chrome;
      const tabs = await c.tabs.query({});
      const tab = tabs.find((t) => t.url?.startsWith(url));
      if (!tab?.id) throw new Error(`no tab for ${url}`);
      return (await c.tabs.sendMessage(tab.id, message, allFrames ? undefined : { frameId: 0 })) as FillResult;
    },
    { url, message, allFrames },
  );
}

async function checkFill(frame: TestFrame, url: string, kinds: FormKind[], roles: Record<string, FieldRole>, page: CorpusPage, allFrames: boolean) {
  await frame.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  const arg = { selectors: Object.keys(roles), state: page.expected.state ?? null };
  const before = await frame.evaluate(snapshot, arg);
  const started = performance.now();
  const result = await fillFromWorker(url, FILL, allFrames);
  timings.push(performance.now() - started);
  if (page.expected.state) await new Promise((r) => setTimeout(r, 120)); // let React-like pages re-render
  const after = await frame.evaluate(snapshot, arg);

  const valueFor = (role: FieldRole, selector: string) => {
    if (role === 'username') return USERNAME;
    if (role === 'password') return PASSWORD;
    if (role === 'otp') {
      const single = Object.entries(roles).filter(([, r]) => r === 'otp').length > 1;
      return single ? CODE[Object.keys(roles).filter((s) => roles[s] === 'otp').indexOf(selector)] : CODE;
    }
    return null;
  };
  const roleValues = Object.values(roles);
  const fillableKinds = kinds.filter((k) => roleValues.some((r) => FILLABLE[k].includes(r)));
  // Sent to every frame, the answer may come from a frame without a form: judge by the page's kind.
  const kind = result.kind ?? (allFrames && kinds.length === 1 ? kinds[0] : null);
  const expected = before.values.slice();
  const allowed = new Map<number, string>();
  for (const [selector, role] of Object.entries(roles)) {
    const i = after.indexOf[selector];
    expect(i, `selector ${selector}`).toBeGreaterThanOrEqual(0);
    const v = valueFor(role, selector);
    if (v !== null && kind !== null && FILLABLE[kind].includes(role)) allowed.set(i, v);
  }
  // Each input either kept its value or received exactly the value for its role.
  for (let i = 0; i < after.values.length; i++) {
    if (after.values[i] === before.values[i]) continue;
    expect(allowed.get(i), `input #${i} changed to ${after.values[i]}`).toBe(after.values[i]);
  }
  if (fillableKinds.length === 0) {
    if (!allFrames) expect(result.filled).toEqual([]);
    expect(after.values).toEqual(expected);
    return;
  }
  // Pages with one fillable form: every fillable field of it was filled.
  expect(kind).not.toBeNull();
  if (fillableKinds.length === 1 && kinds.length === 1) {
    for (const [i, v] of allowed) if (before.values[i] === '') expect(after.values[i], `input #${i}`).toBe(v);
  }
  if (after.state !== null) {
    const state = Object.values(JSON.parse(after.state) as Record<string, string>);
    expect(state).toContain(USERNAME);
    expect(state).toContain(PASSWORD);
  }
}

describe.each(BROWSERS)('autofill corpus in %s', (browserName) => {
  beforeAll(async () => {
    session = await launchBrowser(browserName);
    tab = await session.newPage();
    timings.length = 0;
  });
  afterAll(async () => {
    if (timings.length) console.log(`[autofill] ${browserName}: fill round trip median ${timings.sort((a, b) => a - b)[timings.length >> 1].toFixed(1)} ms over ${timings.length} fills`);
    await session?.close();
  });

  const selected = pages.filter((p) => browserName === 'chromium' || FIREFOX_SUBSET.has(p.path));
  it.each(selected.map((p) => [p.path, p] as const))('%s', async (_path, page) => {
    if (!tab) throw new Error('no tab');
    {
      const url = fixtures.url(`/${page.path}`);
      await tab.goto(url);
      const frameUrl = page.expected.frame;
      const frame: TestFrame = frameUrl ? await tab.frame(frameUrl) : tab;
      await tab.waitFor(() => document.documentElement.dataset.meshpass === 'ready');
      if (frameUrl) {
        await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.meshpass ?? null), { timeout: 5000 }).toBe('ready');
      }
      if (page.expected.waitMs) await new Promise((r) => setTimeout(r, page.expected.waitMs));
      const child = frameUrl ? corpus.find((p) => p.path === frameUrl)! : page;
      await checkFill(frame, url, child.expected.kinds, child.expected.roles, child, !!frameUrl);
      const next = page.expected.next;
      if (next) {
        await frame.evaluate((sel) => (document.querySelector(sel) as HTMLElement).click(), next.click);
        await checkFill(frame, url, next.kinds, next.roles, page, false);
      }
    }
  });
});

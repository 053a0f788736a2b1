// Content script: runs in every frame of http(s) pages. Detects login forms, fills on the background's
// request, lists suggestions under a focused login field, and reports what the user typed on submit.
// Kept small and dependency-free (no webextension-polyfill): it loads into every frame of every page.
import { detect, formOf, roleOf, summarize, type Detection } from './detect.ts';
import { browserShadowReader, isVisible } from './dom.ts';
import { fillForm, fillGenerated, filling, noteTrustedInput } from './fill.ts';
import { asBackgroundMessage, type ContentToBackground, type DetectResult, type FillResult, type SuggestionsResponse } from './messages.ts';
import { watchPage } from './observer.ts';
import { SubmitTracker } from './submit.ts';
import { SuggestionList } from './suggest.ts';
import { generatePassword } from '../mesh/generator.ts';
import { normalize, SIGNUP_CONTEXT, STRONG_LOGIN_CONTEXT, SUBMIT_WORDS } from './signals.ts';

interface Runtime {
  id: string;
  sendMessage(message: unknown): Promise<unknown>;
  onMessage: {
    addListener(listener: (message: unknown, sender: { id?: string }, sendResponse: (r: unknown) => void) => boolean | undefined): void;
  };
}

const ext = (globalThis as { browser?: { runtime?: Runtime }; chrome?: { runtime?: Runtime } });
const runtime: Runtime | undefined = ext.browser?.runtime ?? ext.chrome?.runtime;

document.documentElement.dataset.meshpass = 'ready';

const readShadowRoot = browserShadowReader();
let detection: Detection = { forms: [], shadowRoots: [] };
let lastReport = '[]';

function send(message: ContentToBackground): Promise<unknown> {
  if (!runtime?.id) return Promise.resolve(undefined); // extension reloaded: this script is orphaned
  return runtime.sendMessage(message).catch(() => undefined);
}

const tracker = new SubmitTracker(
  () => detection,
  (offer) => void send(offer),
  () => location.href,
);

const watcher = watchPage(redetect);
const suggestions = new SuggestionList();

function redetect(): void {
  detection = detect(document, { readShadowRoot });
  for (const root of detection.shadowRoots) watcher.observe(root);
  tracker.redetected();
  const forms = summarize(detection);
  const report = JSON.stringify(forms);
  if (report !== lastReport) {
    lastReport = report;
    void send({ type: 'forms-detected', url: location.href, forms });
  }
}

/** The element that really has focus, through shadow roots. */
function focusedInput(): Element | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/** Submit controls, and buttons or links whose words say sign in / sign up / save (not "show password"). */
function isSubmitLike(el: Element): boolean {
  if (el instanceof HTMLInputElement) return el.type === 'submit' || el.type === 'image';
  if (el instanceof HTMLButtonElement && el.type === 'submit') return true;
  const words = normalize(`${el.textContent ?? ''} ${el.getAttribute('aria-label') ?? ''}`.slice(0, 80));
  return STRONG_LOGIN_CONTEXT.test(words) || SIGNUP_CONTEXT.test(words) || SUBMIT_WORDS.test(words);
}

function eventTarget(e: Event): Element | null {
  const t = e.composedPath()[0];
  return t instanceof Element ? t : null;
}

async function openSuggestions(input: HTMLInputElement): Promise<void> {
  const role = roleOf(detection, input);
  const form = formOf(detection, input);
  if (!form) return;
  if ((role === 'username' || role === 'password') && (form.kind === 'login' || form.kind === 'username-only')) {
    const answer = (await send({ type: 'suggestions', url: location.href })) as SuggestionsResponse | undefined;
    const entries = Array.isArray(answer?.entries) ? answer.entries : [];
    if (entries.length === 0 || focusedInput() !== input) return;
    suggestions.show(input, {
      entries,
      insecureText: insecureText(),
      // confirmInsecure only after the user's genuine click on "fill anyway" in our closed-root list.
      onPick: (id, confirmInsecure) => void send({ type: 'fill-request', id, url: location.href, ...(confirmInsecure ? { confirmInsecure: true } : {}) }),
    });
  } else if (role === 'new-password' && input.value === '') {
    suggestions.show(input, {
      entries: [],
      onGenerate: () => {
        const password = generatePassword({
          maxLength: input.maxLength,
          minLength: input.minLength,
          rules: input.getAttribute('passwordrules') ?? undefined,
        });
        fillGenerated(detection, input, password);
      },
    });
  }
}

/** This frame, or a frame holding it, is invisible in its (same-origin) parent. Cross-origin parents hide frameElement. */
function frameHidden(): boolean {
  try {
    for (let w: Window = window; w !== w.parent; w = w.parent) {
      const el = w.frameElement as HTMLElement | null;
      if (!el) return false;
      if (!isVisible(el, true)) return true;
    }
  } catch {
    /* a cross-origin ancestor */
  }
  return false;
}

/** One suggestions request at a time: a page calling focus() in a loop cannot flood the background. */
let asking = false;
let askNext: HTMLInputElement | null = null;
function suggestFor(input: HTMLInputElement): void {
  if (asking) return void (askNext = input);
  asking = true;
  void openSuggestions(input).finally(() => {
    asking = false;
    const next = askNext;
    askNext = null;
    if (next && focusedInput() === next) suggestFor(next);
  });
}

/** The confirmation asked before an https login goes into an http page, from _locales. */
function insecureText(): { warning: string; fill: string; cancel: string } | undefined {
  const i18n = (globalThis as { chrome?: { i18n?: { getMessage(k: string): string } } }).chrome?.i18n;
  const [warning, fill, cancel] = ['insecureFillWarning', 'fillAnyway', 'cancel'].map((k) => i18n?.getMessage(k) ?? '');
  return warning && fill && cancel ? { warning, fill, cancel } : undefined;
}

function onMessage(message: unknown, sender: { id?: string }, sendResponse: (r: unknown) => void): boolean | undefined {
  if (sender.id !== runtime?.id) return undefined;
  const m = asBackgroundMessage(message);
  if (!m) return undefined;
  watcher.flush();
  if (m.type === 'detect') {
    redetect();
    sendResponse({ url: location.href, forms: summarize(detection) } satisfies DetectResult);
  } else if (m.type === 'fill') {
    redetect();
    // A sandboxed frame (opaque origin) never gets credentials, whatever the background decided; nor a
    // frame that a same-origin parent made invisible (opacity 0, clipped…): the parent could read it.
    if (self.origin === 'null' || frameHidden()) {
      sendResponse({ filled: [], kind: null } satisfies FillResult);
      return undefined;
    }
    suggestions.hide();
    sendResponse(fillForm(detection, focusedInput(), m) satisfies FillResult);
  } else {
    redetect();
    sendResponse(fillGenerated(detection, focusedInput(), m.password) satisfies FillResult);
  }
  return undefined;
}

function start(): void {
  redetect();
  watcher.observe(document);
  // Custom elements that attach their shadow root after load change nothing the observer can see.
  for (const ms of [1000, 3000]) setTimeout(redetect, ms);
  runtime?.onMessage.addListener(onMessage);

  document.addEventListener(
    'input',
    (e) => {
      noteTrustedInput(e);
      const t = eventTarget(e);
      if (e.isTrusted && t instanceof HTMLInputElement) tracker.noteInput(t);
    },
    true,
  );
  document.addEventListener('submit', (e) => e.target instanceof Element && tracker.submitted(e.target), true);
  document.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Escape') suggestions.hide();
      const t = eventTarget(e);
      if (e.key === 'Enter' && e.isTrusted && t instanceof HTMLInputElement) tracker.submitted(t);
    },
    true,
  );
  document.addEventListener(
    'click',
    (e) => {
      const t = eventTarget(e);
      const button = t?.closest('button,input[type=submit],input[type=image],[role=button],a');
      if (button && e.isTrusted && !suggestions.contains(t) && isSubmitLike(button)) tracker.submitted(button);
    },
    true,
  );
  document.addEventListener(
    'focusin',
    (e) => {
      const t = eventTarget(e);
      // Synthetic focusin events from the page would make us ask the background once each (a flood).
      if (filling || !e.isTrusted || !(t instanceof HTMLInputElement)) return;
      suggestFor(t);
    },
    true,
  );
  document.addEventListener(
    'focusout',
    () => {
      setTimeout(() => {
        if (!filling && !(focusedInput() instanceof HTMLInputElement)) suggestions.hide();
      }, 150);
    },
    true,
  );
  window.addEventListener('pagehide', () => tracker.leaving());
  const navigation = (globalThis as { navigation?: EventTarget }).navigation;
  navigation?.addEventListener('navigate', () => tracker.leaving());
}

start();

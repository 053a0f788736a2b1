// Form detection: finds the inputs of a frame (through shadow roots), groups them into forms, classifies
// each form (login, username-only step, signup, change-password, OTP, not a login) and gives each field a
// role. Everything here errs on the side of "none": a field without a role is never filled.
import type { FieldRole, FormKind, FormSummary } from './messages.ts';
import { collectInputs, composedParent, hasLayout, isVisible, openShadowReader, textOf, type ShadowRootReader } from './dom.ts';
import {
  autocompleteTokens,
  CHANGE_CONTEXT,
  CHECKOUT_CONTEXT,
  CONFIRM_PASSWORD,
  CURRENT_PASSWORD,
  EMAIL_CHANGE_CONTEXT,
  EMAIL_NEW,
  FORGOT_CONTEXT,
  HONEYPOT,
  LOGIN_CONTEXT,
  NEW_PASSWORD,
  NEWSLETTER_CONTEXT,
  NON_LOGIN_AUTOCOMPLETE,
  normalize,
  NOT_OTP,
  OTHER_SECRET,
  NOT_USERNAME,
  OTP,
  OTP_WEAK,
  PROFILE,
  SEARCH,
  SIGNUP_CONTEXT,
  STRONG_LOGIN_CONTEXT,
  USERNAME,
} from './signals.ts';

/** Words that name the account itself (stronger than a bare e-mail field on a signup form). */
const ACCOUNT_NAME = /(?:^|\s)(?:user ?(name|id)|login ?(name|id)?$|benutzer ?name|nutzer ?name|usuario|utilisateur|identifiant)/;

const TEXT_TYPES = new Set(['', 'text', 'email', 'tel', 'number', 'password', 'search', 'url']);

export interface Field {
  readonly el: HTMLInputElement;
  /** Lower-case type attribute ('' when absent or unknown). */
  readonly type: string;
  /** Visible, enabled, writable, not a honeypot: may receive a value. */
  readonly usable: boolean;
  /** Normalized name, id, label, placeholder, aria-label, title, autocomplete. */
  readonly hints: string;
  readonly ac: string[];
  readonly form: HTMLFormElement | null;
  role: FieldRole;
}

export interface DetectedForm {
  kind: FormKind;
  /** All candidate fields of the form, in document order, including unusable ones (role 'none'). */
  fields: Field[];
  /** The <form> element, or null for inputs outside any form. */
  form: HTMLFormElement | null;
}

export interface Detection {
  forms: DetectedForm[];
  /** Shadow roots met during the walk (the observer watches them). */
  shadowRoots: ShadowRoot[];
}

export interface DetectOptions {
  readShadowRoot?: ShadowRootReader;
  /** Override layout detection (tests). */
  layout?: boolean;
}

// ---- field facts ---------------------------------------------------------------------------------

function labelText(el: HTMLInputElement): string {
  const parts: string[] = [];
  const labels = el.labels;
  if (labels) for (const l of Array.from(labels)) parts.push(textOf(l, 60));
  const by = el.getAttribute('aria-labelledby');
  if (by) {
    const root = el.getRootNode() as Document | ShadowRoot;
    for (const id of by.split(/\s+/)) parts.push(textOf(root.getElementById?.(id), 60));
  }
  if (parts.join('').trim() === '') {
    // Table and div layouts without <label>: the text just before the field; floating labels: a <label>
    // just after it.
    const prev = el.previousElementSibling;
    const next = el.nextElementSibling;
    if (prev && prev.tagName !== 'INPUT') parts.push(textOf(prev, 40));
    else if (next && next.tagName === 'LABEL') parts.push(textOf(next, 40));
    else {
      const cell = el.parentElement;
      const before = cell?.previousElementSibling;
      if (cell && before && !before.querySelector('input')) parts.push(textOf(before, 40));
    }
  }
  return parts.join(' ');
}

function hintsOf(el: HTMLInputElement): string {
  const a = (name: string) => el.getAttribute(name) ?? '';
  return normalize([a('name'), a('id'), a('placeholder'), a('aria-label'), a('title'), a('data-testid'), a('formcontrolname'), a('ng-model'), a('v-model'), labelText(el)].join(' '));
}

/** Inputs seen as password fields: a "show password" toggle that unmasks one does not change its role. */
const wasPassword = new WeakSet<HTMLInputElement>();

function makeField(el: HTMLInputElement, layout: boolean): Field | null {
  let type = (el.getAttribute('type') ?? '').toLowerCase();
  if (type === 'password') wasPassword.add(el);
  else if (type === 'text' && wasPassword.has(el)) type = 'password';
  if (!TEXT_TYPES.has(type)) return null;
  const hints = hintsOf(el);
  const classes = normalize(el.className && typeof el.className === 'string' ? el.className : '');
  const honeypot = HONEYPOT.test(hints) || HONEYPOT.test(classes);
  // Readonly text fields show a value (the account on a password step); readonly password fields are
  // usually an anti-autofill trick that the page lifts on focus, which the fill gives them.
  const usable = !el.disabled && (!el.readOnly || type === 'password') && !honeypot && isVisible(el, layout);
  return { el, type, usable, hints, ac: autocompleteTokens(el.getAttribute('autocomplete')), form: el.form, role: 'none' };
}

const hasAc = (f: Field, token: string) => f.ac.includes(token);

function isPasswordLike(f: Field): boolean {
  if (hasAc(f, 'one-time-code')) return false;
  return f.type === 'password' || hasAc(f, 'current-password') || hasAc(f, 'new-password');
}

function isSearch(f: Field): boolean {
  if (f.type === 'search') return true;
  const name = normalize(f.el.getAttribute('name') ?? '');
  if (name === 'q' || name === 's' || SEARCH.test(name) || hasAc(f, 'search')) return true;
  for (let el: Element | null = f.el; el; el = composedParent(el)) {
    if (el.getAttribute('role') === 'search' || el.tagName === 'SEARCH') return true;
    if (el.tagName === 'FORM') {
      const form = el as HTMLFormElement;
      if (/(^|\W)(search|suche|recherche|buscar)/i.test(`${form.getAttribute('action') ?? ''} ${form.id} ${form.className}`)) return true;
      break;
    }
  }
  return false;
}

function isOtp(f: Field, segmented: Set<HTMLInputElement>): boolean {
  if (hasAc(f, 'one-time-code')) return true;
  if (segmented.has(f.el)) return true;
  if (hasAc(f, 'username') || hasAc(f, 'email') || f.type === 'email' || NOT_OTP.test(f.hints) || f.ac.some((t) => t.startsWith('cc-'))) return false;
  if (OTP.test(f.hints)) return true;
  // A masked "PIN" is the account's secret, not a one-time code.
  if (f.type === 'password' || !OTP_WEAK.test(f.hints)) return false;
  const max = f.el.maxLength;
  const numeric = f.el.inputMode === 'numeric' || f.type === 'number' || f.type === 'tel' || /\\d|\[0-9\]/.test(f.el.pattern);
  return numeric || (max > 0 && max <= 10);
}

/** Runs of 4–8 adjacent one-character inputs: a code typed one digit per box. */
function segmentedOtp(fields: Field[]): Set<HTMLInputElement> {
  const out = new Set<HTMLInputElement>();
  let run: Field[] = [];
  const flush = () => {
    if (run.length >= 4 && run.length <= 8) for (const f of run) out.add(f.el);
    run = [];
  };
  for (const f of fields) {
    const single = f.el.maxLength === 1 && f.type !== 'password' && f.type !== 'email';
    if (!single) flush();
    else if (run.length > 0 && composedParent(run[run.length - 1].el) !== composedParent(f.el) && composedParent(composedParent(run[run.length - 1].el)!) !== composedParent(composedParent(f.el)!)) {
      flush();
      run.push(f);
    } else run.push(f);
  }
  flush();
  return out;
}

/** A text field that may hold the account name: signals for, no signals against. */
function usernameScore(f: Field): number {
  if (f.type === 'password' || isSearch(f)) return -1;
  if (hasAc(f, 'username') || hasAc(f, 'webauthn')) return 4;
  if (EMAIL_NEW.test(f.hints) || CONFIRM_PASSWORD.test(f.hints)) return -1; // new or repeated address
  if (hasAc(f, 'email')) return 3;
  if (f.ac.some((t) => NON_LOGIN_AUTOCOMPLETE.has(t))) return -1;
  if (NOT_USERNAME.test(f.hints)) return -1;
  if (ACCOUNT_NAME.test(f.hints)) return 3.5;
  if (f.type === 'email') return 3;
  if (USERNAME.test(f.hints)) return 2;
  if (hasAc(f, 'tel') || f.type === 'tel') return 1;
  return 0;
}

// ---- grouping ------------------------------------------------------------------------------------

/**
 * Splits a form's fields into clusters so that two logins on one page (a header box and the main form),
 * or a whole page wrapped in one <form> (ASP.NET), do not merge: a new cluster starts at the first text
 * field that follows a password field, once more password fields follow it.
 */
function splitClusters(fields: Field[]): Field[][] {
  const clusters: Field[][] = [];
  let current: Field[] = [];
  let sawPassword = false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const pw = f.usable && isPasswordLike(f);
    if (!pw && f.usable && sawPassword && fields.slice(i + 1).some((g) => g.usable && isPasswordLike(g)) && usernameScore(f) >= 0 && !isPasswordLike(f)) {
      clusters.push(current);
      current = [];
      sawPassword = false;
    }
    current.push(f);
    if (pw) sawPassword = true;
  }
  if (current.length) clusters.push(current);
  return clusters;
}

// ---- form context ----------------------------------------------------------------------------------

function commonContainer(fields: Field[]): Element | null {
  let node: Element | null = fields[0].el;
  const all = fields.map((f) => f.el);
  for (let depth = 0; node && depth < 12; depth++) {
    const n: Element = node;
    if (all.every((el) => n.contains(el) || (el.getRootNode() as ShadowRoot).host === n || n.contains((el.getRootNode() as ShadowRoot).host ?? null))) return n;
    node = composedParent(node);
  }
  return null;
}

/** Words around a form that tell its purpose: its attributes, headings and buttons (capped). */
interface Context {
  /** Attributes, headings and buttons around the form. */
  all: string;
  /** The text of the form's submit control (the strongest clue), or ''. */
  submit: string;
}

/** The form's submit control; outside a <form>, the first button-like element after the last field. */
function submitControl(scope: Element, form: HTMLFormElement | null, fields: Field[]): Element | null {
  if (form) return scope.querySelector('button[type=submit],input[type=submit],input[type=image],button:not([type])');
  const last = fields[fields.length - 1].el;
  const buttons = scope.querySelectorAll('button,[role=button],input[type=submit],input[type=button]');
  for (let i = 0; i < buttons.length; i++) {
    if (last.compareDocumentPosition(buttons[i]) & 4 /* FOLLOWING */) return buttons[i];
  }
  return null;
}

function contextOf(form: HTMLFormElement | null, fields: Field[]): Context {
  const parts: string[] = [];
  let scope: Element | null = form ?? commonContainer(fields);
  // Formless fields: widen to the nearest ancestor that holds a button, but never the whole page.
  if (!form) {
    for (let i = 0; scope && i < 4 && !scope.querySelector('button,input[type=submit],[role=button]'); i++) {
      const up: Element | null = composedParent(scope);
      if (!up || up.tagName === 'BODY' || up.tagName === 'HTML') break;
      scope = up;
    }
  }
  if (!scope) return { all: '', submit: '' };
  parts.push(scope.id, typeof scope.className === 'string' ? scope.className : '', scope.getAttribute('action') ?? '', scope.getAttribute('name') ?? '', scope.getAttribute('aria-label') ?? '');
  const nodes = scope.querySelectorAll('button,input[type=submit],input[type=button],[role=button],h1,h2,h3,legend,[type=submit]');
  for (let i = 0; i < nodes.length && i < 8; i++) {
    const n = nodes[i];
    parts.push(n.tagName === 'INPUT' ? ((n as HTMLInputElement).value ?? '') : textOf(n, 60), n.getAttribute('aria-label') ?? '', n.id, n.getAttribute('name') ?? '');
  }
  // A heading just before the form ("Sign in to Example").
  const before = scope.previousElementSibling;
  if (before && /^H[1-3]$/.test(before.tagName)) parts.push(textOf(before, 60));
  const button = submitControl(scope, form, fields);
  const submit = button ? normalize(`${button.tagName === 'INPUT' ? (button as HTMLInputElement).value : textOf(button, 60)} ${button.id} ${button.getAttribute('name') ?? ''}`) : '';
  return { all: normalize(parts.join(' ')), submit };
}

// ---- classification ----------------------------------------------------------------------------------

interface FormFacts {
  context: Context;
  /** Usable text fields that are clearly not login fields (names, birthday, address...). */
  profileFields: number;
  /** Usable text fields besides passwords. */
  textFields: number;
}

function classifyPasswords(pw: Field[], facts: FormFacts): { kind: FormKind; roles: FieldRole[] } {
  const context = facts.context.all;
  const submit = facts.context.submit;
  const isCurrent = (f: Field) => hasAc(f, 'current-password') || (!hasAc(f, 'new-password') && CURRENT_PASSWORD.test(f.hints));
  const isConfirm = (f: Field) => CONFIRM_PASSWORD.test(f.hints);
  // The submit control's words win over the rest of the context ("Sign up" button, "Log in" link-button).
  const submitSignup = SIGNUP_CONTEXT.test(submit);
  const submitLogin = STRONG_LOGIN_CONTEXT.test(submit);
  const signup = submitSignup || (!submitLogin && SIGNUP_CONTEXT.test(context));
  const login = submitLogin || (!submitSignup && LOGIN_CONTEXT.test(context));
  const change = CHANGE_CONTEXT.test(context);

  if (pw.length === 1) {
    const f = pw[0];
    if (isCurrent(f)) return { kind: 'login', roles: ['password'] };
    // Sites that mark a sign-in password new-password only to stop the browser's autofill.
    const declaredNewOnly = hasAc(f, 'new-password') && !NEW_PASSWORD.test(f.hints) && !CONFIRM_PASSWORD.test(f.hints);
    if (declaredNewOnly && login && !signup && facts.textFields <= 1) return { kind: 'login', roles: ['password'] };
    // One field saying "confirm your password" is a re-authentication, not a new password.
    const saysNew = hasAc(f, 'new-password') || NEW_PASSWORD.test(f.hints);
    if (saysNew || (signup && !login) || facts.profileFields >= 2) return { kind: 'signup', roles: ['new-password'] };
    return { kind: 'login', roles: ['password'] };
  }
  if (pw.length === 2) {
    const [a, b] = pw;
    if (isCurrent(a) && !isCurrent(b)) return { kind: 'change-password', roles: ['password', 'new-password'] };
    if (isCurrent(a) && isCurrent(b)) return { kind: 'not-login', roles: ['none', 'none'] };
    // Two password fields without "current": a new one and its confirmation.
    const kind: FormKind = change && !signup && !isConfirm(a) ? 'change-password' : 'signup';
    return { kind, roles: ['new-password', 'confirm'] };
  }
  if (pw.length === 3) {
    if (isCurrent(pw[1]) || isCurrent(pw[2])) return { kind: 'not-login', roles: ['none', 'none', 'none'] };
    return { kind: 'change-password', roles: ['password', 'new-password', 'confirm'] };
  }
  return { kind: 'not-login', roles: pw.map(() => 'none') };
}

/** The username of a login or signup: the best-scoring text field before the (first) password field. */
function pickUsername(candidates: Field[], firstPassword: Field | null, allowFallback: boolean): Field | null {
  const before = firstPassword ? candidates.slice(0, candidates.indexOf(firstPassword)) : candidates;
  let best: Field | null = null;
  let bestScore = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const f = before[i];
    if (!f.usable || isPasswordLike(f) || f.role === 'otp') continue;
    const s = usernameScore(f);
    if (s > bestScore) {
      best = f;
      bestScore = s;
    }
  }
  if (best) return best;
  // No signal anywhere: the text field right before the password, if nothing speaks against it (and,
  // outside a <form>, if the two sit close together in the tree).
  for (let i = before.length - 1; i >= 0; i--) {
    const f = before[i];
    if (!f.usable || f.role === 'otp') continue;
    const fits = usernameScore(f) === 0 && (f.type === '' || f.type === 'text');
    return fits && (allowFallback || (firstPassword !== null && near(f.el, firstPassword.el, 4))) ? f : null;
  }
  return null;
}

/** Whether a and b share an ancestor at most `levels` above a. */
function near(a: Element, b: Element, levels: number): boolean {
  let el: Element | null = a;
  for (let i = 0; el && i <= levels; i++, el = composedParent(el)) if (el.contains(b)) return true;
  return false;
}

function classifyCluster(fields: Field[], form: HTMLFormElement | null, segmented: Set<HTMLInputElement>): DetectedForm {
  const usable = fields.filter((f) => f.usable);
  const result: DetectedForm = { kind: 'not-login', fields, form };
  if (usable.length === 0) return result;
  const context = contextOf(form, fields);
  if (usable.some((f) => f.type !== 'password' && EMAIL_NEW.test(f.hints)) || EMAIL_CHANGE_CONTEXT.test(context.all)) return result;

  for (const f of usable) if (isOtp(f, segmented)) f.role = 'otp';
  // Masked fields for other secrets (API keys, SMTP or Wi-Fi passwords on settings pages) are not logins.
  const pw = usable.filter((f) => f.role !== 'otp' && isPasswordLike(f) && !OTHER_SECRET.test(f.hints));

  if (pw.length === 0) {
    const texts = usable.filter((f) => f.role !== 'otp' && !isSearch(f));
    if (usable.some((f) => f.role === 'otp') && texts.every((f) => usernameScore(f) <= 0 || f.type === 'tel')) {
      result.kind = 'otp';
      return result;
    }
    for (const f of usable) f.role = 'none';
    // Username-first step: exactly one text field, saying it holds the account name, in a sign-in context.
    if (texts.length !== 1) return result;
    const only = texts[0];
    const score = usernameScore(only);
    if (score < 2) return result;
    const hiddenPassword = fields.some((f) => !f.usable && f.type === 'password');
    const declared = hasAc(only, 'username');
    const all = context.all;
    const title = normalize(only.el.ownerDocument.title);
    if (NEWSLETTER_CONTEXT.test(all) || FORGOT_CONTEXT.test(context.submit)) return result;
    if (!declared && !hiddenPassword) {
      if (FORGOT_CONTEXT.test(all) || CHECKOUT_CONTEXT.test(all) || CHECKOUT_CONTEXT.test(title)) return result;
      // A first signup step ("Sign up – enter your email – Next") is not a sign-in.
      if ((SIGNUP_CONTEXT.test(all) || SIGNUP_CONTEXT.test(title)) && !STRONG_LOGIN_CONTEXT.test(all) && !STRONG_LOGIN_CONTEXT.test(title)) return result;
    }
    if (declared || hiddenPassword || LOGIN_CONTEXT.test(all)) {
      only.role = 'username';
      result.kind = 'username-only';
    }
    return result;
  }

  const texts = usable.filter((f) => f.role !== 'otp' && !isPasswordLike(f) && !isSearch(f));
  const facts: FormFacts = {
    context,
    textFields: texts.length,
    profileFields: texts.filter((f) => usernameScore(f) <= 0 && (f.ac.some((t) => NON_LOGIN_AUTOCOMPLETE.has(t)) || PROFILE.test(f.hints))).length,
  };
  const { kind, roles } = classifyPasswords(pw, facts);
  result.kind = kind;
  pw.forEach((f, i) => (f.role = roles[i]));
  if (kind === 'login' || kind === 'signup') {
    const user = pickUsername(fields, pw[0], kind === 'login' && form !== null);
    if (user) user.role = 'username';
  } else if (kind === 'change-password') {
    // An expired-password form may ask for the account name too; only when it says so plainly.
    const user = pickUsername(fields, pw[0], false);
    if (user && usernameScore(user) >= 3.5) user.role = 'username';
  } else if (kind === 'not-login') {
    for (const f of fields) f.role = 'none';
  }
  return result;
}

const CROWD = 300;
const BEFORE_PASSWORD = 6;

/**
 * Pages with hundreds of inputs (grids, spreadsheets, big settings pages) would make every detection
 * slow. Past CROWD inputs, keep only password fields, the few inputs before each, and inputs whose
 * autocomplete names a credential.
 */
function pruneCrowd(inputs: HTMLInputElement[]): HTMLInputElement[] {
  if (inputs.length <= CROWD) return inputs;
  const keep = new Set<number>();
  for (let i = 0; i < inputs.length; i++) {
    const el = inputs[i];
    if (el.type === 'password') for (let j = Math.max(0, i - BEFORE_PASSWORD); j <= i + 2 && j < inputs.length; j++) keep.add(j);
    else if (/username|email|password|one-time-code/.test(el.getAttribute('autocomplete') ?? '')) keep.add(i);
  }
  return [...keep].sort((a, b) => a - b).map((i) => inputs[i]);
}

// ---- entry point -------------------------------------------------------------------------------------

export function detect(doc: Document, options: DetectOptions = {}): Detection {
  const read = options.readShadowRoot ?? openShadowReader;
  const layout = options.layout ?? hasLayout(doc);
  const shadowRoots: ShadowRoot[] = [];
  const inputs = pruneCrowd(collectInputs(doc, read, [], shadowRoots));
  const fields: Field[] = [];
  for (const el of inputs) {
    const f = makeField(el, layout);
    if (f) fields.push(f);
  }
  // Group by owning <form> (the `form` property also honours the form= attribute); formless together.
  const groups = new Map<HTMLFormElement | null, Field[]>();
  for (const f of fields) {
    const list = groups.get(f.form);
    if (list) list.push(f);
    else groups.set(f.form, [f]);
  }
  const segmented = segmentedOtp(fields.filter((f) => f.usable));
  const forms: DetectedForm[] = [];
  for (const [form, list] of groups) {
    for (const cluster of splitClusters(list)) forms.push(classifyCluster(cluster, form, segmented));
  }
  return { forms, shadowRoots };
}

export function summarize(detection: Detection): FormSummary[] {
  return detection.forms.filter((f) => f.kind !== 'not-login').map((f) => ({ kind: f.kind, roles: f.fields.map((x) => x.role) }));
}

/** The role a given input got, or 'none'. */
export function roleOf(detection: Detection, el: Element): FieldRole {
  for (const form of detection.forms) for (const f of form.fields) if (f.el === el) return f.role;
  return 'none';
}

export function formOf(detection: Detection, el: Element): DetectedForm | null {
  for (const form of detection.forms) if (form.fields.some((f) => f.el === el)) return form;
  return null;
}

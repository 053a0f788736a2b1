// Putting values into fields so that the page's framework (React, Vue, Angular, plain listeners) sees them
// as typed. The content script runs in an isolated world: the page cannot replace the prototype's value
// setter or these event constructors for us, so a page override of HTMLInputElement.prototype.value does
// not see what we write through the native setter captured here.
import type { Detection, DetectedForm, Field } from './detect.ts';
import type { FieldRole, FillMessage, FillResult } from './messages.ts';

type Setter = (this: HTMLInputElement, value: string) => void;
const valueSetterOf = (proto: HTMLInputElement): Setter => Object.getOwnPropertyDescriptor(proto, 'value')!.set! as Setter;
// Captured when the script starts (undefined outside a DOM, e.g. a node benchmark importing this module).
const capturedSetter: Setter | undefined = typeof HTMLInputElement === 'undefined' ? undefined : valueSetterOf(HTMLInputElement.prototype);
const nativeValueSetter = (el: HTMLInputElement): Setter => capturedSetter ?? valueSetterOf(Object.getPrototypeOf(el) as HTMLInputElement);

/** Inputs the user typed into (trusted events only); never overwritten. */
export const userTyped = new WeakSet<HTMLInputElement>();
/** Password fields whose value may be offered for saving: typed by the user or generated on request. */
export const offerable = new WeakSet<HTMLInputElement>();
/** Values this script wrote, so that a second fill may replace its own earlier one. */
const ourValues = new WeakMap<HTMLInputElement, string>();

/** Set while we fill, so that the focus we cause does not open the suggestion list. */
export let filling = false;

export function noteTrustedInput(event: Event): void {
  const target = event.composedPath()[0];
  if (event.isTrusted && target instanceof HTMLInputElement) {
    userTyped.add(target);
    offerable.add(target);
  }
}

function key(el: HTMLInputElement, type: string, value: string): void {
  const k = value.slice(-1);
  el.dispatchEvent(new KeyboardEvent(type, { key: k, code: '', bubbles: true, cancelable: true, composed: true }));
}

/** Writes one value the way a browser's own autofill does. False when the field must be left alone. */
export function setFieldValue(el: HTMLInputElement, value: string): boolean {
  if (!el.isConnected || el.disabled) return false;
  const current = el.value;
  if (current !== '' && current !== value && ourValues.get(el) !== current) return false;
  if (userTyped.has(el) && current !== '') return false;
  if (el.maxLength > 0 && value.length > el.maxLength) return false;
  filling = true;
  try {
    el.focus({ preventScroll: true });
    // Some pages keep a field readonly until it gets focus (against browser autofill).
    if (el.readOnly) return false;
    key(el, 'keydown', value);
    key(el, 'keypress', value);
    nativeValueSetter(el).call(el, value);
    el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText', data: value }));
    key(el, 'keyup', value);
    el.dispatchEvent(new Event('change', { bubbles: true }));
    // Frameworks that re-render on input may have reset it; write once more without events.
    if (el.value !== value) nativeValueSetter(el).call(el, value);
  } finally {
    filling = false;
  }
  ourValues.set(el, value);
  return el.value === value;
}

const KIND_RANK: Record<string, number> = { login: 3, 'username-only': 2, 'change-password': 1, otp: 1 };

function hasUsable(form: DetectedForm, role: FieldRole): boolean {
  return form.fields.some((f) => f.role === role && f.usable);
}

/** The form a fill goes to: the one holding focus if it qualifies, else the best-ranked one. */
export function pickForm(detection: Detection, focused: Element | null, message: FillMessage): DetectedForm | null {
  const qualifies = (f: DetectedForm) =>
    (f.kind === 'login' && (hasUsable(f, 'password') || hasUsable(f, 'username'))) ||
    (f.kind === 'username-only' && message.username !== undefined) ||
    (f.kind === 'change-password' && message.password !== undefined && hasUsable(f, 'password')) ||
    (f.kind === 'otp' && message.totp !== undefined) ||
    (f.kind === 'login' && message.totp !== undefined && hasUsable(f, 'otp'));
  const candidates = detection.forms.filter(qualifies);
  if (focused) {
    const holder = candidates.find((f) => f.fields.some((x) => x.el === focused));
    if (holder) return holder;
  }
  let best: DetectedForm | null = null;
  for (const f of candidates) if (!best || (KIND_RANK[f.kind] ?? 0) > (KIND_RANK[best.kind] ?? 0)) best = f;
  return best;
}

function fillOtp(fields: Field[], code: string, filled: FieldRole[]): void {
  const boxes = fields.filter((f) => f.role === 'otp' && f.usable);
  if (boxes.length === 0) return;
  if (boxes.length > 1 && boxes.every((f) => f.el.maxLength === 1)) {
    if (code.length !== boxes.length) return;
    if (boxes.every((f, i) => setFieldValue(f.el, code[i]))) filled.push('otp');
    return;
  }
  if (setFieldValue(boxes[0].el, code)) filled.push('otp');
}

/**
 * Fills the chosen form: the username only into a username field (login, username-only step, or an
 * expired-password form that asks for it), the password only into a current-
 * password field (never a new-password, confirmation, search or hidden one), the code into OTP fields.
 */
export function fillForm(detection: Detection, focused: Element | null, message: FillMessage): FillResult {
  const form = pickForm(detection, focused, message);
  if (!form) return { filled: [], kind: null };
  const filled: FieldRole[] = [];
  for (const f of form.fields) {
    if (!f.usable) continue;
    if (f.role === 'username' && message.username !== undefined) {
      if (setFieldValue(f.el, message.username)) filled.push('username');
    } else if (f.role === 'password' && message.password !== undefined && f.el.type === 'password') {
      if (setFieldValue(f.el, message.password)) filled.push('password');
    }
  }
  if (message.totp !== undefined && (form.kind === 'otp' || form.kind === 'login')) fillOtp(form.fields, message.totp, filled);
  return { filled, kind: form.kind };
}

/** Puts a generated password into the focused form's new-password field and its confirmation. */
export function fillGenerated(detection: Detection, focused: Element | null, password: string): FillResult {
  const forms = detection.forms.filter((f) => (f.kind === 'signup' || f.kind === 'change-password') && hasUsable(f, 'new-password'));
  const form = forms.find((f) => f.fields.some((x) => x.el === focused)) ?? (forms.length === 1 ? forms[0] : null);
  if (!form) return { filled: [], kind: null };
  const filled: FieldRole[] = [];
  for (const f of form.fields) {
    if (f.usable && (f.role === 'new-password' || f.role === 'confirm') && setFieldValue(f.el, password)) {
      offerable.add(f.el);
      filled.push(f.role);
    }
  }
  return { filled, kind: form.kind };
}

// Save and update offers: after a submit (form submit, Enter, a click on the submit control, SPA
// navigation, or the form's removal), report the username and password the USER typed (trusted input
// events) or accepted from the generator. Nothing is reported for values the page or a fill put there.
import type { Detection, DetectedForm, Field } from './detect.ts';
import { offerable } from './fill.ts';
import type { SaveOfferMessage } from './messages.ts';

const DEDUPE_MS = 10_000;

function valueOf(fields: Field[], role: Field['role']): HTMLInputElement | null {
  return fields.find((f) => f.role === role && f.usable)?.el ?? null;
}

/** A username the page keeps in a hidden field on a password-only step. */
function hiddenUsername(fields: Field[]): string {
  for (const f of fields) {
    if (f.usable || f.type === 'password') continue;
    if ((f.ac.includes('username') || f.ac.includes('email') || f.type === 'email') && f.el.value.trim() !== '') return f.el.value.trim();
  }
  return '';
}

interface Candidate {
  form: DetectedForm;
  username: string;
  password: string;
  kind: SaveOfferMessage['kind'];
}

export class SubmitTracker {
  /** Username typed on a username-only step earlier in this document. */
  private rememberedUsername = '';
  /** The last form the user typed a password into, with its values, for removal and navigation. */
  private pending: Candidate | null = null;
  private lastSent = { key: '', at: 0 };

  constructor(
    private readonly detection: () => Detection,
    private readonly send: (message: SaveOfferMessage) => void,
    private readonly url: () => string,
  ) {}

  /** Reads a form's values as they are now; null when nothing qualifies for an offer. */
  private candidate(form: DetectedForm): Candidate | null {
    const fields = form.fields;
    if (form.kind === 'username-only') {
      const user = valueOf(fields, 'username');
      if (user && user.value.trim() !== '') this.rememberedUsername = user.value.trim();
      return null;
    }
    let passwordField: HTMLInputElement | null;
    let kind: Candidate['kind'] = 'new';
    if (form.kind === 'login') passwordField = valueOf(fields, 'password');
    else if (form.kind === 'signup' || form.kind === 'change-password') {
      passwordField = valueOf(fields, 'new-password');
      const confirm = valueOf(fields, 'confirm');
      if (passwordField && confirm && confirm.value !== passwordField.value) return null;
      if (form.kind === 'change-password') kind = 'update';
    } else return null;
    if (!passwordField || passwordField.value === '' || !offerable.has(passwordField)) return null;
    const userField = valueOf(fields, 'username');
    const username = userField?.value.trim() || hiddenUsername(fields) || this.rememberedUsername;
    return { form, username, password: passwordField.value, kind };
  }

  private offer(c: Candidate): void {
    this.pending = null;
    const key = `${c.username}\u0000${c.password}`;
    const now = Date.now();
    if (key === this.lastSent.key && now - this.lastSent.at < DEDUPE_MS) return;
    this.lastSent = { key, at: now };
    this.send({ type: 'save-offer', url: this.url(), username: c.username, password: c.password, kind: c.kind, formKind: c.form.kind });
  }

  /** The user typed in a field: keep a snapshot of its form for removal and navigation. */
  noteInput(target: HTMLInputElement): void {
    const form = this.formOf(target);
    if (!form) return;
    const c = this.candidate(form);
    if (c) this.pending = c;
  }

  /** A submit-like action on a form containing or near `target`. */
  submitted(target: Element): void {
    const form = this.formOf(target) ?? this.formNear(target);
    if (!form) return;
    const c = this.candidate(form);
    if (c) this.offer(c);
  }

  /** Detection ran again: a form the user typed into that is gone counts as submitted. */
  redetected(): void {
    const p = this.pending;
    if (p && p.form.fields.every((f) => !f.el.isConnected || !f.usable)) this.offer(p);
  }

  /** The document is being left (navigation, SPA route change): offer what is pending. */
  leaving(): void {
    if (this.pending) this.offer(this.pending);
  }

  private formOf(el: Element): DetectedForm | null {
    for (const form of this.detection().forms) {
      if (form.form && form.form === el) return form;
      if (form.fields.some((f) => f.el === el)) return form;
    }
    return null;
  }

  /** The form a button belongs to: its <form>, else the nearest ancestor (≤ 5 up) holding a field. */
  private formNear(button: Element): DetectedForm | null {
    const owner = (button as HTMLButtonElement).form ?? button.closest('form');
    const forms = this.detection().forms.filter((f) => f.kind !== 'not-login');
    if (owner) return forms.find((f) => f.form === owner) ?? null;
    let scope: Element | null = button.parentElement;
    for (let i = 0; scope && i < 5; i++, scope = scope.parentElement) {
      const s = scope;
      const hit = forms.find((f) => f.fields.some((x) => s.contains(x.el)));
      if (hit) return hit;
    }
    return null;
  }
}

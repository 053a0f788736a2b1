// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { detect } from '../../../src/content/detect.ts';
import { fillForm, fillGenerated, noteTrustedInput, setFieldValue } from '../../../src/content/fill.ts';
import { SubmitTracker } from '../../../src/content/submit.ts';
import { asBackgroundMessage, asContentMessage, type SaveOfferMessage } from '../../../src/content/messages.ts';

const $ = (id: string) => document.getElementById(id) as HTMLInputElement;
const run = () => detect(document, { layout: false });

/** The user types: jsdom cannot make trusted events, so the listener sees a stand-in that says it is one. */
function userTypes(el: HTMLInputElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  noteTrustedInput({ isTrusted: true, composedPath: () => [el] } as unknown as Event);
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('fillForm', () => {
  it('fills username and password with key, input and change events', () => {
    document.body.innerHTML = `<form><input id="u" name="username"><input id="p" type="password" name="password"><button>Sign in</button></form>`;
    const seen: string[] = [];
    for (const id of ['u', 'p']) for (const t of ['keydown', 'keypress', 'input', 'keyup', 'change']) $(id).addEventListener(t, () => seen.push(`${id}:${t}`));
    const r = fillForm(run(), null, { type: 'fill', username: 'alice', password: 'pw1' });
    expect(r).toEqual({ filled: ['username', 'password'], kind: 'login' });
    expect([$('u').value, $('p').value]).toEqual(['alice', 'pw1']);
    expect(seen).toEqual(['u:keydown', 'u:keypress', 'u:input', 'u:keyup', 'u:change', 'p:keydown', 'p:keypress', 'p:input', 'p:keyup', 'p:change']);
  });

  it('writes through the prototype setter, so an instance-level value override (React tracker) does not swallow it', () => {
    document.body.innerHTML = `<form><input id="u" name="email" type="email"><input id="p" type="password"></form>`;
    const setter = vi.fn();
    Object.defineProperty($('u'), 'value', { configurable: true, get: () => 'tracked', set: setter });
    fillForm(run(), null, { type: 'fill', username: 'alice', password: 'x' });
    expect(setter).not.toHaveBeenCalled();
  });

  it('never overwrites what the user typed', () => {
    document.body.innerHTML = `<form><input id="u" name="username"><input id="p" type="password"></form>`;
    userTypes($('u'), 'bob');
    const r = fillForm(run(), null, { type: 'fill', username: 'alice', password: 'pw' });
    expect($('u').value).toBe('bob');
    expect(r.filled).toEqual(['password']);
  });

  it('replaces its own earlier fill but not a value the page set', () => {
    document.body.innerHTML = `<form><input id="u" name="username" value="prefilled"><input id="p" type="password"></form>`;
    fillForm(run(), null, { type: 'fill', username: 'alice', password: 'one' });
    expect($('u').value).toBe('prefilled');
    fillForm(run(), null, { type: 'fill', username: 'alice', password: 'two' });
    expect($('p').value).toBe('two');
  });

  it('fills only the username on a username-only step', () => {
    document.body.innerHTML = `<form><input id="u" type="email" autocomplete="username"><button>Next</button></form>`;
    expect(fillForm(run(), null, { type: 'fill', username: 'alice', password: 'pw' })).toEqual({ filled: ['username'], kind: 'username-only' });
  });

  it('never puts the password into new-password, confirmation, hidden or honeypot fields', () => {
    document.body.innerHTML = `
      <form><input id="a" name="email" type="email"><input id="n1" type="password" autocomplete="new-password"><input id="n2" type="password" name="confirm_password"><button>Sign up</button></form>
      <form><input id="h" type="password" style="display:none"><input id="hp" type="password" name="honeypot"></form>`;
    const r = fillForm(run(), null, { type: 'fill', username: 'alice', password: 'pw' });
    expect(r.filled).toEqual([]);
    for (const id of ['a', 'n1', 'n2', 'h', 'hp']) expect($(id).value).toBe('');
  });

  it('fills only the current password of a change-password form', () => {
    document.body.innerHTML = `<form><input id="c" type="password" autocomplete="current-password"><input id="n" type="password" autocomplete="new-password"><input id="r" type="password" autocomplete="new-password"></form>`;
    expect(fillForm(run(), null, { type: 'fill', username: 'alice', password: 'pw' })).toEqual({ filled: ['password'], kind: 'change-password' });
    expect([$('c').value, $('n').value, $('r').value]).toEqual(['pw', '', '']);
  });

  it('prefers the form holding focus', () => {
    document.body.innerHTML = `
      <form><input id="u1" name="username"><input id="p1" type="password"></form>
      <form><input id="u2" name="username"><input id="p2" type="password"></form>`;
    $('p2').focus();
    fillForm(run(), document.activeElement, { type: 'fill', username: 'alice', password: 'pw' });
    expect([$('u1').value, $('u2').value]).toEqual(['', 'alice']);
  });

  it('spreads a code over segmented OTP boxes', () => {
    document.body.innerHTML = `<div>${[1, 2, 3, 4, 5, 6].map((i) => `<input id="d${i}" maxlength="1" inputmode="numeric">`).join('')}</div>`;
    expect(fillForm(run(), null, { type: 'fill', totp: '987654' }).filled).toEqual(['otp']);
    expect([1, 2, 3, 4, 5, 6].map((i) => $(`d${i}`).value).join('')).toBe('987654');
  });

  it('keeps the role of an unmasked password field but does not fill it while it shows plain text', () => {
    document.body.innerHTML = `<form><input id="u" name="username"><input id="p" type="password" name="password"></form>`;
    run();
    $('p').type = 'text';
    const d = run();
    expect(d.forms[0].kind).toBe('login');
    expect(fillForm(d, null, { type: 'fill', username: 'alice', password: 'pw' }).filled).toEqual(['username']);
    expect($('p').value).toBe('');
  });

  it('refuses values longer than maxlength', () => {
    const el = document.createElement('input');
    el.maxLength = 3;
    document.body.append(el);
    expect(setFieldValue(el, 'abcd')).toBe(false);
  });

  it('puts a generated password into new-password and confirmation only', () => {
    document.body.innerHTML = `<form><input id="u" name="username"><input id="n1" type="password" autocomplete="new-password"><input id="n2" type="password" autocomplete="new-password"></form>`;
    expect(fillGenerated(run(), $('n1'), 'Gen-Pw-1').filled).toEqual(['new-password', 'confirm']);
    expect([$('u').value, $('n1').value, $('n2').value]).toEqual(['', 'Gen-Pw-1', 'Gen-Pw-1']);
  });
});

describe('SubmitTracker', () => {
  function setup(html: string) {
    document.body.innerHTML = html;
    let detection = run();
    const sent: SaveOfferMessage[] = [];
    const tracker = new SubmitTracker(() => detection, (m) => sent.push(m), () => 'https://example.com/login');
    return { sent, tracker, redetect: () => (detection = run()) };
  }

  it('offers what the user typed on submit', () => {
    const { sent, tracker } = setup(`<form id="f"><input id="u" name="username"><input id="p" type="password"></form>`);
    userTypes($('u'), 'alice');
    userTypes($('p'), 'typed-pw');
    tracker.submitted(document.getElementById('f')!);
    expect(sent).toEqual([{ type: 'save-offer', url: 'https://example.com/login', username: 'alice', password: 'typed-pw', kind: 'new', formKind: 'login' }]);
    tracker.submitted(document.getElementById('f')!);
    expect(sent).toHaveLength(1); // deduplicated
  });

  it('offers nothing for values the user did not type', () => {
    const { sent, tracker } = setup(`<form id="f"><input id="u" name="username"><input id="p" type="password"></form>`);
    fillForm(run(), null, { type: 'fill', username: 'alice', password: 'filled' });
    tracker.submitted(document.getElementById('f')!);
    expect(sent).toEqual([]);
  });

  it('offers an update from a change-password form only when the confirmation matches', () => {
    const { sent, tracker } = setup(
      `<form id="f"><input type="password" id="c" autocomplete="current-password"><input type="password" id="n" autocomplete="new-password"><input type="password" id="r" autocomplete="new-password"></form>`,
    );
    userTypes($('c'), 'old');
    userTypes($('n'), 'new-1');
    userTypes($('r'), 'new-2');
    tracker.submitted(document.getElementById('f')!);
    expect(sent).toEqual([]);
    userTypes($('r'), 'new-1');
    tracker.submitted(document.getElementById('f')!);
    expect(sent.map((m) => [m.kind, m.password])).toEqual([['update', 'new-1']]);
  });

  it('remembers the username of a username-first step and offers when the password form disappears', () => {
    const { sent, tracker, redetect } = setup(`<form id="f1"><input id="u" type="email" autocomplete="username"><button>Next</button></form>`);
    userTypes($('u'), 'alice@example.com');
    tracker.submitted(document.getElementById('f1')!);
    document.body.innerHTML = `<div><input id="p" type="password"><div role="button">Sign in</div></div>`;
    redetect();
    userTypes($('p'), 'pw-typed');
    tracker.noteInput($('p'));
    document.body.innerHTML = '<h1>Welcome</h1>';
    redetect();
    tracker.redetected();
    expect(sent.map((m) => [m.username, m.password, m.formKind])).toEqual([['alice@example.com', 'pw-typed', 'login']]);
  });
});

describe('message validation', () => {
  it('accepts well-formed messages and rejects others', () => {
    expect(asBackgroundMessage({ type: 'fill', username: 'a', password: 'b' })).not.toBeNull();
    expect(asBackgroundMessage({ type: 'fill', password: 3 })).toBeNull();
    expect(asBackgroundMessage({ type: 'detect', extra: 1 })).toEqual({ type: 'detect' });
    expect(asBackgroundMessage('fill')).toBeNull();
    expect(asContentMessage({ type: 'save-offer', url: 'u', username: 'a', password: 'b', kind: 'new' })).not.toBeNull();
    expect(asContentMessage({ type: 'save-offer', url: 'u', username: 'a', password: 'b', kind: 'other' })).toBeNull();
    expect(asContentMessage({ type: 'fill-request', url: 'u' })).toBeNull();
  });
});

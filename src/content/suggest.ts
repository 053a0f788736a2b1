// The suggestion list under a focused login field. It lives in a CLOSED shadow root, so page scripts
// cannot read the entries or restyle them; a pick only counts when the click is trusted and really lands
// on our list (not through a transparent overlay or a restyled host).
import type { Suggestion } from './messages.ts';

const STYLE = `
:host{all:initial}
.list{position:fixed;z-index:2147483647;min-width:220px;max-width:360px;background:#fff;color:#111;border:1px solid #888;
border-radius:6px;box-shadow:0 4px 16px rgba(0,0,0,.25);font:13px/1.3 system-ui,sans-serif;padding:4px 0;margin:0}
button{all:unset;display:block;box-sizing:border-box;width:100%;padding:6px 10px;cursor:pointer}
button:hover,button:focus-visible{background:#e8eefc;outline:none}
.t{font-weight:600}.u{color:#555;font-size:12px}
.warn{padding:6px 10px;max-width:330px;color:#8a1c00}.row{display:flex}.row button{text-align:center;font-weight:600}
@media (prefers-color-scheme:dark){.list{background:#222;color:#eee;border-color:#555}.u{color:#aaa}.warn{color:#ffb199}button:hover,button:focus-visible{background:#33415c}}`;

export interface SuggestionChoice {
  entries: Suggestion[];
  /** confirmInsecure: the user confirmed filling an https login into this http page. */
  onPick?(id: string, confirmInsecure?: boolean): void;
  /** Texts of the confirmation asked before an `insecure` entry is filled. */
  insecureText?: { warning: string; fill: string; cancel: string };
  /** Offered on new-password fields. */
  onGenerate?: () => void;
  generateLabel?: string;
}

export class SuggestionList {
  private host: HTMLElement | null = null;
  private root: ShadowRoot | null = null;

  get isOpen(): boolean {
    return this.host !== null && this.host.isConnected;
  }

  show(anchor: HTMLElement, choice: SuggestionChoice): void {
    this.hide();
    if (choice.entries.length === 0 && !choice.onGenerate) return;
    const doc = anchor.ownerDocument;
    const host = doc.createElement('div');
    const root = host.attachShadow({ mode: 'closed' });
    const style = doc.createElement('style');
    style.textContent = STYLE;
    const list = doc.createElement('div');
    list.className = 'list';
    list.setAttribute('role', 'listbox');
    const r = anchor.getBoundingClientRect();
    list.style.top = `${Math.round(r.bottom + 2)}px`;
    list.style.left = `${Math.round(r.left)}px`;
    // Keep focus in the page's field while the user clicks the list.
    list.addEventListener('mousedown', (e) => e.preventDefault());
    const add = (title: string, subtitle: string, act: () => void) => {
      const b = doc.createElement('button');
      b.setAttribute('role', 'option');
      const t = doc.createElement('div');
      t.className = 't';
      t.textContent = title;
      b.append(t);
      if (subtitle) {
        const u = doc.createElement('div');
        u.className = 'u';
        u.textContent = subtitle;
        b.append(u);
      }
      b.addEventListener('click', (e) => {
        if (!this.genuineClick(e)) return;
        this.hide();
        act();
      });
      list.append(b);
    };
    for (const entry of choice.entries)
      add(entry.title || entry.username, entry.title ? entry.username : '', () =>
        entry.insecure ? this.confirmInsecure(anchor, choice, entry.id) : choice.onPick?.(entry.id),
      );
    if (choice.onGenerate) add(choice.generateLabel ?? 'Use a strong generated password', '', choice.onGenerate);
    root.append(style, list);
    doc.documentElement.append(host);
    this.host = host;
    this.root = root;
  }

  /**
   * An https login picked on an http page: never filled silently. The list is replaced by a warning and
   * two buttons in the same closed root; only a genuine click on "fill anyway" fills.
   */
  private confirmInsecure(anchor: HTMLElement, choice: SuggestionChoice, id: string): void {
    const text = choice.insecureText ?? { warning: 'This page is not secure (http). Fill anyway?', fill: 'Fill anyway', cancel: 'Cancel' };
    this.show(anchor, { entries: [], onGenerate: () => undefined }); // a fresh host at the same place, emptied below
    const root = this.root;
    const list = root?.querySelector('.list');
    if (!root || !list) return;
    const doc = anchor.ownerDocument;
    list.replaceChildren();
    list.setAttribute('role', 'alertdialog');
    const p = doc.createElement('div');
    p.className = 'warn';
    p.textContent = text.warning;
    const row = doc.createElement('div');
    row.className = 'row';
    const button = (label: string, name: string, act: () => void) => {
      const b = doc.createElement('button');
      b.textContent = label;
      b.dataset.act = name;
      b.addEventListener('click', (e) => {
        if (!this.genuineClick(e)) return;
        this.hide();
        act();
      });
      row.append(b);
    };
    button(text.fill, 'fill', () => choice.onPick?.(id, true));
    button(text.cancel, 'cancel', () => undefined);
    list.append(p, row);
  }

  hide(): void {
    this.host?.remove();
    this.host = null;
    this.root = null;
  }

  /** Trusted, and the topmost element at the click point is our host, which the page has not faded out. */
  private genuineClick(e: MouseEvent): boolean {
    const host = this.host;
    if (!e.isTrusted || !host || !this.root) return false;
    const doc = host.ownerDocument;
    // Faded or masked by the page (on the host or the whole document), painted over by something the page
    // appended after the host, or by the top layer (popover, modal dialog, fullscreen): not a knowing pick.
    for (const el of [host, doc.documentElement]) {
      const s = doc.defaultView?.getComputedStyle(el);
      if (s && (s.opacity !== '1' || s.visibility !== 'visible' || s.display === 'none' || /opacity|bright|contrast|blur|url/.test(s.filter) || [s.maskImage, s.clipPath].some((v) => v && v !== 'none'))) return false;
    }
    if (host.nextElementSibling || doc.fullscreenElement) return false;
    try {
      if (doc.querySelector(':modal,:popover-open')) return false;
    } catch {
      /* a browser without these selectors has no such top layer either */
    }
    if (e.clientX === 0 && e.clientY === 0) return true; // keyboard activation: no pointer position
    return doc.elementFromPoint(e.clientX, e.clientY) === host;
  }

  contains(node: Node | null): boolean {
    return !!node && node === this.host;
  }
}

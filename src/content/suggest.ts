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
@media (prefers-color-scheme:dark){.list{background:#222;color:#eee;border-color:#555}.u{color:#aaa}button:hover,button:focus-visible{background:#33415c}}`;

export interface SuggestionChoice {
  entries: Suggestion[];
  onPick?(id: string): void;
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
    for (const entry of choice.entries) add(entry.title || entry.username, entry.title ? entry.username : '', () => choice.onPick?.(entry.id));
    if (choice.onGenerate) add(choice.generateLabel ?? 'Use a strong generated password', '', choice.onGenerate);
    root.append(style, list);
    doc.documentElement.append(host);
    this.host = host;
    this.root = root;
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
    const style = doc.defaultView?.getComputedStyle(host);
    if (style && (style.opacity !== '1' || style.visibility !== 'visible' || style.display === 'none')) return false;
    if (e.clientX === 0 && e.clientY === 0) return true; // keyboard activation: no pointer position
    return doc.elementFromPoint(e.clientX, e.clientY) === host;
  }

  contains(node: Node | null): boolean {
    return !!node && node === this.host;
  }
}

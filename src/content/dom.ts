// DOM access the detector needs: inputs in tree order through open and closed shadow roots, and whether
// an input is really visible to the user.

/** Returns a closed or open shadow root, or null. Set by main.ts from the browser's extension API. */
export type ShadowRootReader = (host: Element) => ShadowRoot | null;

interface ChromeDom {
  dom?: { openOrClosedShadowRoot?(element: Element): ShadowRoot | null };
}

/** The reader the browser offers: chrome.dom.openOrClosedShadowRoot, Firefox's element.openOrClosedShadowRoot, else open roots. */
export function browserShadowReader(): ShadowRootReader {
  const chromeDom = (globalThis as { chrome?: ChromeDom }).chrome?.dom;
  if (chromeDom?.openOrClosedShadowRoot) {
    const read = chromeDom.openOrClosedShadowRoot.bind(chromeDom);
    return (host) => {
      try {
        return read(host) ?? null;
      } catch {
        return host.shadowRoot;
      }
    };
  }
  return (host) => (host as Element & { openOrClosedShadowRoot?: ShadowRoot | null }).openOrClosedShadowRoot ?? host.shadowRoot;
}

export const openShadowReader: ShadowRootReader = (host) => host.shadowRoot;

/** Every <input> under root in composed tree order; shadow roots found are added to `roots`. */
export function collectInputs(root: Document | ShadowRoot, read: ShadowRootReader, out: HTMLInputElement[] = [], roots: ShadowRoot[] = []): HTMLInputElement[] {
  const all = root.querySelectorAll('*');
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    if (el.tagName === 'INPUT') out.push(el as HTMLInputElement);
    // Open roots are a cheap property read; closed ones only exist on custom elements in practice, and
    // the extension API call is kept off the other thousands of elements.
    const shadow = el.shadowRoot ?? (el.localName.includes('-') ? read(el) : null);
    if (shadow && !roots.includes(shadow)) {
      roots.push(shadow);
      collectInputs(shadow, read, out, roots);
    }
  }
  return out;
}

/** The parent in the flat tree: through shadow roots to their hosts and slots. */
export function composedParent(el: Element): Element | null {
  if (el.assignedSlot) return el.assignedSlot;
  if (el.parentElement) return el.parentElement;
  const root = el.parentNode;
  return root && (root as ShadowRoot).host ? (root as ShadowRoot).host : null;
}

/** True when the page has real layout (a browser); false in jsdom where every rectangle is empty. */
export function hasLayout(doc: Document): boolean {
  const r = doc.documentElement.getBoundingClientRect();
  return r.width > 0 || r.height > 0;
}

const MIN_SIZE = 4;

type VisibilityOptions = { opacityProperty: boolean; visibilityProperty: boolean; contentVisibilityAuto: boolean };

function clipsToNothing(style: CSSStyleDeclaration): boolean {
  const clip = style.clip;
  if (clip && clip !== 'auto' && /rect\(\s*0(px)?[\s,]+0(px)?[\s,]+0(px)?[\s,]+0(px)?\s*\)/.test(clip)) return true;
  const path = style.clipPath;
  return !!path && /inset\(\s*50%|circle\(\s*0|polygon\(\s*0(px)?\s+0(px)?\s*\)/.test(path);
}

/**
 * Whether a user can see and reach this field. Never-fill reasons: hidden attribute, inert, aria-hidden,
 * display:none, visibility:hidden, zero opacity (own or inherited), clipped away, zero-size, off-screen,
 * outside an overflow-clipping ancestor. Without layout (jsdom) the rectangle tests are skipped and only
 * what style says counts.
 */
export function isVisible(input: HTMLElement, layout: boolean): boolean {
  const view = input.ownerDocument.defaultView;
  if (!view) return false;
  if (input.hidden) return false;
  const check = (input as HTMLElement & { checkVisibility?(o: VisibilityOptions): boolean }).checkVisibility;
  const native = layout && typeof check === 'function';
  if (native && !check.call(input, { opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) return false;

  let rect: DOMRect | null = null;
  if (layout) {
    rect = input.getBoundingClientRect();
    if (rect.width < MIN_SIZE || rect.height < MIN_SIZE) return false;
    const doc = input.ownerDocument.documentElement;
    const left = rect.left + view.scrollX;
    const top = rect.top + view.scrollY;
    if (left + rect.width <= 0 || top + rect.height <= 0) return false;
    if (left >= Math.max(doc.scrollWidth, view.innerWidth)) return false;
  }

  const own = view.getComputedStyle(input);
  if (own.visibility === 'hidden' || own.visibility === 'collapse') return false;
  for (let el: Element | null = input; el; el = composedParent(el)) {
    if (el !== input && (el as HTMLElement).hidden) return false;
    if (el.getAttribute('aria-hidden') === 'true' || el.hasAttribute('inert')) return false;
    const style = el === input ? own : view.getComputedStyle(el);
    if (!native) {
      if (style.display === 'none') return false;
      if (style.opacity !== '' && Number.parseFloat(style.opacity) <= 0.05) return false;
    }
    const positioned = style.position === 'absolute' || style.position === 'fixed';
    if (positioned && clipsToNothing(style)) return false;
    // Without layout, read what the style declares: pushed far off-screen, or sized to nothing.
    if (!layout && positioned && (px(style.left) <= -500 || px(style.top) <= -500)) return false;
    if (!layout && el === input && px(style.width) < 2 && px(style.height) < 2) return false;
    if (!layout && el !== input && (style.overflow === 'hidden' || style.overflowY === 'hidden') && (px(style.height) < 2 || px(style.maxHeight) < 2)) return false;
    // Collapsed steps and carousels: the field lies outside an ancestor that clips its overflow.
    const clipX = style.overflowX === 'hidden' || style.overflowX === 'clip';
    const clipY = style.overflowY === 'hidden' || style.overflowY === 'clip';
    if (layout && rect && el !== input && (clipX || clipY)) {
      const box = el.getBoundingClientRect();
      const w = Math.min(rect.right, box.right) - Math.max(rect.left, box.left);
      const h = Math.min(rect.bottom, box.bottom) - Math.max(rect.top, box.top);
      if ((clipX && w < MIN_SIZE) || (clipY && h < MIN_SIZE)) return false;
    }
  }
  return true;
}

/** A CSS length in px ('' and 'auto' → NaN, so that comparisons are false). */
function px(value: string): number {
  return /^-?[\d.]+(px)?$/.test(value.trim()) ? Number.parseFloat(value) : Number.NaN;
}

/** Short visible text of an element (labels, buttons): whitespace collapsed, capped. */
export function textOf(el: Element | null | undefined, max = 80): string {
  if (!el) return '';
  const t = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) : t;
}

// Runs the detector over every corpus page in jsdom (scripts on, no layout) and compares each input's
// role and the set of form kinds with what the page declares.
import { describe, expect, it } from 'vitest';
import { JSDOM } from 'jsdom';
import { detect } from '../../../src/content/detect.ts';
import type { FieldRole, FormKind } from '../../../src/content/messages.ts';
import { loadCorpus, type CorpusPage } from './corpus.ts';

const pages = loadCorpus();

interface Loaded {
  dom: JSDOM;
  closedRoots: WeakMap<Element, ShadowRoot>;
}

function load(page: CorpusPage): Loaded {
  const closedRoots = new WeakMap<Element, ShadowRoot>();
  const dom = new JSDOM(page.html.replaceAll('{{OTHER_ORIGIN}}', 'http://127.0.0.2:1'), {
    url: `http://127.0.0.1/${page.path}`,
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    // Stands in for chrome.dom.openOrClosedShadowRoot: remember every root the page attaches.
    beforeParse(window) {
      const attach = window.Element.prototype.attachShadow;
      window.Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
        const root = attach.call(this, init);
        closedRoots.set(this, root);
        return root;
      };
    },
  });
  return { dom, closedRoots };
}

function resolveSelector(doc: Document, selector: string, roots: WeakMap<Element, ShadowRoot>): Element {
  const parts = selector.split('>>>').map((s) => s.trim());
  let scope: Document | ShadowRoot = doc;
  let el: Element | null = null;
  for (let i = 0; i < parts.length; i++) {
    el = scope.querySelector(parts[i]);
    if (!el) throw new Error(`no element for ${parts.slice(0, i + 1).join(' >>> ')}`);
    if (i < parts.length - 1) {
      const root: ShadowRoot | undefined = el.shadowRoot ?? roots.get(el);
      if (!root) throw new Error(`${parts[i]} has no shadow root`);
      scope = root;
    }
  }
  return el!;
}

function check(loaded: Loaded, kinds: FormKind[], roles: Record<string, FieldRole>): void {
  const doc = loaded.dom.window.document;
  const detection = detect(doc, { readShadowRoot: (host) => host.shadowRoot ?? loaded.closedRoots.get(host) ?? null, layout: false });
  const expectedRoles = new Map<Element, FieldRole>();
  for (const [selector, role] of Object.entries(roles)) expectedRoles.set(resolveSelector(doc, selector, loaded.closedRoots), role);
  const describeEl = (el: Element) => `${el.tagName.toLowerCase()}#${el.id || '?'}[name=${el.getAttribute('name') ?? ''}]`;
  const actual: string[] = [];
  const wanted: string[] = [];
  for (const form of detection.forms) {
    for (const f of form.fields) {
      actual.push(`${describeEl(f.el)}: ${f.role}`);
      wanted.push(`${describeEl(f.el)}: ${expectedRoles.get(f.el) ?? 'none'}`);
      expectedRoles.delete(f.el);
    }
  }
  expect(actual).toEqual(wanted);
  expect([...expectedRoles.keys()].map(describeEl), 'expected fields the detector never saw').toEqual([]);
  const found = detection.forms.filter((f) => f.kind !== 'not-login').map((f) => f.kind).sort();
  expect(found).toEqual([...kinds].sort());
}

describe('form corpus (jsdom)', () => {
  it('has at least 60 pages', () => {
    expect(pages.length).toBeGreaterThanOrEqual(60);
  });

  it.each(pages.map((p) => [p.path, p] as const))('%s', async (_path, page) => {
    const loaded = load(page);
    try {
      if (page.expected.waitMs) await new Promise((r) => setTimeout(r, page.expected.waitMs));
      check(loaded, page.expected.kinds, page.expected.roles);
      const next = page.expected.next;
      if (next) {
        (loaded.dom.window.document.querySelector(next.click) as HTMLElement).click();
        check(loaded, next.kinds, next.roles);
      }
    } finally {
      loaded.dom.window.close();
    }
  });
});

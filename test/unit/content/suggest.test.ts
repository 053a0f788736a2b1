// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SuggestionList } from '../../../src/content/suggest.ts';

afterEach(() => {
  document.documentElement.querySelectorAll(':scope > div').forEach((d) => d.remove());
  document.body.innerHTML = '';
});

describe('SuggestionList', () => {
  it('renders in a closed shadow root the page cannot read', () => {
    document.body.innerHTML = '<input id="u">';
    const list = new SuggestionList();
    list.show(document.getElementById('u')!, { entries: [{ id: 'e1', title: 'Example', username: 'alice' }], onPick: () => {} });
    expect(list.isOpen).toBe(true);
    const host = document.documentElement.lastElementChild as HTMLElement;
    expect(host.shadowRoot).toBeNull();
    expect(document.body.textContent).not.toContain('alice');
    expect(host.textContent).toBe('');
    list.hide();
    expect(list.isOpen).toBe(false);
  });

  it('shows nothing without entries or generator', () => {
    document.body.innerHTML = '<input id="u">';
    const list = new SuggestionList();
    list.show(document.getElementById('u')!, { entries: [] });
    expect(list.isOpen).toBe(false);
  });

  it('ignores untrusted (page-made) clicks', () => {
    document.body.innerHTML = '<input id="u">';
    let root: ShadowRoot | null = null;
    const attach = vi.spyOn(Element.prototype, 'attachShadow').mockImplementation(function (this: Element, init: ShadowRootInit) {
      attach.mockRestore();
      root = this.attachShadow(init);
      return root;
    });
    const onPick = vi.fn();
    const list = new SuggestionList();
    list.show(document.getElementById('u')!, { entries: [{ id: 'e1', title: 'Example', username: 'alice' }], onPick });
    const button = (root as ShadowRoot | null)?.querySelector('button');
    expect(button?.textContent).toContain('alice');
    button?.click();
    expect(onPick).not.toHaveBeenCalled();
    expect(list.isOpen).toBe(true);
  });
});

// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchPage } from '../../../src/content/observer.ts';

const flushMicrotasks = () => new Promise<void>((r) => queueMicrotask(r));

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('watchPage', () => {
  it('debounces a burst of insertions into one run', async () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const w = watchPage(onChange);
    w.observe(document);
    for (let i = 0; i < 50; i++) {
      document.body.append(document.createElement('div'));
      await flushMicrotasks();
      vi.advanceTimersByTime(10);
    }
    expect(onChange).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(onChange).toHaveBeenCalledTimes(1);
    w.disconnect();
  });

  it('still runs at least once a second during an endless storm', async () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const w = watchPage(onChange);
    w.observe(document);
    for (let i = 0; i < 300; i++) {
      document.body.append(document.createElement('span'));
      await flushMicrotasks();
      vi.advanceTimersByTime(10); // 3 s of mutations every 10 ms
    }
    expect(onChange.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(onChange.mock.calls.length).toBeLessThanOrEqual(4);
    w.disconnect();
  });

  it('sees attribute changes that reveal a hidden step, and shadow roots it is given', async () => {
    vi.useFakeTimers();
    document.body.innerHTML = '<div id="step" hidden></div><div id="host"></div>';
    const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
    const onChange = vi.fn();
    const w = watchPage(onChange);
    w.observe(document);
    w.observe(root);
    document.getElementById('step')!.hidden = false;
    await flushMicrotasks();
    vi.advanceTimersByTime(200);
    root.append(document.createElement('input'));
    await flushMicrotasks();
    vi.advanceTimersByTime(200);
    expect(onChange).toHaveBeenCalledTimes(2);
    w.disconnect();
  });

  it('flush runs a pending change at once', async () => {
    const onChange = vi.fn();
    const w = watchPage(onChange);
    w.observe(document);
    document.body.append(document.createElement('p'));
    await flushMicrotasks();
    w.flush();
    expect(onChange).toHaveBeenCalledTimes(1);
    w.disconnect();
  });
});

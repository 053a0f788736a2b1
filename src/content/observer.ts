// Re-runs detection when the page changes, cheaply: the mutation callback only arms a timer (no walk over
// the added nodes), runs are debounced, and during a continuous storm at most one run happens per
// MAX_WAIT. Shadow roots found by detection are observed too (a document observer cannot see into them).

const DEBOUNCE_MS = 150;
const MAX_WAIT_MS = 1000;
const WATCHED_ATTRIBUTES = ['style', 'class', 'hidden', 'type', 'aria-hidden', 'disabled'];

export interface PageWatcher {
  observe(root: Document | ShadowRoot): void;
  disconnect(): void;
  /** Runs a pending re-detection now (tests, fill requests). */
  flush(): void;
}

export function watchPage(onChange: () => void): PageWatcher {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstDirty = 0;
  const watched = new WeakSet<Node>();
  const run = () => {
    timer = undefined;
    firstDirty = 0;
    onChange();
  };
  const observer = new MutationObserver(() => {
    const now = Date.now();
    if (firstDirty === 0) firstDirty = now;
    if (timer !== undefined) {
      if (now - firstDirty < MAX_WAIT_MS) clearTimeout(timer);
      else return; // a storm: let the armed timer fire
    }
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  return {
    observe(root) {
      if (watched.has(root)) return;
      watched.add(root);
      observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED_ATTRIBUTES });
    },
    disconnect() {
      observer.disconnect();
      if (timer !== undefined) clearTimeout(timer);
    },
    flush() {
      if (timer !== undefined) {
        clearTimeout(timer);
        run();
      }
    },
  };
}

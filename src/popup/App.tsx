// The popup: one component per vault phase. All flow state lives in the worker, so the popup can close
// (Firefox closes it on every focus loss) and reopen where it was.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { PopupData, Status } from '../shared/messages.ts';
import { RequestError } from '../shared/messages.ts';
import type { PageApi } from './api.ts';
import { t } from './i18n.ts';
import { Welcome } from './Welcome.tsx';
import { MainView } from './MainView.tsx';

export interface PopupEnv {
  api: PageApi;
  /** The tab the popup acts on (popup.html?tab=<id>, else the active tab). */
  tabId?: number;
  copy(text: string, secret: boolean): Promise<void>;
  openUrl(url: string): void;
  openPage(path: string): void;
  /** Opens the popup as a window bound to a tab (absent in such a window). */
  popOut?(tabId: number): void;
}

export function errorText(e: unknown): string {
  if (e instanceof RequestError) {
    const key = `error_${e.failure.error.replace(/-/g, '_')}`;
    const text = t(key);
    return text === key ? e.failure.message : text;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * `first`: the answer to the popup-open that main.tsx sent before rendering (already a value when it came
 * in time for the first paint). Without it the popup asks itself.
 */
export function App({ env, first }: { env: PopupEnv; first?: PopupData | Promise<PopupData> }) {
  const [data, setData] = useState<PopupData | undefined>(first instanceof Promise ? undefined : first);
  const [error, setError] = useState<string | undefined>();
  // Later refreshes ask about the tab of the first answer, not whichever tab is active by then.
  const tabId = useRef(env.tabId ?? data?.tabId);
  const show = useCallback((d: PopupData) => {
    tabId.current ??= d.tabId;
    setData(d);
  }, []);
  const refresh = useCallback(async () => {
    try {
      show(await env.api.call('popup-open', { tabId: tabId.current }));
    } catch (e) {
      setError(errorText(e));
    }
  }, [env, show]);
  useEffect(() => {
    if (first instanceof Promise) first.then(show, (e: unknown) => setError(errorText(e)));
    else if (!first) void refresh();
  }, []);

  if (error && !data) return <main class="popup"><p role="alert" class="error">{error}</p></main>;
  if (!data) return <main class="popup" aria-busy="true"><p class="muted">{t('loading')}</p></main>;
  const phase = data.status.phase;
  return (
    <main class="popup">
      {phase === 'new' && <Welcome env={env} onDone={refresh} />}
      {(phase === 'locked' || phase === 'unlocking') && <Unlock env={env} status={data.status} onDone={refresh} />}
      {phase === 'unlocked' && <MainView env={env} data={data} onChange={refresh} />}
    </main>
  );
}

export function Unlock({ env, status, onDone }: { env: PopupEnv; status: Status; onDone: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<number | undefined>(status.unlockProgress);
  const [error, setError] = useState<string | undefined>();
  const [retryAfter, setRetryAfter] = useState<number | undefined>(status.retryAfter);
  const [now, setNow] = useState(Date.now());
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (!retryAfter || retryAfter <= now) return;
    const id = setTimeout(() => setNow(Date.now()), 250);
    return () => clearTimeout(id);
  }, [retryAfter, now]);

  const waitSeconds = retryAfter && retryAfter > now ? Math.ceil((retryAfter - now) / 1000) : 0;

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (!passphrase || busy || waitSeconds) return;
    setBusy(true);
    setError(undefined);
    const poll = setInterval(() => void env.api.call('status', {}).then((s) => setProgress(s.unlockProgress)).catch(() => {}), 150);
    try {
      await env.api.call('unlock', { passphrase });
      setPassphrase('');
      onDone();
    } catch (e) {
      setError(errorText(e));
      if (e instanceof RequestError && e.failure.retryAfter) setRetryAfter(e.failure.retryAfter);
      setNow(Date.now());
      input.current?.select();
    } finally {
      clearInterval(poll);
      setBusy(false);
      setProgress(undefined);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="unlock-title">
      <h1 id="unlock-title">{t('unlockTitle')}</h1>
      {status.account && <p class="muted">{status.account.address}</p>}
      <label for="passphrase">{t('passphrase')}</label>
      <input id="passphrase" ref={input} type="password" autocomplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} disabled={busy} aria-describedby="unlock-msg" />
      <button type="submit" class="primary" disabled={busy || !passphrase || waitSeconds > 0}>{busy ? t('unlocking') : t('unlock')}</button>
      {busy && <progress max={1} value={progress ?? 0} aria-label={t('unlocking')} />}
      <p id="unlock-msg" role="alert" class="error">
        {error}
        {waitSeconds > 0 && ` ${t('retryIn', waitSeconds)}`}
      </p>
    </form>
  );
}

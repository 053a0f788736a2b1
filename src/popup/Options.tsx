// The settings page: auto-lock, filling, matching, save prompts, import/export, devices, disconnect.
import { useEffect, useState } from 'preact/hooks';
import type { Settings, Status } from '../shared/messages.ts';
import type { PageApi } from './api.ts';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';
import { renderSVG } from 'uqr';
import type { DeviceInfo, IssuedPinView, PendingRequestView } from '../shared/messages.ts';
import type { MirrorStatus } from '../shared/messages.ts';

export interface OptionsEnv {
  api: PageApi;
  download(name: string, text: string): void;
  openPage(path: string): void;
}

const AUTO_LOCK = [1, 5, 15, 30, 60, 240, 'never'] as const;

export function Options({ env }: { env: OptionsEnv }) {
  const [status, setStatus] = useState<Status | undefined>();
  const [settings, setSettings] = useState<Settings | undefined>();
  const [notice, setNotice] = useState('');
  const load = async () => {
    setStatus(await env.api.call('status', {}));
    setSettings(await env.api.call('settings-get', {}));
  };
  useEffect(() => void load(), [env]);
  if (!status || !settings) return <main><p>{t('loading')}</p></main>;

  const update = async (patch: Partial<Settings>) => {
    try {
      setSettings(await env.api.call('settings-set', { settings: patch }));
      setNotice(t('saved'));
    } catch (e) {
      setNotice(errorText(e));
    }
  };
  const check = (k: 'stayUnlocked' | 'fillOnPageLoad' | 'offerToSave' | 'basicAuth', help?: string) => (
    <div class="field">
      <label class="check">
        <input type="checkbox" checked={settings[k]} onChange={(e) => void update({ [k]: e.currentTarget.checked })} aria-describedby={help ? `${k}-help` : undefined} /> {t(`opt_${k}`)}
      </label>
      {help && <p class="muted" id={`${k}-help`}>{help}</p>}
    </div>
  );

  return (
    <main>
      <h1>{t('settingsTitle')}</h1>
      <p role="status" class="notice">{notice}</p>
      {status.account && (
        <p>
          {t('connectedAs', status.account.address)} <span class="code small">{status.account.profileUdf}</span>
        </p>
      )}
      <section class="settings" aria-labelledby="s-lock">
        <h2 id="s-lock">{t('sectionLocking')}</h2>
        <label for="autolock">{t('opt_autoLock')}</label>
        <select id="autolock" value={String(settings.autoLockMinutes)} onChange={(e) => void update({ autoLockMinutes: e.currentTarget.value === 'never' ? 'never' : Number(e.currentTarget.value) })}>
          {AUTO_LOCK.map((m) => <option key={m} value={String(m)}>{m === 'never' ? t('never') : t('minutes', m)}</option>)}
        </select>
        {check('stayUnlocked', t('opt_stayUnlockedHelp'))}
        <label for="clip">{t('opt_clipboard')}</label>
        <input id="clip" type="number" min={0} max={600} value={settings.clipboardClearSeconds} onChange={(e) => void update({ clipboardClearSeconds: Number(e.currentTarget.value) })} />
      </section>
      <section class="settings" aria-labelledby="s-fill">
        <h2 id="s-fill">{t('sectionFilling')}</h2>
        {check('fillOnPageLoad')}
        {check('offerToSave')}
        <BasicAuthOption on={settings.basicAuth} update={update} onError={setNotice} />
        <label for="match">{t('opt_defaultMatch')}</label>
        <select id="match" value={settings.defaultMatchMode} onChange={(e) => void update({ defaultMatchMode: e.currentTarget.value as Settings['defaultMatchMode'] })}>
          {(['domain', 'host', 'exact', 'never'] as const).map((m) => <option key={m} value={m}>{t(`match_${m}`)}</option>)}
        </select>
      </section>
      <section class="settings" aria-labelledby="s-data">
        <h2 id="s-data">{t('sectionData')}</h2>
        <button onClick={() => env.openPage('import.html')} disabled={status.phase !== 'unlocked'}>{t('importOpen')}</button>
        <Export env={env} disabled={status.phase !== 'unlocked'} />
      </section>
      <BookmarkMirrorSection env={env} unlocked={status.phase === 'unlocked'} />
      <Devices env={env} unlocked={status.phase === 'unlocked'} />
      <Disconnect env={env} onDone={load} />
    </main>
  );
}

interface PermissionsApi {
  request(p: { permissions: string[] }): Promise<boolean>;
  remove(p: { permissions: string[] }): Promise<boolean>;
  contains(p: { permissions: string[] }): Promise<boolean>;
}
/** The optional permissions of src/background/basic-auth.ts (kept in step with manifest.json). */
const BASIC_AUTH_PERMISSIONS = ['webRequest', 'webRequestAuthProvider'];
const isFirefox = () => typeof (globalThis as { browser?: { runtime?: { getBrowserInfo?: unknown } } }).browser?.runtime?.getBrowserInfo === 'function';
const permissionsApi = (): PermissionsApi | undefined => {
  const g = globalThis as { browser?: { permissions?: PermissionsApi }; chrome?: { permissions?: PermissionsApi } };
  return g.browser?.permissions ?? g.chrome?.permissions;
};

/**
 * Basic-auth filling: turning it on first asks the browser for the optional webRequest permissions (in
 * the click's user gesture); turning it off gives them back. Without them the option stays off.
 */
function BasicAuthOption({ on, update, onError }: { on: boolean; update: (p: Partial<Settings>) => Promise<void>; onError: (m: string) => void }) {
  const [granted, setGranted] = useState<boolean | undefined>();
  useEffect(() => {
    void permissionsApi()?.contains({ permissions: BASIC_AUTH_PERMISSIONS }).then(setGranted, () => setGranted(false));
  }, []);
  const toggle = async (want: boolean) => {
    const api = permissionsApi();
    try {
      if (want) {
        const ok = (await api?.request({ permissions: BASIC_AUTH_PERMISSIONS })) ?? false;
        setGranted(ok);
        if (!ok) return onError(t('basicAuthDenied'));
        // Chromium routes requests through an extension's webRequest listeners only if it had the
        // permission when the browser started (Firefox at once): said after saving, below.
      } else await api?.remove({ permissions: BASIC_AUTH_PERMISSIONS }).catch(() => false);
      if (!want) setGranted(false);
      await update({ basicAuth: want });
      if (want && !isFirefox()) onError(t('basicAuthRestart'));
    } catch (e) {
      onError(errorText(e));
    }
  };
  return (
    <div class="field">
      <label class="check">
        <input type="checkbox" data-testid="basic-auth" checked={on && granted !== false} onChange={(e) => void toggle(e.currentTarget.checked)} aria-describedby="basicAuth-help" /> {t('opt_basicAuth')}
      </label>
      <p class="muted" id="basicAuth-help">{t('opt_basicAuthHelp')}</p>
    </div>
  );
}

function Export({ env, disabled }: { env: OptionsEnv; disabled: boolean }) {
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState('');
  const run = async (ev: Event) => {
    ev.preventDefault();
    try {
      const { csv } = await env.api.call('export', { passphrase });
      setPassphrase('');
      env.download('meshpass-export.csv', csv);
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form onSubmit={run} aria-labelledby="export-title">
      <h3 id="export-title">{t('exportTitle')}</h3>
      <p class="muted">{t('exportWarning')}</p>
      <label for="export-pp">{t('passphrase')}</label>
      <input id="export-pp" type="password" autocomplete="current-password" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} disabled={disabled} />
      <button type="submit" disabled={disabled || !passphrase}>{t('exportCsv')}</button>
      <p role="alert" class="error">{error}</p>
    </form>
  );
}

function Disconnect({ env, onDone }: { env: OptionsEnv; onDone: () => void }) {
  const [typed, setTyped] = useState('');
  const word = t('wipeWord');
  return (
    <section class="settings" aria-labelledby="s-wipe">
      <h2 id="s-wipe">{t('sectionDisconnect')}</h2>
      <p>{t('wipeExplain')}</p>
      <label for="wipe">{t('wipeConfirm', word)}</label>
      <input id="wipe" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
      <button
        class="danger"
        disabled={typed.trim().toLowerCase() !== word.toLowerCase()}
        onClick={async () => {
          await env.api.call('wipe', { confirm: 'wipe' });
          setTyped('');
          onDone();
        }}
      >
        {t('wipeButton')}
      </button>
    </section>
  );
}

/** Administration: connected devices, requests waiting with their verification codes, PINs (with QR). */
function Devices({ env, unlocked }: { env: OptionsEnv; unlocked: boolean }) {
  const [data, setData] = useState<{ admin: boolean; devices: DeviceInfo[]; pending: PendingRequestView[] } | undefined>();
  const [pin, setPin] = useState<IssuedPinView | undefined>();
  const [error, setError] = useState('');
  const load = async () => {
    try {
      setData(await env.api.call('devices', {}));
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => void (unlocked && load()), [unlocked]);
  // While the page is open on an administration device, PIN requests are answered and new requests
  // appear without a click (a device that got a PIN from here completes with no further step).
  useEffect(() => {
    if (!unlocked || !data?.admin) return;
    const id = setInterval(() => void (document.visibilityState === 'visible' && load()), 5000);
    return () => clearInterval(id);
  }, [unlocked, data?.admin]);
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section class="settings" aria-labelledby="s-dev">
      <h2 id="s-dev">{t('sectionDevices')}</h2>
      <p role="alert" class="error">{error}</p>
      {!unlocked && <p class="muted">{t('error_locked')}</p>}
      {data && !data.admin && <p class="muted">{t('devicesNotAdmin')}</p>}
      {data?.admin && (
        <>
          <ul class="list" data-testid="devices">
            {data.devices.map((d) => (
              <li class="row" key={d.id}>
                <div class="who">
                  <span class="title">{d.description ?? t('unnamedDevice')}{d.self ? ` (${t('thisBrowser')})` : ''}</span>
                  <span class="muted code small">{d.id} · {d.roles.join(', ')}{d.active ? '' : ` · ${t('inactive')}`}</span>
                </div>
                {!d.self && <button class="danger" onClick={() => act(() => env.api.call('device-remove', { id: d.id }))}>{t('removeDevice')}</button>}
              </li>
            ))}
          </ul>
          <h3>{t('pendingRequests')}</h3>
          {data.pending.length === 0 && <p class="muted">{t('noPendingRequests')}</p>}
          <ul class="list" data-testid="pending">
            {data.pending.map((r) => (
              <li class="row" key={r.id}>
                <div class="who">
                  <span class="title">{r.description ?? r.deviceUdf}</span>
                  <span>{t('verificationCode')}: <span class="code small">{r.witness}</span></span>
                </div>
                <button class="primary" onClick={() => act(() => env.api.call('device-accept', { id: r.id }))}>{t('accept')}</button>
                <button onClick={() => act(() => env.api.call('device-reject', { id: r.id }))}>{t('reject')}</button>
              </li>
            ))}
          </ul>
          <button onClick={() => void load()}>{t('refresh')}</button>
          <button onClick={() => act(async () => setPin(await env.api.call('device-pin', {})))}>{t('issuePin')}</button>
          {pin && (
            <div class="pin" data-testid="pin">
              <p>{t('pinText', pin.pin, new Date(pin.expires).toLocaleString())}</p>
              <img class="qr" alt={t('pinQr')} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(pin.uri, { border: 2 }))}`} />
            </div>
          )}
        </>
      )}
    </section>
  );
}

/**
 * Bookmarks (issue 9): the opt-in mirror of the Mesh bookmarks into a folder of this browser's own
 * bookmarks, and the one-time import of this browser's bookmarks into the catalog.
 */
function BookmarkMirrorSection({ env, unlocked }: { env: OptionsEnv; unlocked: boolean }) {
  const [st, setSt] = useState<MirrorStatus | undefined>();
  const [notice, setNotice] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const act = async <T,>(f: () => Promise<T>, done?: (v: T) => string) => {
    setBusy(true);
    try {
      const v = await f();
      setNotice(done ? done(v) : '');
      setError('');
      setSt(await env.api.call('mirror-status', {}));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void act(async () => undefined), [unlocked]);
  const off = !unlocked || !st?.available;
  return (
    <section class="settings" aria-labelledby="s-bookmarks">
      <h2 id="s-bookmarks">{t('sectionBookmarks')}</h2>
      {st && !st.available && <p class="muted">{t('mirrorUnavailable')}</p>}
      {!unlocked && <p class="muted">{t('mirrorLocked')}</p>}
      <div class="field">
        <label class="check">
          <input
            id="mirror-enabled"
            type="checkbox"
            checked={st?.enabled ?? false}
            disabled={off || busy}
            aria-describedby="mirror-help"
            onChange={(e) => {
              const enabled = e.currentTarget.checked;
              void act(() => env.api.call('mirror-set', { enabled }), (s) => (s.enabled ? t('mirrorOn', s.mirrored) : t('mirrorOff')));
            }}
          />{' '}
          {t('mirrorEnable', st?.folder ?? 'Mesh bookmarks')}
        </label>
        <p class="muted" id="mirror-help">{t('mirrorHelp')}</p>
      </div>
      {st?.enabled && (
        <p class="muted" data-testid="mirror-status">
          {t('mirrorStatus', st.mirrored)}
          {st.lastRun ? ` · ${t('lastSync', new Date(st.lastRun).toLocaleTimeString())}` : ''}
        </p>
      )}
      <h3>{t('mirrorImportTitle')}</h3>
      <p class="muted" id="mirror-import-help">{t('mirrorImportHelp')}</p>
      <button id="mirror-import" disabled={off || busy} aria-describedby="mirror-import-help" onClick={() => void act(() => env.api.call('mirror-import', {}), (r) => t('mirrorImported', r.added, r.skipped))}>
        {t('mirrorImport')}
      </button>
      {st?.importedAt && <p class="muted">{t('mirrorImportedAt', new Date(st.importedAt).toLocaleString())}</p>}
      <p role="status" class="notice">{notice}</p>
      <p role="alert" class="error">{error || st?.lastError}</p>
    </section>
  );
}

// The settings page: auto-lock, filling, matching, save prompts, import/export, devices, disconnect.
import { useEffect, useState } from 'preact/hooks';
import type { Settings, Status } from '../shared/messages.ts';
import type { PageApi } from './api.ts';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';
import { renderSVG } from 'uqr';
import type { DeviceInfo, IssuedPinView, PendingRequestView } from '../shared/messages.ts';

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
        {check('basicAuth')}
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
      <Devices env={env} unlocked={status.phase === 'unlocked'} />
      <Disconnect env={env} onDone={load} />
    </main>
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

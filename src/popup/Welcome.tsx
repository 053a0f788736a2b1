// First run: connect this browser to an existing Mesh, or start a vault on this browser. The connection
// flow runs in the worker; the popup only shows its current step (polled), so closing it loses nothing.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConnectStep } from '../shared/messages.ts';
import type { PopupEnv } from './App.tsx';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';

const MIN_PASSPHRASE = 8;

export function Welcome({ env, onDone }: { env: PopupEnv; onDone: () => void }) {
  const [mode, setMode] = useState<'choose' | 'connect' | 'create' | 'new-mesh' | 'recover'>('choose');
  const [step, setStep] = useState<ConnectStep>({ step: 'idle' });
  useEffect(() => {
    void env.api.call('connect-state', {}).then((s) => {
      setStep(s);
      if (s.step !== 'idle') setMode('connect');
    });
  }, [env]);

  if (mode === 'new-mesh' || step.step === 'shares') return <NewMesh env={env} step={step} setStep={setStep} onBack={() => setMode('choose')} onDone={onDone} />;
  if (mode === 'recover') return <Recover env={env} step={step} setStep={setStep} onBack={() => setMode('choose')} onDone={onDone} />;
  if (mode === 'connect') return <Connect env={env} step={step} setStep={setStep} onBack={() => setMode('choose')} onDone={onDone} />;
  if (mode === 'create') return <ChoosePassphrase env={env} onDone={onDone} onBack={() => setMode('choose')} />;
  return (
    <section class="card" aria-labelledby="welcome-title">
      <h1 id="welcome-title">{t('welcomeTitle')}</h1>
      <p>{t('welcomeText')}</p>
      <button class="primary" onClick={() => setMode('connect')}>{t('connectExisting')}</button>
      <button onClick={() => setMode('new-mesh')}>{t('createMesh')}</button>
      <button onClick={() => setMode('create')}>{t('createLocalVault')}</button>
      <button onClick={() => setMode('recover')}>{t('recoverMesh')}</button>
    </section>
  );
}

function Connect({ env, step, setStep, onBack, onDone }: { env: PopupEnv; step: ConnectStep; setStep: (s: ConnectStep) => void; onBack: () => void; onDone: () => void }) {
  const [address, setAddress] = useState('');
  const [pin, setPin] = useState('');
  const [serviceUrl, setServiceUrl] = useState('');
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (step.step !== 'contacting' && step.step !== 'awaiting-approval') return;
    const id = setInterval(() => void env.api.call('connect-state', {}).then(setStep), 1000);
    return () => clearInterval(id);
  }, [env, step.step, setStep]);

  const start = async (ev: Event) => {
    ev.preventDefault();
    setError(undefined);
    try {
      setStep(await env.api.call('connect-start', { address: address.trim(), pin: pin.trim() || undefined, serviceUrl: serviceUrl.trim() || undefined }));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const cancel = async () => setStep(await env.api.call('connect-cancel', {}));

  if (step.step === 'contacting') return <section class="card" aria-live="polite"><p>{t('connectContacting', step.address)}</p><button onClick={cancel}>{t('cancel')}</button></section>;
  if (step.step === 'awaiting-approval')
    return (
      <section class="card" aria-live="polite">
        <h1>{t('connectCompareTitle')}</h1>
        <p>{t('connectCompareText')}</p>
        <p class="code" aria-label={t('verificationCode')} data-testid="witness">{step.witness}</p>
        <p class="muted">{t('profileFingerprint')}</p>
        <p class="code small" data-testid="profile-fingerprint">{step.profileUdf}</p>
        <button onClick={cancel}>{t('cancel')}</button>
      </section>
    );
  if (step.step === 'choose-passphrase')
    return (
      <>
        <p class="muted">{t('profileFingerprint')}: <span class="code small" data-testid="profile-fingerprint">{step.profileUdf}</span></p>
        <ChoosePassphrase env={env} onDone={onDone} onBack={cancel} />
      </>
    );
  if (step.step === 'done') return <section class="card"><p>{t('connectDone', step.address)}</p><button class="primary" onClick={onDone}>{t('continue')}</button></section>;
  return (
    <form class="card" onSubmit={start} aria-labelledby="connect-title">
      <h1 id="connect-title">{t('connectExisting')}</h1>
      <label for="address">{t('accountAddress')}</label>
      <input id="address" type="email" required autocomplete="username" placeholder="alice@example.com" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      <label for="pin">{t('pinOptional')}</label>
      <input id="pin" autocomplete="off" value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
      <details>
        <summary>{t('advanced')}</summary>
        <label for="service">{t('serviceUrl')}</label>
        <input id="service" type="url" placeholder="https://mesh.example.com" value={serviceUrl} onInput={(e) => setServiceUrl(e.currentTarget.value)} />
      </details>
      <button type="submit" class="primary">{t('connect')}</button>
      <button type="button" onClick={onBack}>{t('back')}</button>
      <p role="alert" class="error">{error ?? (step.step === 'failed' ? step.error : '')}</p>
    </form>
  );
}

export function ChoosePassphrase({ env, onDone, onBack }: { env: PopupEnv; onDone: () => void; onBack: () => void }) {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (a.length < MIN_PASSPHRASE) return setError(t('passphraseTooShort', MIN_PASSPHRASE));
    if (a !== b) return setError(t('passphraseMismatch'));
    setBusy(true);
    try {
      await env.api.call('setup', { passphrase: a });
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="pp-title">
      <h1 id="pp-title">{t('choosePassphrase')}</h1>
      <p class="muted">{t('choosePassphraseText')}</p>
      <label for="pp1">{t('passphrase')}</label>
      <input id="pp1" type="password" autocomplete="new-password" value={a} onInput={(e) => setA(e.currentTarget.value)} />
      <label for="pp2">{t('passphraseRepeat')}</label>
      <input id="pp2" type="password" autocomplete="new-password" value={b} onInput={(e) => setB(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={busy}>{busy ? t('unlocking') : t('createVault')}</button>
      <button type="button" onClick={onBack} disabled={busy}>{t('back')}</button>
      <p role="alert" class="error">{error}</p>
    </form>
  );
}

/** A new Mesh from this browser: account at a service, recovery shares shown once and checked. */
function NewMesh({ env, step, setStep, onBack, onDone }: { env: PopupEnv; step: ConnectStep; setStep: (s: ConnectStep) => void; onBack: () => void; onDone: () => void }) {
  const [address, setAddress] = useState('');
  const [serviceUrl, setServiceUrl] = useState('');
  const [share, setShare] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async (f: () => Promise<ConnectStep>) => {
    setBusy(true);
    setError(undefined);
    try {
      const s = await f();
      setStep(s);
      if (s.step === 'failed') setError(s.error);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  if (step.step === 'choose-passphrase') return <ChoosePassphrase env={env} onDone={onDone} onBack={onBack} />;
  if (step.step === 'done') return <section class="card"><p>{t('connectDone', step.address)}</p><button class="primary" onClick={onDone}>{t('continue')}</button></section>;
  if (step.step === 'shares')
    return (
      <form class="card" onSubmit={(ev) => (ev.preventDefault(), void run(() => env.api.call('create-confirm', { share })))} aria-labelledby="shares-title">
        <h1 id="shares-title">{t('sharesTitle')}</h1>
        <p>{t('sharesText', step.quorum, step.shares.length)}</p>
        <ol class="shares" data-testid="shares">{step.shares.map((x) => <li key={x} class="code small">{x}</li>)}</ol>
        <p class="muted">{t('profileFingerprint')}: <span class="code small" data-testid="profile-fingerprint">{step.profileUdf}</span></p>
        <button type="button" onClick={() => window.print()}>{t('print')}</button>
        <label for="share-check">{t('sharesCheck')}</label>
        <input id="share-check" autocomplete="off" value={share} onInput={(e) => setShare(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={busy || !share}>{t('continue')}</button>
        <p role="alert" class="error">{error}</p>
      </form>
    );
  return (
    <form class="card" onSubmit={(ev) => (ev.preventDefault(), void run(() => env.api.call('create-start', { address: address.trim(), serviceUrl: serviceUrl.trim() || undefined })))} aria-labelledby="newmesh-title">
      <h1 id="newmesh-title">{t('createMesh')}</h1>
      <p class="muted">{t('createMeshText')}</p>
      <label for="nm-address">{t('accountAddress')}</label>
      <input id="nm-address" type="email" required placeholder="alice@example.com" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      <label for="nm-service">{t('serviceUrl')}</label>
      <input id="nm-service" type="url" placeholder="https://mesh.example.com" value={serviceUrl} onInput={(e) => setServiceUrl(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={busy}>{busy ? t('working') : t('createMesh')}</button>
      <button type="button" onClick={onBack} disabled={busy}>{t('back')}</button>
      <p role="alert" class="error">{error}</p>
    </form>
  );
}

/**
 * Recovery on a fresh browser: k shares and the account address rebuild the account secret; the worker
 * rejoins the account as an administration device, then the passphrase seals it and the catalogs sync.
 */
function Recover({ env, step, setStep, onBack, onDone }: { env: PopupEnv; step: ConnectStep; setStep: (s: ConnectStep) => void; onBack: () => void; onDone: () => void }) {
  const [address, setAddress] = useState('');
  const [serviceUrl, setServiceUrl] = useState('');
  const [shares, setShares] = useState<string[]>(['', '']);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await env.api.call('recover-start', { address: address.trim(), shares: shares.map((x) => x.trim()).filter(Boolean), serviceUrl: serviceUrl.trim() || undefined });
      setStep(s);
      if (s.step === 'failed') setError(s.error);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  if (step.step === 'choose-passphrase')
    return (
      <>
        <p class="muted">{t('profileFingerprint')}: <span class="code small" data-testid="profile-fingerprint">{step.profileUdf}</span></p>
        <ChoosePassphrase env={env} onDone={onDone} onBack={onBack} />
      </>
    );
  if (step.step === 'done') return <section class="card"><p>{t('connectDone', step.address)}</p><button class="primary" onClick={onDone}>{t('continue')}</button></section>;
  return (
    <form class="card" onSubmit={submit} aria-labelledby="recover-title">
      <h1 id="recover-title">{t('recoverMesh')}</h1>
      <p class="muted">{t('recoverText')}</p>
      <label for="rc-address">{t('accountAddress')}</label>
      <input id="rc-address" type="email" required placeholder="alice@example.com" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      {shares.map((x, i) => (
        <Fragment key={i}>
          <label for={`rc-share-${i}`}>{t('recoverShare', i + 1)}</label>
          <input id={`rc-share-${i}`} class="code small" autocomplete="off" spellcheck={false} value={x} onInput={(e) => setShares(shares.map((y, j) => (j === i ? e.currentTarget.value : y)))} />
        </Fragment>
      ))}
      {shares.length < 15 && <button type="button" onClick={() => setShares([...shares, ''])}>{t('recoverAddShare')}</button>}
      <details>
        <summary>{t('advanced')}</summary>
        <label for="rc-service">{t('serviceUrl')}</label>
        <input id="rc-service" type="url" placeholder="https://mesh.example.com" value={serviceUrl} onInput={(e) => setServiceUrl(e.currentTarget.value)} />
      </details>
      <button type="submit" class="primary" disabled={busy}>{busy ? t('recovering') : t('recoverStart')}</button>
      <button type="button" onClick={onBack} disabled={busy}>{t('back')}</button>
      <p role="alert" class="error">{error}</p>
    </form>
  );
}

// The unlocked popup: status line, save offers, and the Logins / Bookmarks / Generator / Conflicts views.
import { useState } from 'preact/hooks';
import type { PopupData, Status } from '../shared/messages.ts';
import type { PopupEnv } from './App.tsx';
import { t } from './i18n.ts';
import { Logins } from './Logins.tsx';
import { Bookmarks } from './Bookmarks.tsx';
import { GeneratorView } from './Generator.tsx';
import { Conflicts } from './Conflicts.tsx';
import { Icon } from './icons.tsx';

type View = 'logins' | 'bookmarks' | 'generator' | 'conflicts';

export function MainView({ env, data, onChange }: { env: PopupEnv; data: PopupData; onChange: () => void }) {
  const [view, setView] = useState<View>('logins');
  const tabs: View[] = ['logins', 'bookmarks', 'generator'];
  return (
    <>
      <header class="bar">
        <StatusLine status={data.status} onConflicts={() => setView('conflicts')} />
        <span class="grow" />
        {env.popOut && data.tabId !== undefined && <button class="icon" onClick={() => env.popOut!(data.tabId!)} title={t('popOut')} aria-label={t('popOut')}><Icon name="popout" /></button>}
        <button class="icon" onClick={() => env.openPage('options.html')} title={t('settings')} aria-label={t('settings')}><Icon name="settings" /></button>
        <button
          class="icon"
          onClick={async () => {
            await env.api.call('lock', {});
            onChange();
          }}
          title={t('lock')}
          aria-label={t('lock')}
        >
          <Icon name="lock" />
        </button>
      </header>
      <Warnings env={env} status={data.status} onChange={onChange} />
      <Offers env={env} data={data} onChange={onChange} />
      <nav class="tabs" role="tablist" aria-label={t('views')}>
        {tabs.map((v) => (
          <button role="tab" aria-selected={view === v} class={view === v ? 'selected' : ''} onClick={() => setView(v)} key={v}>
            {t(`view_${v}`)}
          </button>
        ))}
      </nav>
      <div role="tabpanel">
        {view === 'logins' && <Logins env={env} data={data} onChange={onChange} />}
        {view === 'bookmarks' && <Bookmarks env={env} tabUrl={data.tab?.url} />}
        {view === 'generator' && <GeneratorView env={env} />}
        {view === 'conflicts' && <Conflicts env={env} onChange={onChange} />}
      </div>
    </>
  );
}

function StatusLine({ status, onConflicts }: { status: Status; onConflicts: () => void }) {
  const s = status.sync;
  const when = s.lastSync ? new Date(s.lastSync).toLocaleTimeString() : '';
  return (
    <p class="status" aria-live="polite" data-testid="sync-status">
      <span class={`dot ${s.phase}`} aria-hidden="true" />
      {t(`sync_${s.phase.replace('-', '_')}`)}
      {s.pending > 0 && ` · ${t('pendingCount', s.pending)}`}
      {when && ` · ${t('lastSync', when)}`}
      {s.lastError && s.phase !== 'idle' && <span class="error" title={s.lastError}> · {s.lastError}</span>}
      {status.conflicts > 0 && (
        <>
          {' · '}
          <button class="link" onClick={onConflicts}>{t('conflictsCount', status.conflicts)}</button>
        </>
      )}
    </p>
  );
}

function Warnings({ env, status, onChange }: { env: PopupEnv; status: Status; onChange: () => void }) {
  if (!status.warnings.length) return null;
  return (
    <section class="warning" role="alert" aria-labelledby="warn-title">
      <h2 id="warn-title">{t('securityWarning')}</h2>
      <ul>
        {status.warnings.map((w) => (
          <li key={w.at}>
            <strong>{w.store}</strong>: {w.message}
          </li>
        ))}
      </ul>
      <button
        onClick={async () => {
          await env.api.call('dismiss-warnings', {});
          onChange();
        }}
      >
        {t('dismiss')}
      </button>
    </section>
  );
}

function Offers({ env, data, onChange }: { env: PopupEnv; data: PopupData; onChange: () => void }) {
  if (!data.offers.length) return null;
  const answer = async (id: string, save: boolean) => {
    await env.api.call('save-offer-answer', { id, save });
    onChange();
  };
  return (
    <section class="offers" aria-label={t('saveOffers')}>
      {data.offers.map((o) => (
        <div class="offer" key={o.id}>
          <p>{o.updates ? t('offerUpdate', o.username, new URL(o.url).host) : t('offerSave', o.username, new URL(o.url).host)}</p>
          <button class="primary" onClick={() => answer(o.id, true)}>{o.updates ? t('update') : t('save')}</button>
          <button onClick={() => answer(o.id, false)}>{t('notNow')}</button>
        </div>
      ))}
    </section>
  );
}

// Credentials: the ones matching the tab first, then instant search over all. The worker searches its
// precomputed index and returns at most LIMIT rows, so a keystroke never re-renders thousands of rows.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CredentialInput, CredentialSummary, CredentialView, MatchMode, PopupData } from '../shared/messages.ts';
import { RequestError } from '../shared/messages.ts';
import type { PopupEnv } from './App.tsx';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';
import { generatePassword } from '../mesh/generator.ts';
import { Icon } from './icons.tsx';

export const LIMIT = 50;
/** Rows in the first paint, about what the popup shows without scrolling; the rest follow right after it. */
export const FIRST_ROWS = 15;

export function Logins({ env, data, onChange }: { env: PopupEnv; data: PopupData; onChange: () => void }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ items: CredentialSummary[]; total: number }>({ items: data.recent, total: data.total });
  const [editing, setEditing] = useState<CredentialView | 'new' | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  /** An https login the user asked to fill into this http page: asked once more before it is sent. */
  const [confirm, setConfirm] = useState<CredentialSummary | undefined>();
  const seq = useRef(0);
  const search = useRef<HTMLInputElement>(null);
  const [allRows, setAllRows] = useState(false);
  useEffect(() => {
    search.current?.focus();
    performance.mark('meshpass:list'); // first meaningful paint of the popup (bench/popup.bench.ts)
    setAllRows(true);
  }, []);
  useEffect(() => setResults({ items: data.recent, total: data.total }), [data]);

  const onQuery = async (q: string) => {
    setQuery(q);
    const mine = ++seq.current;
    const r = await env.api.call('search', { query: q, limit: LIMIT });
    if (mine === seq.current) setResults(r); // drop answers to older keystrokes
  };

  const act = async (f: () => Promise<unknown>, done?: string) => {
    try {
      await f();
      if (done) setNotice(done);
    } catch (e) {
      setNotice(errorText(e));
    }
  };

  const doFill = (c: CredentialSummary, confirmInsecure = false) =>
    act(async () => {
      try {
        await env.api.call('fill', { id: c.id, tabId: data.tab!.id, ...(confirmInsecure ? { confirmInsecure: true } : {}) });
        setConfirm(undefined);
        setNotice(t('filled'));
      } catch (e) {
        setConfirm(undefined);
        if (e instanceof RequestError && e.failure.error === 'needs-confirmation' && !confirmInsecure) return setConfirm(c);
        throw e;
      }
    });

  if (editing)
    return (
      <Editor
        env={env}
        initial={editing === 'new' ? undefined : editing}
        tabUrl={data.tab?.url}
        onClose={(changed) => {
          setEditing(undefined);
          if (changed) {
            onChange();
            void onQuery(query);
          }
        }}
      />
    );

  const row = (c: CredentialSummary, fill: boolean) => (
    <li key={c.id} class="row" data-id={c.id}>
      <div class="who">
        <span class="title">{c.title || c.site}</span>
        <span class="muted">{c.username}{c.pending ? ` · ${t('notSynced')}` : ''}{c.conflicted ? ` · ${t('conflict')}` : ''}</span>
      </div>
      <div class="actions">
        {fill && data.tab && <button class="primary" data-act="fill">{t('fill')}</button>}
        <button class="icon" data-act="username" title={t('copyUsername')} aria-label={`${t('copyUsername')}: ${c.title}`}><Icon name="user" /></button>
        <button class="icon" data-act="password" title={t('copyPassword')} aria-label={`${t('copyPassword')}: ${c.title}`}><Icon name="key" /></button>
        <button class="icon" data-act="edit" title={t('edit')} aria-label={`${t('edit')}: ${c.title}`}><Icon name="edit" /></button>
        {c.url && <button class="icon" data-act="open" title={t('openSite')} aria-label={`${t('openSite')}: ${c.title}`}><Icon name="open" /></button>}
      </div>
    </li>
  );

  // One click listener per list rather than one per button: 50 rows hold up to 250 buttons, and adding
  // their listeners was a large part of rendering the list (docs/decisions/popup-performance.md).
  const onRowClick = (e: MouseEvent) => {
    const button = (e.target as Element).closest<HTMLButtonElement>('button[data-act]');
    const id = button?.closest<HTMLElement>('li[data-id]')?.dataset.id;
    const c = id === undefined ? undefined : (data.matches.find((m) => m.id === id) ?? results.items.find((r) => r.id === id));
    if (!button || !c) return;
    const action = button.dataset.act;
    if (action === 'fill') void doFill(c);
    else if (action === 'username') void act(() => env.copy(c.username, false), t('copied'));
    else if (action === 'password') void act(async () => env.copy((await env.api.call('credential-get', { id: c.id })).password, true), t('copiedPassword'));
    else if (action === 'edit') void act(async () => setEditing(await env.api.call('credential-get', { id: c.id })));
    else if (action === 'open') env.openUrl(c.url);
  };

  const matchIds = new Set(data.matches.map((m) => m.id));
  const matches = allRows ? data.matches : data.matches.slice(0, FIRST_ROWS);
  const rest = results.items.filter((c) => query || !matchIds.has(c.id)).slice(0, allRows ? undefined : Math.max(0, FIRST_ROWS - matches.length));
  return (
    <section aria-label={t('view_logins')}>
      <div class="searchbar">
        <input
          ref={search}
          type="search"
          placeholder={t('searchLogins')}
          aria-label={t('searchLogins')}
          aria-keyshortcuts="Enter"
          value={query}
          onInput={(e) => void onQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter fills the first login matching this tab (the top of the list).
            const first = (query ? results.items.filter((c) => matchIds.has(c.id)) : data.matches)[0];
            if (e.key === 'Enter' && first && data.tab) void doFill(first);
          }}
        />
        <button class="primary" onClick={() => setEditing('new')}>{t('add')}</button>
      </div>
      <p class="notice" role="status">{notice}</p>
      {confirm && (
        <div class="card confirm" role="alertdialog" aria-labelledby="insecure-title" aria-describedby="insecure-text" data-testid="insecure-confirm">
          <h2 id="insecure-title">{t('insecureFillTitle')}</h2>
          <p id="insecure-text">{t('insecureFillWarning')}</p>
          <div class="buttons">
            <button class="danger" onClick={() => void doFill(confirm, true)}>{t('fillAnyway')}</button>
            <button onClick={() => setConfirm(undefined)} autoFocus>{t('cancel')}</button>
          </div>
        </div>
      )}
      {!query && data.matches.length > 0 && (
        <>
          <h2 class="section">{t('matchingThisSite')}</h2>
          <ul class="list" data-testid="matches" onClick={onRowClick}>{matches.map((c) => row(c, true))}</ul>
        </>
      )}
      <h2 class="section">{query ? t('searchResults', results.total) : t('allLogins', results.total)}</h2>
      <ul class="list" data-testid="results" onClick={onRowClick}>{rest.map((c) => row(c, matchIds.has(c.id)))}</ul>
      {results.total > results.items.length && <p class="muted">{t('moreResults', results.total - results.items.length)}</p>}
      {results.total === 0 && <p class="muted">{query ? t('noResults') : t('emptyVault')}</p>}
    </section>
  );
}

function Editor({ env, initial, tabUrl, onClose }: { env: PopupEnv; initial?: CredentialView; tabUrl?: string; onClose: (changed: boolean) => void }) {
  const [v, setV] = useState<CredentialInput>(initial ?? { title: tabUrl ? new URL(tabUrl).hostname : '', url: tabUrl ?? '', username: '', password: '', notes: '' });
  const [show, setShow] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const set = (k: keyof CredentialInput) => (e: { currentTarget: { value: string } }) => setV({ ...v, [k]: e.currentTarget.value });
  const save = async (ev: Event) => {
    ev.preventDefault();
    try {
      await env.api.call('credential-save', { id: initial?.id, input: v });
      onClose(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async () => {
    if (!confirmDelete) return setConfirmDelete(true);
    try {
      await env.api.call('credential-delete', { id: initial!.id });
      onClose(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form class="card editor" onSubmit={save} aria-labelledby="editor-title">
      <h1 id="editor-title">{initial ? t('editLogin') : t('addLogin')}</h1>
      <label for="f-title">{t('fieldTitle')}</label>
      <input id="f-title" value={v.title} onInput={set('title')} />
      <label for="f-url">{t('fieldUrl')}</label>
      <input id="f-url" type="url" value={v.url} onInput={set('url')} />
      <label for="f-user">{t('fieldUsername')}</label>
      <input id="f-user" autocomplete="off" value={v.username} onInput={set('username')} />
      <label for="f-pass">{t('fieldPassword')}</label>
      <div class="inline">
        {show ? (
          <input id="f-pass" type="text" autocomplete="off" spellcheck={false} value={v.password} onInput={set('password')} />
        ) : (
          <input id="f-pass" type="password" autocomplete="new-password" value={v.password} onInput={set('password')} />
        )}
        <button type="button" class="icon" aria-pressed={show} aria-label={t('showPassword')} title={t('showPassword')} onClick={() => setShow(!show)}><Icon name="eye" /></button>
        <button type="button" class="icon" aria-label={t('generate')} title={t('generate')} onClick={() => setV({ ...v, password: generatePassword() })}><Icon name="refresh" /></button>
      </div>
      <label for="f-match">{t('fieldMatch')}</label>
      <select id="f-match" value={v.matchMode ?? ''} onChange={(e) => setV({ ...v, matchMode: (e.currentTarget.value || undefined) as MatchMode | undefined })}>
        <option value="">{t('matchDefault')}</option>
        {(['domain', 'host', 'exact', 'never'] as const).map((m) => <option value={m} key={m}>{t(`match_${m}`)}</option>)}
      </select>
      <label for="f-notes">{t('fieldNotes')}</label>
      <textarea id="f-notes" rows={3} value={v.notes} onInput={set('notes')} />
      {initial?.modified && <p class="muted" data-volatile>{t('modified', new Date(initial.modified).toLocaleString())}</p>}
      <div class="buttons">
        <button type="submit" class="primary">{t('save')}</button>
        <button type="button" onClick={() => onClose(false)}>{t('cancel')}</button>
        {initial && <button type="button" class="danger" onClick={remove}>{confirmDelete ? t('confirmDelete') : t('delete')}</button>}
      </div>
      <p role="alert" class="error">{error}</p>
    </form>
  );
}

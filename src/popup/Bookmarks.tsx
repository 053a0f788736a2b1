// Bookmarks: search, browse by folder, open, add the current page, edit (title, URL, folder), delete.
import { useEffect, useState } from 'preact/hooks';
import type { BookmarkInput, BookmarkView } from '../shared/messages.ts';
import type { PopupEnv } from './App.tsx';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';
import { Icon } from './icons.tsx';

export function Bookmarks({ env, tabUrl }: { env: PopupEnv; tabUrl?: string }) {
  const [query, setQuery] = useState('');
  const [folder, setFolder] = useState('');
  const [folders, setFolders] = useState<string[]>([]);
  const [r, setR] = useState<{ items: BookmarkView[]; total: number }>({ items: [], total: 0 });
  const [editing, setEditing] = useState<{ id?: string; input: BookmarkInput } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async (q: string, f: string) => {
    try {
      const [found, paths] = await Promise.all([env.api.call('bookmark-search', { query: q, limit: 50, ...(f ? { folder: f } : {}) }), env.api.call('bookmark-folders', {})]);
      setR(found);
      setFolders(paths);
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => void load(query, folder), [env]);

  const save = async (ev: Event) => {
    ev.preventDefault();
    try {
      await env.api.call('bookmark-save', { id: editing!.id, input: editing!.input });
      setEditing(undefined);
      await load(query, folder);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async (b: BookmarkView) => {
    try {
      await env.api.call('bookmark-delete', { id: b.id });
      await load(query, folder);
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (editing) {
    const set = (k: keyof BookmarkInput) => (e: { currentTarget: { value: string } }) => setEditing({ ...editing, input: { ...editing.input, [k]: e.currentTarget.value } });
    return (
      <form class="card" onSubmit={save} aria-labelledby="bm-title">
        <h1 id="bm-title">{editing.id ? t('editBookmark') : t('addBookmark')}</h1>
        <label for="b-title">{t('fieldTitle')}</label>
        <input id="b-title" value={editing.input.title} onInput={set('title')} />
        <label for="b-url">{t('fieldUrl')}</label>
        <input id="b-url" type="url" required value={editing.input.url} onInput={set('url')} />
        <label for="b-path">{t('fieldFolder')}</label>
        <input id="b-path" list="b-folders" value={editing.input.path} onInput={set('path')} placeholder={t('folderHint')} />
        <datalist id="b-folders">
          {folders.map((f) => <option key={f} value={f} />)}
        </datalist>
        <div class="buttons">
          <button type="submit" class="primary">{t('save')}</button>
          <button type="button" onClick={() => setEditing(undefined)}>{t('cancel')}</button>
        </div>
        <p role="alert" class="error">{error}</p>
      </form>
    );
  }
  return (
    <section aria-label={t('view_bookmarks')}>
      <div class="searchbar">
        <input type="search" placeholder={t('searchBookmarks')} aria-label={t('searchBookmarks')} value={query} onInput={(e) => { setQuery(e.currentTarget.value); void load(e.currentTarget.value, folder); }} />
        <button class="primary" onClick={() => setEditing({ input: { title: '', url: tabUrl ?? '', path: folder } })}>{tabUrl ? t('addThisPage') : t('add')}</button>
      </div>
      {folders.length > 0 && (
        <div class="searchbar">
          <label for="b-folder-filter" class="muted">{t('fieldFolder')}</label>
          <select id="b-folder-filter" value={folder} onChange={(e) => { setFolder(e.currentTarget.value); void load(query, e.currentTarget.value); }}>
            <option value="">{t('allFolders')}</option>
            {folders.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </div>
      )}
      <p role="alert" class="error">{error}</p>
      <ul class="list" data-testid="bookmarks">
        {r.items.map((b) => (
          <li class="row" key={b.id}>
            <div class="who">
              <span class="title">{b.title}</span>
              <span class="muted">
                {b.path && <button class="link" title={t('showFolder')} onClick={() => { setFolder(b.path); void load(query, b.path); }}>{b.path}</button>}
                {b.path ? ' · ' : ''}{b.url}
              </span>
            </div>
            <div class="actions">
              <button class="icon" aria-label={`${t('openSite')}: ${b.title}`} title={t('openSite')} onClick={() => env.openUrl(b.url)}><Icon name="open" /></button>
              <button class="icon" aria-label={`${t('edit')}: ${b.title}`} title={t('edit')} onClick={() => setEditing({ id: b.id, input: { title: b.title, url: b.url, path: b.path } })}><Icon name="edit" /></button>
              <button class="icon" aria-label={`${t('delete')}: ${b.title}`} title={t('delete')} onClick={() => void remove(b)}><Icon name="trash" /></button>
            </div>
          </li>
        ))}
      </ul>
      {r.total === 0 && <p class="muted">{t('noBookmarks')}</p>}
      {r.total > r.items.length && <p class="muted">{t('moreBookmarks', r.total - r.items.length)}</p>}
    </section>
  );
}

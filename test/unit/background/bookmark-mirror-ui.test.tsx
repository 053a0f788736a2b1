// @vitest-environment happy-dom
// The bookmark mirror wired into the real Background (requests mirror-status/set/import, bookmark-folders,
// bookmark-search by folder; lock and wipe), the popup's Bookmarks view (folders, add the current page,
// edit, delete) and the Settings page's Bookmarks section, all against a fake bookmarks API.
import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Background } from '../../../src/background/background.ts';
import { openVaultDb } from '../../../src/background/db.ts';
import { memorySession } from '../../../src/background/platform.ts';
import { Bookmarks } from '../../../src/popup/Bookmarks.tsx';
import { Options, type OptionsEnv } from '../../../src/popup/Options.tsx';
import type { PopupEnv } from '../../../src/popup/App.tsx';
import { setMessageGetter } from '../../../src/popup/i18n.ts';
import { send, type Api, type RequestType } from '../../../src/shared/messages.ts';
import { FakeBookmarks } from './bookmark-mirror-fake.ts';

type Catalog = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
beforeAll(() => {
  const messages = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../public/_locales/en/messages.json'), 'utf8')) as Catalog;
  setMessageGetter((key, subs = []) => {
    const m = messages[key];
    if (!m) return '';
    return m.message.replace(/\$([A-Z0-9_]+)\$/gi, (_, name: string) => (m.placeholders?.[name.toLowerCase()]?.content ?? '').replace(/\$(\d)/g, (_x, n: string) => subs[Number(n) - 1] ?? ''));
  });
});
afterEach(cleanup);

async function setup() {
  const api = new FakeBookmarks('chromium');
  const bg = new Background({ db: await openVaultDb(`bm-ui-${Math.random()}`), session: memorySession(), clock: { now: () => Date.now() }, bookmarks: api, allowKdfOverride: true });
  api.onEvent((k, id) => bg.mirror.onNative(k, id));
  await bg.start();
  const call = async <K extends RequestType>(type: K, fields: Api[K][0]): Promise<Api[K][1]> => send((m) => bg.handle(m as never, { fromExtensionPage: true }), type, fields);
  await call('setup', { passphrase: 'correct horse', kdf: { m: 64, t: 1, p: 1 } });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await bg.mirror.idle();
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  const root = () => api.find(api.otherId, 'Mesh bookmarks');
  return { api, bg, call, settle, root };
}

describe('bookmark mirror in the worker', () => {
  it('is off until turned on, mirrors popup edits, follows the lock, and is forgotten by a wipe', async () => {
    const { api, call, settle, root } = await setup();
    expect(await call('mirror-status', {})).toMatchObject({ available: true, enabled: false, mirrored: 0 });
    await call('bookmark-save', { input: { title: 'Docs', url: 'https://docs.example/', path: 'Work/Ref' } });
    await settle();
    expect(root()).toBeUndefined();
    expect(await call('mirror-set', { enabled: true })).toMatchObject({ enabled: true, mirrored: 1 });
    expect(api.listing(root()!)).toEqual(['Work/Ref|Docs|https://docs.example/']);

    // Folders and the folder filter.
    await call('bookmark-save', { input: { title: 'Home', url: 'https://home.example/', path: '' } });
    expect(await call('bookmark-folders', {})).toEqual(['Work', 'Work/Ref']);
    expect((await call('bookmark-search', { query: '', folder: 'Work' })).items.map((b) => b.title)).toEqual(['Docs']);
    expect((await call('bookmark-search', { query: '' })).total).toBe(2);
    await settle();
    expect(api.listing(root()!)).toHaveLength(2);

    // Locked: native changes wait; the unlock catches up.
    await call('lock', {});
    await api.create({ parentId: root()!, title: 'While locked', url: 'https://locked.example/' });
    await settle();
    await call('unlock', { passphrase: 'correct horse' });
    await waitFor(async () => expect((await call('bookmark-search', { query: 'locked' })).total).toBe(1));

    // The one-time import.
    await api.create({ parentId: api.toolbarId, title: 'Bar', url: 'https://bar.example/' });
    expect(await call('mirror-import', {})).toEqual({ added: 1, skipped: 0 });
    expect((await call('bookmark-search', { query: 'bar.example' })).items[0]).toMatchObject({ path: 'Toolbar' });

    await call('wipe', { confirm: 'wipe' });
    expect(await call('mirror-status', {})).toMatchObject({ enabled: false, mirrored: 0 });
  });

  it('refuses to turn the mirror on or import while locked', async () => {
    const { call } = await setup();
    await call('lock', {});
    await expect(call('mirror-set', { enabled: true })).rejects.toMatchObject({ failure: { error: 'locked' } });
    await expect(call('mirror-import', {})).rejects.toMatchObject({ failure: { error: 'locked' } });
  });
});

describe('popup Bookmarks view', () => {
  it('adds the current page into the folder being viewed, filters by folder, edits and deletes', async () => {
    const { call } = await setup();
    await call('bookmark-save', { input: { title: 'Docs', url: 'https://docs.example/', path: 'Work' } });
    await call('bookmark-save', { input: { title: 'Other', url: 'https://other.example/', path: 'Play' } });
    const env = { api: { call }, openUrl: vi.fn(), openPage: vi.fn(), copy: vi.fn() } as unknown as PopupEnv;
    render(<Bookmarks env={env} tabUrl="https://page.example/article" />);
    await screen.findByText('Docs');
    fireEvent.change(screen.getByLabelText('Folder'), { target: { value: 'Work' } });
    await waitFor(() => expect(screen.queryByText('Other')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Add this page' }));
    expect((screen.getByLabelText('Website') as HTMLInputElement).value).toBe('https://page.example/article');
    expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('Work');
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Article' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Article');
    expect((await call('bookmark-search', { query: 'article' })).items[0]).toMatchObject({ path: 'Work', url: 'https://page.example/article' });

    fireEvent.click(screen.getByRole('button', { name: 'Edit: Docs' }));
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Docs 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Docs 2');
    fireEvent.click(screen.getByRole('button', { name: 'Delete: Docs 2' }));
    await waitFor(() => expect(screen.queryByText('Docs 2')).toBeNull());
    expect((await call('bookmark-search', { query: '' })).total).toBe(2);
    fireEvent.click(screen.getByRole('button', { name: 'Open site: Article' }));
    expect(env.openUrl).toHaveBeenCalledWith('https://page.example/article');
  });
});

describe('Settings: Bookmarks section', () => {
  it('turns the mirror on and imports the browser\'s bookmarks', async () => {
    const { api, call, root } = await setup();
    await api.create({ parentId: api.toolbarId, title: 'Bar', url: 'https://bar.example/' });
    const env: OptionsEnv = { api: { call }, download: vi.fn(), openPage: vi.fn() };
    render(<Options env={env} />);
    const box = (await screen.findByLabelText(/Mirror Mesh bookmarks/)) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    fireEvent.click(box);
    await waitFor(async () => expect((await call('mirror-status', {})).enabled).toBe(true));
    await waitFor(() => expect(root()).toBeDefined());
    const importButton = screen.getByRole('button', { name: 'Import bookmarks' }) as HTMLButtonElement;
    await waitFor(() => expect(screen.getByText(/Mirror on/)).toBeTruthy());
    await waitFor(() => expect(importButton.disabled).toBe(false));
    fireEvent.click(importButton);
    await waitFor(() => expect(document.body.textContent).toContain('Imported 1 bookmarks'), { timeout: 5_000 });
  });
});

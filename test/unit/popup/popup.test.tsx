// @vitest-environment happy-dom
// The popup against a real Background (fake-indexeddb): the page API is the worker's handler, so these
// tests cover the UI and the request flow without mocking the extension API.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, type PopupEnv } from '../../../src/popup/App.tsx';
import { setMessageGetter } from '../../../src/popup/i18n.ts';
import { send, type Api, type RequestType } from '../../../src/shared/messages.ts';
import { CHEAP_KDF, makeBackground } from '../background/helpers.ts';

type Catalog = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;

beforeAll(() => {
  const messages = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../public/_locales/en/messages.json'), 'utf8')) as Catalog;
  setMessageGetter((key, subs = []) => {
    const m = messages[key];
    if (!m) return '';
    return m.message.replace(/\$([A-Z0-9_]+)\$/gi, (_, name: string) => {
      const content = m.placeholders?.[name.toLowerCase()]?.content ?? '';
      return content.replace(/\$(\d)/g, (_x, n: string) => subs[Number(n) - 1] ?? '');
    });
  });
});
afterEach(cleanup);

async function setupEnv(opts: { tabUrl?: string } = {}) {
  const ctx = await makeBackground({ tabs: { url: async () => opts.tabUrl, sendToFrame: async () => ({ url: opts.tabUrl, filled: ['password'] }) } });
  const copied: { text: string; secret: boolean }[] = [];
  const env: PopupEnv = {
    api: {
      // The popup never chooses the KDF cost; tests lower it here, as only test builds allow.
      call: <K extends RequestType>(type: K, fields: Api[K][0]) =>
        send((m) => ctx.bg.handle(m as never, { fromExtensionPage: true }), type, (type === 'setup' ? { ...fields, kdf: CHEAP_KDF } : fields) as Api[K][0]),
    },
    tabId: opts.tabUrl ? 3 : undefined,
    copy: async (text, secret) => void copied.push({ text, secret }),
    openUrl: vi.fn(),
    openPage: vi.fn(),
  };
  return { ...ctx, env, copied };
}

describe('popup', () => {
  it('creates a vault: refuses mismatched passphrases, then shows the empty main view', async () => {
    const { env } = await setupEnv();
    render(<App env={env} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Start with a vault on this browser only' }));
    fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: 'correct horse' } });
    fireEvent.input(screen.getByLabelText('Repeat the passphrase'), { target: { value: 'correct hors' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create the vault' }));
    expect(await screen.findByText('The two passphrases differ.')).toBeTruthy();
    fireEvent.input(screen.getByLabelText('Repeat the passphrase'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create the vault' }));
    expect(await screen.findByText(/No logins yet/)).toBeTruthy();
    expect(screen.getByTestId('sync-status').textContent).toContain('Not connected');
  });

  it('adds a login, finds it by search, copies its password as a secret, and fills the matching tab', async () => {
    const { env, call, copied } = await setupEnv({ tabUrl: 'https://www.shop.example/cart' });
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    await call('credential-save', { input: { title: 'Other', url: 'https://other.example', username: 'o', password: 'p', notes: '' } });
    render(<App env={env} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add' }));
    fireEvent.input(screen.getByLabelText('Title'), { target: { value: 'Shop' } });
    fireEvent.input(screen.getByLabelText('Website'), { target: { value: 'https://shop.example/login' } });
    fireEvent.input(screen.getByLabelText('Username'), { target: { value: 'ann' } });
    fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'S3cret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    // The new login matches the tab: it is listed under "For this site" with a Fill button.
    await waitFor(() => expect(screen.getByTestId('matches').textContent).toContain('Shop'));
    fireEvent.click(screen.getByRole('button', { name: 'Copy password: Shop' }));
    await waitFor(() => expect(copied).toEqual([{ text: 'S3cret', secret: true }]));
    fireEvent.keyDown(screen.getByRole('searchbox', { name: 'Search logins' }), { key: 'Enter' });
    expect(await screen.findByText('Filled.')).toBeTruthy();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Search logins' }), { target: { value: 'oth' } });
    await waitFor(() => expect([...screen.getByTestId('results').querySelectorAll('.title')].map((e) => e.textContent)).toEqual(['Other']));
  });

  it('asks for the passphrase when locked and says when it is wrong', async () => {
    const { env, call } = await setupEnv();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    await call('lock', {});
    render(<App env={env} />);
    const input = await screen.findByLabelText('Passphrase');
    fireEvent.input(input, { target: { value: 'nope nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByText(/Wrong passphrase/)).toBeTruthy();
    fireEvent.input(input, { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('searchbox', { name: 'Search logins' })).toBeTruthy();
  });

  it('offers to save a submitted login and saves it on confirmation', async () => {
    const { env, call, bg } = await setupEnv({ tabUrl: 'https://shop.example/login' });
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    await bg.handleContent({ type: 'save-offer', url: 'https://shop.example/login', username: 'bob', password: 'pw', kind: 'new', formKind: 'login' }, { tabId: 3, frameId: 0, url: 'https://shop.example/login' });
    render(<App env={env} />);
    expect(await screen.findByText('Save the login bob for shop.example?')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByTestId('matches').textContent).toContain('bob'));
  });

  it('shows the answer main.tsx asked for before rendering, binds to its tab, and lists every row after the first paint', async () => {
    const { env, call, copied } = await setupEnv({ tabUrl: 'https://www.shop.example/cart' });
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    await call('credential-save', { input: { title: 'Shop', url: 'https://shop.example/login', username: 'ann', password: 'S3cret', notes: '' } });
    for (let i = 0; i < 60; i++) await call('credential-save', { input: { title: `Site ${i}`, url: `https://site${i}.example.org`, username: `u${i}`, password: 'pw', notes: '' } });
    const popOut = vi.fn();
    const first = env.api.call('popup-open', { tabId: 3 });
    render(<App env={{ ...env, tabId: undefined, popOut }} first={first} />);
    await waitFor(() => expect(screen.getByTestId('results').querySelectorAll('li')).toHaveLength(49)); // 50 minus the match
    expect(screen.getByText('11 more: type to narrow the search.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Open in a window' }));
    expect(popOut).toHaveBeenCalledWith(3);
    fireEvent.click(screen.getByRole('button', { name: 'Copy username: Site 3' }));
    await waitFor(() => expect(copied).toEqual([{ text: 'u3', secret: false }]));
    fireEvent.click(screen.getByTestId('matches').querySelector('button.primary')!);
    expect(await screen.findByText('Filled.')).toBeTruthy();
  });

  it('every form control has an accessible name', async () => {
    const { env, call } = await setupEnv();
    await call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    render(<App env={env} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add' }));
    await screen.findByLabelText('Title');
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      const named = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.textContent?.trim();
      expect(named, el.outerHTML).toBeTruthy();
    }
  });
});

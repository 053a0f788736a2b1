// @vitest-environment happy-dom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Options, type OptionsEnv } from '../../../src/popup/Options.tsx';
import { setMessageGetter } from '../../../src/popup/i18n.ts';
import { send } from '../../../src/shared/messages.ts';
import { CHEAP_KDF, makeBackground } from '../background/helpers.ts';

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
  const ctx = await makeBackground();
  await ctx.call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
  const downloads: { name: string; text: string }[] = [];
  const env: OptionsEnv = {
    api: { call: (type, fields) => send((m) => ctx.bg.handle(m as never, { fromExtensionPage: true }), type, fields) },
    download: (name, text) => void downloads.push({ name, text }),
    openPage: vi.fn(),
  };
  return { ...ctx, env, downloads };
}

describe('settings page', () => {
  it('changes auto-lock and stay-unlocked, exports with the passphrase, and wipes only after the word is typed', async () => {
    const { env, call, downloads } = await setup();
    await call('credential-save', { input: { title: 'A', url: 'https://a.example', username: 'u', password: 'p', notes: '' } });
    render(<Options env={env} />);
    fireEvent.change(await screen.findByLabelText('Lock after being idle for'), { target: { value: 'never' } });
    await waitFor(async () => expect((await call('settings-get', {})).autoLockMinutes).toBe('never'));
    fireEvent.click(screen.getByLabelText('Stay unlocked across browser restarts'));
    await waitFor(async () => expect((await call('settings-get', {})).stayUnlocked).toBe(true));

    fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0].text).toContain('https://a.example');

    const wipe = screen.getByRole('button', { name: 'Disconnect and wipe' }) as HTMLButtonElement;
    expect(wipe.disabled).toBe(true);
    fireEvent.input(screen.getByLabelText('Type "wipe" to confirm'), { target: { value: 'wipe' } });
    expect(wipe.disabled).toBe(false);
    fireEvent.click(wipe);
    await waitFor(async () => expect((await call('status', {})).phase).toBe('new'));
  });

  it('says when this browser is not an administration device', async () => {
    const { env } = await setup();
    render(<Options env={env} />);
    expect(await screen.findByText(/not an administration device/)).toBeTruthy();
  });
});

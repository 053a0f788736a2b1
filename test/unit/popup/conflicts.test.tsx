// @vitest-environment happy-dom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Conflicts } from '../../../src/popup/Conflicts.tsx';
import type { PopupEnv } from '../../../src/popup/App.tsx';
import { setMessageGetter } from '../../../src/popup/i18n.ts';
import { send } from '../../../src/shared/messages.ts';
import { CHEAP_KDF, makeBackground } from '../background/helpers.ts';

beforeAll(() => {
  const messages = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../public/_locales/en/messages.json'), 'utf8')) as Record<string, { message: string }>;
  setMessageGetter((key) => messages[key]?.message ?? '');
});
afterEach(cleanup);

describe('conflicts view', () => {
  it('lets the user pick field by field; the choice becomes an edit on the other device version', async () => {
    const ctx = await makeBackground();
    await ctx.call('setup', { passphrase: 'correct horse', kdf: CHEAP_KDF });
    const vault = ctx.bg.vault!;
    const replica = vault.replica('Credential');
    replica.pending = [
      {
        id: 'e1', store: 'Credential', uniqueId: 'X', event: 'Update', base: 1, frameId: 'F', modified: '2025-01-01T00:00:00Z',
        fields: { Uid: 'X', Service: 'bank.example', Username: 'mine-user', Password: 'mine-pw' },
        conflict: { remoteIndex: 4, remote: { Uid: 'X', Service: 'bank.example', Username: 'their-user', Password: 'their-pw' }, base: null, fields: ['Username', 'Password'] },
      },
    ];
    await vault.local.commit('Credential', { append: [], state: replica.state, pending: replica.pending });
    const env = { api: { call: (type: never, fields: never) => send((m) => ctx.bg.handle(m as never, { fromExtensionPage: true }), type, fields) } } as unknown as PopupEnv;
    let changed = 0;
    render(<Conflicts env={env} onChange={() => changed++} />);
    await screen.findByText('mine-user');
    expect(screen.queryByText('their-pw')).toBeNull(); // passwords hidden until asked
    const radios = screen.getAllByRole('radio') as HTMLInputElement[];
    // Rows: Username, Password; columns: this device, other device. Keep my username, their password.
    fireEvent.click(radios[3]);
    fireEvent.click(screen.getByRole('button', { name: 'Keep the fields picked' }));
    await screen.findByText('No conflicts.');
    expect(changed).toBe(1);
    await waitFor(() => expect(vault.replica('Credential').pending).toMatchObject([{ event: 'Update', base: 4, fields: { Username: 'mine-user', Password: 'their-pw' } }]));
    expect((await ctx.call('status', {})).conflicts).toBe(0);
  });
});

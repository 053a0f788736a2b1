import { describe, expect, it } from 'vitest';
import { exportBackup, type ImportRecord } from '../../../src/import/index.ts';

const records: ImportRecord[] = [
  {
    title: 'Example',
    urls: ['https://example.com/login', 'https://sso.example.com'],
    username: 'alice',
    password: 'p,"q"',
    notes: 'two\nlines',
    totp: 'JBSWY3DPEHPK3PXP',
    folder: 'Work/Email',
    created: '2023-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
  },
  { title: 'Bare', urls: [], username: '', password: 'x', notes: '', totp: '', folder: '' },
];

describe('exportBackup', () => {
  it('writes Bitwarden CSV columns, quoting where needed', () => {
    expect(exportBackup(records, 'csv')).toBe(
      'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n' +
        'Work/Email,,login,Example,"two\nlines",,0,"https://example.com/login,https://sso.example.com",alice,"p,""q""",JBSWY3DPEHPK3PXP\n' +
        ',,login,Bare,,,0,,,x,\n',
    );
  });

  it('writes unencrypted Bitwarden JSON with folders', () => {
    expect(JSON.parse(exportBackup(records, 'bitwarden-json'))).toEqual({
      encrypted: false,
      folders: [{ id: '00000000-0000-4000-8001-000000000001', name: 'Work/Email' }],
      items: [
        {
          id: '00000000-0000-4000-8002-000000000001',
          organizationId: null,
          folderId: '00000000-0000-4000-8001-000000000001',
          type: 1,
          reprompt: 0,
          name: 'Example',
          notes: 'two\nlines',
          favorite: false,
          login: {
            uris: [
              { match: null, uri: 'https://example.com/login' },
              { match: null, uri: 'https://sso.example.com' },
            ],
            username: 'alice',
            password: 'p,"q"',
            totp: 'JBSWY3DPEHPK3PXP',
          },
          collectionIds: null,
          creationDate: '2023-01-01T00:00:00.000Z',
          revisionDate: '2024-01-01T00:00:00.000Z',
        },
        {
          id: '00000000-0000-4000-8002-000000000002',
          organizationId: null,
          folderId: null,
          type: 1,
          reprompt: 0,
          name: 'Bare',
          notes: null,
          favorite: false,
          login: { uris: [], username: null, password: 'x', totp: null },
          collectionIds: null,
        },
      ],
    });
  });
});

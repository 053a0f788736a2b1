// Bitwarden CSV (personal vault): folder,favorite,type,name,notes,fields,reprompt,login_uri,
// login_username,login_password,login_totp. Organization exports have `collections` instead of folder.
import { splitUrls, type CsvFormat } from '../csv-format.ts';
import type { SkipKind } from '../types.ts';

const SKIP_BY_TYPE: Record<string, SkipKind> = { note: 'notes', card: 'cards', identity: 'identities' };

export const bitwardenCsv: CsvFormat = {
  id: 'bitwarden-csv',
  label: 'Bitwarden CSV',
  signature: ['type', 'name', 'login_uri', 'login_username', 'login_password'],
  columns: {
    folder: ['folder', 'collections'],
    title: ['name'],
    notes: ['notes'],
    username: ['login_username'],
    password: ['login_password'],
    totp: ['login_totp'],
  },
  row(input, get) {
    const type = get('type').trim().toLowerCase();
    if (type && type !== 'login') return SKIP_BY_TYPE[type] ?? 'other';
    const fields = get('fields').trim();
    const notes = fields ? (input.notes ? `${input.notes}\n\n${fields}` : fields) : input.notes;
    return { ...input, urls: splitUrls(get('login_uri')), notes };
  },
};

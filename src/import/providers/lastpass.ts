// LastPass: url,username,password,totp,extra,name,grouping,fav. Secure notes carry url "http://sn";
// their "NoteType:" line in extra says whether they are cards, addresses, etc.
import type { CsvFormat } from '../csv-format.ts';
import type { SkipKind } from '../types.ts';

export const lastpassCsv: CsvFormat = {
  id: 'lastpass',
  label: 'LastPass CSV',
  signature: ['url', 'username', 'password', 'extra', 'name', 'grouping', 'fav'],
  columns: { title: ['name'], url: ['url'], username: ['username'], password: ['password'], notes: ['extra'], totp: ['totp'], folder: ['grouping'] },
  row(input, get) {
    if (get('url').trim() === 'http://sn') return secureNoteKind(get('extra'));
    return input;
  },
};

function secureNoteKind(extra: string): SkipKind {
  const type = /^NoteType:(.*)$/m.exec(extra)?.[1]?.trim().toLowerCase();
  if (!type) return 'notes';
  if (type === 'credit card' || type === 'bank account') return 'cards';
  if (['address', 'passport', 'driver\'s license', 'social security', 'insurance', 'health insurance', 'membership'].includes(type)) return 'identities';
  return 'other';
}

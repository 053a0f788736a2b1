// Dashlane (credentials.csv of the CSV export): username,username2,username3,title,password,note,
// url,category,otpSecret (newer exports: otpUrl).
import { withExtras } from '../collect.ts';
import type { CsvFormat } from '../csv-format.ts';

export const dashlaneCsv: CsvFormat = {
  id: 'dashlane',
  label: 'Dashlane CSV',
  signature: ['username', 'username2', 'username3', 'title', 'password', 'note', 'url', 'category'],
  columns: { title: ['title'], url: ['url'], username: ['username'], password: ['password'], notes: ['note'], totp: ['otpUrl', 'otpSecret'], folder: ['category'] },
  row(input, get) {
    const notes = withExtras(input.notes ?? '', [
      ['Username 2', get('username2')],
      ['Username 3', get('username3')],
    ]);
    return { ...input, notes };
  },
};

/** Dashlane's current export is a zip of CSV files; the logins are in credentials.csv. */
export function isDashlaneCredentialsEntry(name: string): boolean {
  return /^([^/]+\/)?credentials\.csv$/.test(name);
}

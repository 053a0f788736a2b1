// Firefox (about:logins → Export): url,username,password,httpRealm,formActionOrigin,guid,
// timeCreated,timeLastUsed,timePasswordChanged (times in ms since 1970).
import { withExtras } from '../collect.ts';
import type { CsvFormat } from '../csv-format.ts';

export const firefoxCsv: CsvFormat = {
  id: 'firefox',
  label: 'Firefox CSV',
  signature: ['url', 'username', 'password', 'httpRealm', 'formActionOrigin'],
  columns: { url: ['url'], username: ['username'], password: ['password'], created: ['timeCreated'], modified: ['timePasswordChanged'] },
  timeUnit: 'ms',
  row(input, get) {
    const url = get('url');
    // The Firefox account's own login is stored as a chrome:// entry; it is not a web login.
    if (url.startsWith('chrome://')) return 'other';
    return { ...input, notes: withExtras('', [['HTTP realm', get('httpRealm')]]) };
  },
};

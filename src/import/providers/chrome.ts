// Chrome, Edge, Brave, Opera (Chromium "Export passwords"): name,url,username,password,note
import type { CsvFormat } from '../csv-format.ts';

export const chromeCsv: CsvFormat = {
  id: 'chrome',
  label: 'Chrome, Edge, Brave or Opera CSV',
  signature: ['name', 'url', 'username', 'password'],
  columns: { title: ['name'], url: ['url'], username: ['username'], password: ['password'], notes: ['note'] },
  row(input) {
    return { ...input, urls: (input.urls ?? []).map((u) => (u ? androidAppUrl(u) : u)) };
  },
};

/** Chromium writes Android app logins as android://HASH@PACKAGE/; the package is what identifies the app. */
export function androidAppUrl(url: string): string {
  const m = /^android:\/\/[^@/]*@([^/?#]+)\/?$/.exec(url.trim());
  return m ? `androidapp://${m[1]}` : url;
}

// KeePassXC (Database → Export → CSV): "Group","Title","Username","Password","URL","Notes",
// "TOTP","Icon","Last Modified","Created". Groups are paths under the root group ("Root/Work").
import type { Collector } from '../collect.ts';
import type { CsvFormat } from '../csv-format.ts';

export const keepassxcCsv: CsvFormat = {
  id: 'keepassxc-csv',
  label: 'KeePassXC CSV',
  signature: ['Group', 'Title', 'Username', 'Password', 'URL', 'Notes'],
  columns: {
    folder: ['Group'],
    title: ['Title'],
    username: ['Username'],
    password: ['Password'],
    url: ['URL'],
    notes: ['Notes'],
    totp: ['TOTP'],
    modified: ['Last Modified'],
    created: ['Created'],
  },
  row(input) {
    const parts = (input.folder ?? '').split('/');
    if (parts.length > 1 && parts[1] === 'Recycle Bin') return 'trashed';
    return input;
  },
  finish: dropCommonRoot,
};

/** Every KeePassXC path starts with the root group's name; it says nothing, so it is dropped. */
export function dropCommonRoot(collector: Collector): void {
  const records = collector.records;
  if (records.length === 0) return;
  const root = records[0].folder.split('/')[0];
  if (!root || !records.every((r) => r.folder === root || r.folder.startsWith(`${root}/`))) return;
  for (const r of records) r.folder = r.folder.slice(root.length + 1);
}

// exportBackup: records → a file other managers import. 'bitwarden-json' is Bitwarden's
// unencrypted JSON; 'csv' uses Bitwarden's CSV columns, which Bitwarden, Proton Pass, Passbolt and
// MeshPass itself read. Both are plaintext: the encrypted (DARE) backup comes from the vault layer.
import Papa from 'papaparse';
import type { ImportRecord } from './types.ts';

export type BackupFormat = 'bitwarden-json' | 'csv';

export const BACKUP_CSV_HEADER = ['folder', 'favorite', 'type', 'name', 'notes', 'fields', 'reprompt', 'login_uri', 'login_username', 'login_password', 'login_totp'];

export function exportBackup(records: readonly ImportRecord[], format: BackupFormat): string {
  return format === 'csv' ? exportCsv(records) : exportBitwardenJson(records);
}

function exportBitwardenJson(records: readonly ImportRecord[]): string {
  const folderIds = new Map<string, string>();
  for (const r of records) if (r.folder && !folderIds.has(r.folder)) folderIds.set(r.folder, uuidFor(1, folderIds.size + 1));
  const items = records.map((r, i) => ({
    id: uuidFor(2, i + 1),
    organizationId: null,
    folderId: r.folder ? folderIds.get(r.folder) : null,
    type: 1,
    reprompt: 0,
    name: r.title,
    notes: r.notes || null,
    favorite: false,
    login: {
      uris: r.urls.map((uri) => ({ match: null, uri })),
      username: r.username || null,
      password: r.password || null,
      totp: r.totp || null,
    },
    collectionIds: null,
    ...(r.created ? { creationDate: r.created } : {}),
    ...(r.modified ? { revisionDate: r.modified } : {}),
  }));
  const folders = [...folderIds].map(([name, id]) => ({ id, name }));
  return JSON.stringify({ encrypted: false, folders, items }, null, 2) + '\n';
}

function exportCsv(records: readonly ImportRecord[]): string {
  const data = records.map((r) => [r.folder, '', 'login', r.title, r.notes, '', '0', r.urls.join(','), r.username, r.password, r.totp]);
  return Papa.unparse({ fields: BACKUP_CSV_HEADER, data }, { newline: '\n' }) + '\n';
}

/** Stable, well-formed v4-shaped ids (Bitwarden's importer expects GUIDs), so backups diff cleanly. */
function uuidFor(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${hex}`;
}

// Any other CSV: the caller maps columns to fields. We suggest a mapping from common header names.
import type { Collector } from '../collect.ts';
import { headerKey, type CsvTable } from '../csv.ts';
import { failImport } from '../problems.ts';
import { RECORD_FIELDS, type ColumnMapping, type RecordField } from '../types.ts';

export const GENERIC_CSV_LABEL = 'CSV (columns mapped by hand)';

// Header names seen in exports and hand-made spreadsheets, most specific first.
const SYNONYMS: Record<RecordField, string[]> = {
  title: ['title', 'name', 'itemname', 'entry', 'account', 'accountname', 'sitename', 'service', 'label'],
  url: ['url', 'uri', 'loginuri', 'website', 'websiteurl', 'site', 'web', 'address', 'hostname', 'host', 'domain', 'origin', 'link'],
  username: ['username', 'loginusername', 'user', 'login', 'loginname', 'userid', 'email', 'emailaddress', 'mail', 'account'],
  password: ['password', 'loginpassword', 'pass', 'passwd', 'pwd', 'secret', 'passphrase'],
  notes: ['notes', 'note', 'comments', 'comment', 'extra', 'remarks', 'memo', 'description'],
  totp: ['totp', 'otpauth', 'otp', 'logintotp', 'otpsecret', 'otpurl', '2fa', 'mfa', 'authenticator', 'onetimepassword'],
  folder: ['folder', 'group', 'grouping', 'category', 'path', 'collection', 'collections', 'vault', 'tags'],
};

export function suggestMapping(headers: string[]): ColumnMapping {
  const keys = headers.map(headerKey);
  const used = new Set<number>();
  const mapping: ColumnMapping = {};
  // Password and username first: their names are the least ambiguous.
  for (const field of ['password', 'username', 'url', 'title', 'totp', 'notes', 'folder'] as const) {
    for (const name of SYNONYMS[field]) {
      const i = keys.findIndex((k, idx) => k === name && !used.has(idx));
      if (i >= 0) {
        mapping[field] = i;
        used.add(i);
        break;
      }
    }
  }
  return mapping;
}

export function validateMapping(mapping: ColumnMapping, headers: string[]): void {
  for (const [field, index] of Object.entries(mapping)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(field)) failImport('malformed', `unknown field "${field}" in the column mapping`);
    if (index === undefined) continue;
    if (!Number.isInteger(index) || index < 0 || index >= headers.length) {
      failImport('malformed', `the column mapping gives ${field} column ${index}, but the file has ${headers.length} columns`);
    }
  }
  if (mapping.password === undefined) failImport('malformed', 'the column mapping must say which column holds the password');
}

export function readMappedCsv(table: CsvTable, mapping: ColumnMapping, collector: Collector): void {
  validateMapping(mapping, table.headers);
  const cell = (fields: string[], field: RecordField): string => {
    const i = mapping[field];
    return i === undefined ? '' : (fields[i] ?? '');
  };
  for (const row of table.rows) {
    collector.add(
      {
        title: cell(row.fields, 'title'),
        urls: [cell(row.fields, 'url')],
        username: cell(row.fields, 'username'),
        password: cell(row.fields, 'password'),
        notes: cell(row.fields, 'notes'),
        totp: cell(row.fields, 'totp'),
        folder: cell(row.fields, 'folder'),
      },
      { line: row.line },
    );
  }
}

/** Turns `title=Name,url=Web Site` (header names, as typed on a command line) into a mapping. */
export function mappingFromNames(spec: string, headers: string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) failImport('malformed', `"${part}" in the column mapping is not FIELD=COLUMN`);
    const field = part.slice(0, eq).trim() as RecordField;
    const column = part.slice(eq + 1).trim();
    if (!(RECORD_FIELDS as readonly string[]).includes(field)) failImport('malformed', `unknown field "${field}"; fields are ${RECORD_FIELDS.join(', ')}`);
    const i = headers.findIndex((h) => h === column);
    const j = i >= 0 ? i : headers.findIndex((h) => headerKey(h) === headerKey(column));
    if (j < 0) failImport('malformed', `no column named "${column}"; columns are ${headers.join(', ')}`);
    mapping[field] = j;
  }
  return mapping;
}

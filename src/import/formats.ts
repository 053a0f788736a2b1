// Every format MeshPass reads. CSV dialects are tables (csv-format.ts); the others are readers.
import type { CsvFormat } from './csv-format.ts';
import { bitwardenCsv } from './providers/bitwarden-csv.ts';
import { BITWARDEN_JSON_LABEL } from './providers/bitwarden-json.ts';
import { chromeCsv } from './providers/chrome.ts';
import { dashlaneCsv } from './providers/dashlane.ts';
import { firefoxCsv } from './providers/firefox.ts';
import { GENERIC_CSV_LABEL } from './providers/generic-csv.ts';
import { KEEPASS_XML_LABEL } from './providers/keepass-xml.ts';
import { keepassxcCsv } from './providers/keepassxc.ts';
import { lastpassCsv } from './providers/lastpass.ts';
import { nordpassCsv } from './providers/nordpass.ts';
import { ONEPASSWORD_1PUX_LABEL } from './providers/onepassword-1pux.ts';
import { onePasswordCsv } from './providers/onepassword-csv.ts';
import { PROTONPASS_JSON_LABEL, PROTONPASS_ZIP_LABEL } from './providers/protonpass.ts';
import { safariCsv } from './providers/safari.ts';
import type { FormatId } from './types.ts';

export const CSV_FORMATS: readonly CsvFormat[] = [
  chromeCsv,
  firefoxCsv,
  safariCsv,
  bitwardenCsv,
  onePasswordCsv,
  lastpassCsv,
  keepassxcCsv,
  dashlaneCsv,
  nordpassCsv,
];

export type FileKind = 'csv' | 'json' | 'xml' | 'zip';

export interface FormatInfo {
  id: FormatId;
  label: string;
  kind: FileKind;
}

/** For pickers and --format: every format with its label and file kind. */
export const FORMATS: readonly FormatInfo[] = [
  ...CSV_FORMATS.map((f) => ({ id: f.id, label: f.label, kind: 'csv' as const })),
  { id: 'bitwarden-json', label: BITWARDEN_JSON_LABEL, kind: 'json' },
  { id: '1password-1pux', label: ONEPASSWORD_1PUX_LABEL, kind: 'zip' },
  { id: 'keepass-xml', label: KEEPASS_XML_LABEL, kind: 'xml' },
  { id: 'protonpass-json', label: PROTONPASS_JSON_LABEL, kind: 'json' },
  { id: 'protonpass-zip', label: PROTONPASS_ZIP_LABEL, kind: 'zip' },
  { id: 'csv', label: GENERIC_CSV_LABEL, kind: 'csv' },
];

export function formatInfo(id: FormatId): FormatInfo {
  const info = FORMATS.find((f) => f.id === id);
  if (!info) throw new Error(`unknown format ${id}`);
  return info;
}

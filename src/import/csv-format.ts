// A CSV dialect is described by a table: which headers identify it, which column fills which
// field, and an optional per-row hook for what a table cannot say (item types, extra columns).
import { Collector, toIso, type RecordInput } from './collect.ts';
import { headerKey, RowReader, type CsvRow, type CsvTable } from './csv.ts';
import type { FormatId, SkipKind } from './types.ts';

type Field = 'title' | 'url' | 'username' | 'password' | 'notes' | 'totp' | 'folder' | 'created' | 'modified';

/** `get('a', 'b')` is the first of the named columns present in the header. */
export type Getter = (...names: string[]) => string;

export interface CsvFormat {
  id: FormatId;
  label: string;
  /** Headers that identify the dialect; an inner array means "any one of these". */
  signature: (string | string[])[];
  /** Header names to read each field from, first present wins. */
  columns: Partial<Record<Field, string[]>>;
  /** How numbers in `created`/`modified` count time. */
  timeUnit?: 'ms' | 's';
  /** Adjusts a row's record, or says why the row is skipped (null: not an item at all, e.g. a folder row). */
  row?(input: RecordInput, get: Getter): RecordInput | SkipKind | null;
  /** Runs once over all records after the rows (e.g. to drop a common root folder). */
  finish?(collector: Collector): void;
}

/** How many signature headers a header row satisfies, or 0 when any is missing. */
export function signatureScore(format: CsvFormat, headers: string[]): number {
  const keys = new Set(headers.map(headerKey));
  for (const s of format.signature) {
    const alternatives = Array.isArray(s) ? s : [s];
    if (!alternatives.some((a) => keys.has(headerKey(a)))) return 0;
  }
  return format.signature.length;
}

export function readCsvFormat(format: CsvFormat, table: CsvTable, collector: Collector): void {
  const reader = new RowReader(table.headers);
  const column = (row: CsvRow, field: Field): string => reader.get(row, ...(format.columns[field] ?? []));
  for (const row of table.rows) {
    const get: Getter = (...names) => reader.get(row, ...names);
    let input: RecordInput = {
      title: column(row, 'title'),
      urls: [column(row, 'url')],
      username: column(row, 'username'),
      password: column(row, 'password'),
      notes: column(row, 'notes'),
      totp: column(row, 'totp'),
      folder: column(row, 'folder'),
      created: toIso(column(row, 'created'), format.timeUnit),
      modified: toIso(column(row, 'modified'), format.timeUnit),
    };
    if (format.row) {
      const adjusted = format.row(input, get);
      if (adjusted === null) continue;
      if (typeof adjusted === 'string') {
        collector.skip(adjusted, { line: row.line });
        continue;
      }
      input = adjusted;
    }
    collector.add(input, { line: row.line });
  }
  format.finish?.(collector);
}

/** Splits a cell that holds several URLs (comma or newline separated). */
export function splitUrls(cell: string): string[] {
  return cell
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

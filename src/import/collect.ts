// Readers hand every item to a Collector, which normalizes records and keeps the counts.
import { failImport } from './problems.ts';
import type { FormatId, ImportRecord, ImportReport, SkipKind } from './types.ts';

/** What a reader found for one login; the collector fills the defaults. */
export interface RecordInput {
  title?: string | null;
  urls?: readonly (string | null | undefined)[];
  username?: string | null;
  password?: string | null;
  notes?: string | null;
  totp?: string | null;
  folder?: string | null;
  created?: string | null;
  modified?: string | null;
}

export interface Origin {
  line?: number;
  item?: string;
}

export class Collector {
  readonly records: ImportRecord[] = [];
  readonly skipped: Record<SkipKind, number> = { cards: 0, identities: 0, notes: 0, trashed: 0, empty: 0, other: 0 };
  readonly warnings: string[] = [];
  errors = 0;
  private seen = 0;

  constructor(private readonly maxItems: number) {}

  /** Counts one item of the export; stops the import once the file holds too many. */
  private count(origin: Origin): void {
    if (++this.seen > this.maxItems) failImport('oversized', `more than ${this.maxItems} items in one file`, origin);
  }

  add(input: RecordInput, origin: Origin): void {
    this.count(origin);
    const urls = uniqueNonEmpty(input.urls ?? []);
    const username = input.username ?? '';
    const password = input.password ?? '';
    const notes = input.notes ?? '';
    if (!password && !username && urls.length === 0) {
      this.skipped[notes.trim() ? 'notes' : 'empty']++;
      return;
    }
    const record: ImportRecord = {
      title: (input.title ?? '').trim() || titleFromUrl(urls[0]),
      urls,
      username,
      password,
      notes,
      totp: (input.totp ?? '').trim(),
      folder: normalizeFolder(input.folder ?? ''),
    };
    if (input.created) record.created = input.created;
    if (input.modified) record.modified = input.modified;
    if (origin.line !== undefined) record.sourceLine = origin.line;
    if (origin.item !== undefined) record.sourceItem = origin.item;
    this.records.push(record);
  }

  skip(kind: SkipKind, origin: Origin): void {
    this.count(origin);
    this.skipped[kind]++;
  }

  /** An item that cannot be read is left out with a warning naming it; the rest still imports. */
  itemError(origin: Origin, message: string): void {
    this.count(origin);
    this.errors++;
    const where = origin.line !== undefined ? `line ${origin.line}` : (origin.item ?? 'an item');
    this.warnings.push(`${where}: ${message}; left out`);
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  report(format: FormatId, formatLabel: string, encoding?: string): ImportReport {
    const report: ImportReport = {
      format,
      formatLabel,
      counts: { imported: this.records.length, skipped: { ...this.skipped }, errors: this.errors },
      warnings: [...this.warnings],
    };
    if (encoding) report.encoding = encoding;
    return report;
  }
}

function uniqueNonEmpty(values: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const t = withScheme((v ?? '').trim());
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/** Hand-made files often hold bare host names ("example.com/login"); those mean https. */
function withScheme(url: string): string {
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?([/?#]\S*)?$/i.test(url) ? `https://${url}` : url;
}

function normalizeFolder(folder: string): string {
  return folder
    .split(/[/\\]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .join('/');
}

/** A record without a title is named after its site, as browsers show it. */
export function titleFromUrl(url: string | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url.includes('://') ? url : `https://${url}`);
    if (u.hostname) return u.hostname.replace(/^www\./, '');
  } catch {
    // not a URL: fall through
  }
  return url;
}

/** Export timestamps → ISO 8601; `unit` says what a number counts. Unreadable values give undefined. */
export function toIso(value: unknown, unit: 'ms' | 's' = 'ms'): string | undefined {
  let date: Date;
  if (typeof value === 'number') date = new Date(unit === 's' ? value * 1000 : value);
  else if (typeof value === 'string' && value.trim()) {
    const t = value.trim();
    date = /^\d+$/.test(t) ? new Date(unit === 's' ? Number(t) * 1000 : Number(t)) : new Date(t);
  } else return undefined;
  const ms = date.getTime();
  // 0 and far-future values are placeholders in several exports, not real dates.
  if (!Number.isFinite(ms) || ms <= 0 || ms > 253402300799000) return undefined;
  return date.toISOString();
}

/** Appends `label: value` lines (custom fields, extra usernames) to notes, so no data is lost. */
export function withExtras(notes: string, extras: readonly [string, string | null | undefined][]): string {
  const lines = extras.filter(([, v]) => v !== undefined && v !== null && String(v).trim() !== '').map(([k, v]) => `${k}: ${v}`);
  if (lines.length === 0) return notes;
  return notes ? `${notes}\n\n${lines.join('\n')}` : lines.join('\n');
}

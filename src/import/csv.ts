// CSV text → header and rows, each row with the 1-based line it starts on. papaparse does the
// parsing; we add line numbers, strictness about field counts, and limits.
import Papa from 'papaparse';
import { failImport, importError } from './problems.ts';

export interface CsvRow {
  fields: string[];
  line: number;
}

export interface CsvTable {
  headers: string[];
  rows: CsvRow[];
  delimiter: string;
}

export function parseCsv(text: string, maxRows: number): CsvTable {
  const delimiter = guessDelimiter(text);
  let headers: string[] | undefined;
  const rows: CsvRow[] = [];
  let problem: Error | undefined;
  let scanned = 0;
  let line = 1;
  let rowStart = 0;

  const lineAt = (offset: number): number => {
    for (; scanned < offset; scanned++) if (text.charCodeAt(scanned) === 10) line++;
    return line;
  };

  Papa.parse<string[]>(text, {
    delimiter,
    step(result, parser) {
      const start = lineAt(rowStart);
      rowStart = result.meta.cursor;
      const quoteError = result.errors.find((e) => e.type === 'Quotes');
      if (quoteError) {
        problem = importError('malformed', quoteError.code === 'MissingQuotes' ? 'a quoted field is never closed' : 'stray quote in a field', { line: start });
        parser.abort();
        return;
      }
      const fields = result.data;
      if (fields.every((f) => f === '')) return;
      if (!headers) {
        headers = fields.map((h) => h.trim());
        // "a,b,c," : a trailing delimiter on the header line names no column.
        while (headers.length > 1 && headers[headers.length - 1] === '') headers.pop();
        return;
      }
      if (fields.length !== headers.length) {
        const extrasEmpty = fields.length > headers.length && fields.slice(headers.length).every((f) => f === '');
        if (!extrasEmpty) {
          problem = importError('malformed', `expected ${headers.length} fields as in the header, found ${fields.length}`, { line: start });
          parser.abort();
          return;
        }
        fields.length = headers.length;
      }
      if (rows.length >= maxRows) {
        problem = importError('oversized', `more than ${maxRows} rows`, { line: start });
        parser.abort();
        return;
      }
      rows.push({ fields, line: start });
    },
  });
  if (problem) throw problem;
  if (!headers) failImport('malformed', 'the file is empty');
  return { headers, rows, delimiter };
}

/** Picks the delimiter the header line uses most: ',' (every vendor), ';' or tab (spreadsheets). */
function guessDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  let best = ',';
  let bestCount = count(first, ',');
  for (const d of [';', '\t']) {
    const c = count(first, d);
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** Header names compared without case, spaces, dashes or underscores. */
export function headerKey(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

/** Reads a row by header name (any of several names), ignoring case. */
export class RowReader {
  private readonly index = new Map<string, number>();

  constructor(readonly headers: string[]) {
    headers.forEach((h, i) => {
      const k = headerKey(h);
      if (!this.index.has(k)) this.index.set(k, i);
    });
  }

  has(name: string): boolean {
    return this.index.has(headerKey(name));
  }

  get(row: CsvRow, ...names: string[]): string {
    for (const n of names) {
      const i = this.index.get(headerKey(n));
      if (i !== undefined) return row.fields[i] ?? '';
    }
    return '';
  }
}

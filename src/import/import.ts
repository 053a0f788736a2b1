// importFile: bytes of an export → records and a report, or a request for a column mapping.
// All or nothing: the whole file is read before anything is returned, and any fatal problem
// throws a MeshError naming the line or item, so a caller never holds half an import.
import { Collector } from './collect.ts';
import { readCsvFormat, signatureScore, type CsvFormat } from './csv-format.ts';
import { parseCsv, type CsvTable } from './csv.ts';
import { CSV_FORMATS, formatInfo } from './formats.ts';
import { parseJson } from './json.ts';
import { formatBytes, resolveLimits } from './limits.ts';
import { failImport } from './problems.ts';
import { looksLikeBitwardenJson, readBitwardenJson } from './providers/bitwarden-json.ts';
import { dashlaneCsv, isDashlaneCredentialsEntry } from './providers/dashlane.ts';
import { readMappedCsv, suggestMapping } from './providers/generic-csv.ts';
import { looksLikeKeePassXml, readKeePassXml } from './providers/keepass-xml.ts';
import { isOnePuxDataEntry, readOnePux } from './providers/onepassword-1pux.ts';
import { isProtonPassDataEntry, looksLikeProtonPassJson, readProtonPass } from './providers/protonpass.ts';
import { decodeText } from './text.ts';
import type { FormatId, ImportFile, ImportLimits, ImportOptions, ImportOutcome, ImportResult, MappingRequest } from './types.ts';
import { parseXmlSafely } from './xml.ts';
import { isZip, readZipEntry } from './zip.ts';

export function importFile(file: ImportFile, options: ImportOptions = {}): ImportOutcome {
  const limits = resolveLimits(options.limits);
  const { bytes } = file;
  if (bytes.length > limits.maxFileBytes) {
    failImport('oversized', `the file is ${formatBytes(bytes.length)}; the largest import is ${formatBytes(limits.maxFileBytes)}`);
  }
  if (bytes.length === 0) failImport('malformed', 'the file is empty');
  const forced = options.format ?? (options.mapping ? 'csv' : undefined);
  const forcedKind = forced ? formatInfo(forced).kind : undefined;

  if (isZip(bytes)) {
    if (forcedKind && forcedKind !== 'zip' && forced !== 'dashlane') failImport('malformed', `this is a zip archive, not a ${formatInfo(forced!).label} file`);
    return importZip(bytes, forced, limits);
  }
  if (forcedKind === 'zip') failImport('malformed', `this is not a zip archive, so not a ${formatInfo(forced!).label} file`);

  const { text, encoding } = decodeText(bytes);
  const start = text.trimStart();
  if (forcedKind === 'xml' || (!forced && looksLikeKeePassXml(text))) {
    const collector = new Collector(limits.maxItems);
    readKeePassXml(parseXmlSafely(text, options.parseXml), collector);
    return finish(collector, 'keepass-xml', encoding);
  }
  if (forcedKind === 'json' || (!forced && (start.startsWith('{') || start.startsWith('[')))) {
    return importJson(parseJson(text, 'the file'), forced, encoding, limits);
  }
  if (!forced && start.startsWith('<')) failImport('unsupported', 'this XML file is not a KeePass 2 XML export');
  return importCsv(parseCsv(text, limits.maxItems), forced, options, encoding, limits);
}

function importZip(bytes: Uint8Array, forced: FormatId | undefined, limits: ImportLimits): ImportResult {
  const wanted = (name: string): boolean =>
    ((!forced || forced === '1password-1pux') && isOnePuxDataEntry(name)) ||
    ((!forced || forced === 'protonpass-zip') && isProtonPassDataEntry(name)) ||
    ((!forced || forced === 'dashlane') && isDashlaneCredentialsEntry(name));
  const entry = readZipEntry(bytes, wanted, limits);
  if (!entry) failImport('unsupported', 'this zip holds no 1Password (export.data), Proton Pass (data.json) or Dashlane (credentials.csv) export');
  const { text, encoding } = decodeText(entry.data);
  if (isDashlaneCredentialsEntry(entry.name)) {
    // Dashlane's export is a zip of CSVs, one per item type; only the logins are read.
    const collector = new Collector(limits.maxItems);
    const table = parseCsv(text, limits.maxItems);
    if (signatureScore(dashlaneCsv, table.headers) === 0) failImport('malformed', 'credentials.csv in the zip does not have Dashlane\'s columns', { line: 1 });
    readCsvFormat(dashlaneCsv, table, collector);
    collector.warn('Dashlane zip: only credentials.csv (logins) is imported; cards, IDs and notes are in other files of the zip');
    return finish(collector, 'dashlane', encoding);
  }
  const data = parseJson(text, `"${entry.name}" in the zip`);
  const collector = new Collector(limits.maxItems);
  if (isOnePuxDataEntry(entry.name)) {
    readOnePux(data, collector);
    return finish(collector, '1password-1pux', encoding);
  }
  readProtonPass(data, collector);
  return finish(collector, 'protonpass-zip', encoding);
}

function importJson(data: unknown, forced: FormatId | undefined, encoding: string, limits: ImportLimits): ImportResult {
  const collector = new Collector(limits.maxItems);
  const format = forced ?? (looksLikeBitwardenJson(data) ? 'bitwarden-json' : looksLikeProtonPassJson(data) ? 'protonpass-json' : undefined);
  if (format === 'bitwarden-json') readBitwardenJson(data, collector);
  else if (format === 'protonpass-json') readProtonPass(data, collector);
  else failImport('unsupported', 'this JSON file is not a Bitwarden or Proton Pass export');
  return finish(collector, format, encoding);
}

function importCsv(table: CsvTable, forced: FormatId | undefined, options: ImportOptions, encoding: string, limits: ImportLimits): ImportOutcome {
  if (table.headers.length < 2) failImport('malformed', 'not a CSV export: the first line has fewer than two columns', { line: 1 });
  const collector = new Collector(limits.maxItems);
  if (forced === 'csv' || (!forced && options.mapping)) {
    if (!options.mapping) return mappingRequest(table, encoding);
    readMappedCsv(table, options.mapping, collector);
    return finish(collector, 'csv', encoding);
  }
  let format: CsvFormat | undefined;
  if (forced) {
    format = CSV_FORMATS.find((f) => f.id === forced);
    if (!format) failImport('malformed', `this is a CSV file, not a ${formatInfo(forced).label} file`);
    if (signatureScore(format, table.headers) === 0) {
      failImport('malformed', `the header is not that of ${format.label}: it needs the columns ${format.signature.map((s) => (Array.isArray(s) ? s.join(' or ') : s)).join(', ')}`, { line: 1 });
    }
  } else {
    format = detectCsvFormat(table.headers);
    if (!format) return mappingRequest(table, encoding);
  }
  readCsvFormat(format, table, collector);
  return finish(collector, format.id, encoding);
}

/** The dialect whose signature the header satisfies with the most columns. */
export function detectCsvFormat(headers: string[]): CsvFormat | undefined {
  let best: CsvFormat | undefined;
  let bestScore = 0;
  for (const f of CSV_FORMATS) {
    const score = signatureScore(f, headers);
    if (score > bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}

function mappingRequest(table: CsvTable, encoding: string): MappingRequest {
  return {
    kind: 'needs-mapping',
    format: 'csv',
    headers: table.headers,
    suggested: suggestMapping(table.headers),
    sample: table.rows.slice(0, 5).map((r) => r.fields),
    rowCount: table.rows.length,
    encoding,
  };
}

function finish(collector: Collector, format: FormatId, encoding: string): ImportResult {
  if (encoding === 'windows-1252') collector.warn('the file is not UTF-8; it was read as Windows-1252 (Western European)');
  if (collector.records.length === 0) collector.warn('no logins found in the file');
  return { kind: 'records', records: collector.records, report: collector.report(format, formatInfo(format).label, encoding) };
}

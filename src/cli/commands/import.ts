// `mesh password import FILE`: reads an export from a browser or password manager. With --dry-run
// it only shows what would be imported (--json: the records as a JSON array); without it the
// records go into this device's Credential catalog.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { CliError, option, requirePositional, type Command, type ParsedArgs, type CliContext } from '../framework.ts';
import { syncAll } from '../home.ts';
import { queueEdits } from '../../mesh/sync.ts';
import {
  DEFAULT_LIMITS,
  FORMAT_IDS,
  editsForPlan,
  existingFromView,
  planImport,
  type DuplicatePolicy,
  RECORD_FIELDS,
  importFile,
  mappingFromNames,
  type ColumnMapping,
  type FormatId,
  type ImportRecord,
  type ImportResult,
  type MappingRequest,
  type ParseXml,
  type XmlDocument,
} from '../../import/index.ts';

const POLICIES = ['skip', 'replace', 'keep-both'] as const;

/** xmldom stands in for the browser's DOMParser; its errors throw instead of being logged. */
export const parseXmlInNode: ParseXml = (text) =>
  new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(text, 'text/xml') as unknown as XmlDocument;

/** The seven fields of the dry-run JSON, in a fixed order. */
export function publicRecord(r: ImportRecord): Pick<ImportRecord, 'title' | 'urls' | 'username' | 'password' | 'notes' | 'totp' | 'folder'> {
  return { title: r.title, urls: r.urls, username: r.username, password: r.password, notes: r.notes, totp: r.totp, folder: r.folder };
}

export function readImport(path: string, args: ParsedArgs): ImportResult {
  const formatName = option(args, 'format');
  if (formatName !== undefined && !(FORMAT_IDS as readonly string[]).includes(formatName)) {
    throw new CliError(`unknown format "${formatName}"; formats are ${FORMAT_IDS.join(', ')}`);
  }
  const format = formatName as FormatId | undefined;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError(`cannot read ${path}`);
  }
  // Refuse before reading: the limit exists so that a huge file is never loaded.
  if (size > DEFAULT_LIMITS.maxFileBytes) {
    throw new CliError(`${path} is ${Math.round(size / 1048576)} MiB; the largest import is ${DEFAULT_LIMITS.maxFileBytes / 1048576} MiB`);
  }
  const file = { bytes: new Uint8Array(readFileSync(path)), name: basename(path) };
  const outcome = importFile(file, { format, parseXml: parseXmlInNode });
  if (outcome.kind === 'records') return outcome;
  const map = option(args, 'map');
  if (!map) throw new CliError(mappingHelp(outcome));
  const mapping = mappingFromNames(map, outcome.headers);
  const mapped = importFile(file, { format: 'csv', mapping, parseXml: parseXmlInNode });
  if (mapped.kind !== 'records') throw new CliError('the column mapping was not applied');
  return mapped;
}

function mappingHelp(request: MappingRequest): string {
  const suggested = Object.entries(request.suggested as Required<ColumnMapping>)
    .map(([field, i]) => `${field}=${request.headers[i]}`)
    .join(',');
  return (
    `the columns of this CSV (${request.headers.join(', ')}) match no known export; ` +
    `say which column holds what with --map FIELD=COLUMN,... (fields: ${RECORD_FIELDS.join(', ')})` +
    (suggested ? `, for example --map "${suggested}"` : '')
  );
}

function summary(result: ImportResult): string[] {
  const { report } = result;
  const skipped = Object.entries(report.counts.skipped)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  const lines = [`${report.formatLabel}: ${report.counts.imported} login(s)${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`];
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return lines;
}

async function run(args: ParsedArgs, ctx: CliContext): Promise<unknown> {
  const path = requirePositional(args, 0, 'FILE');
  const policy = option(args, 'policy') ?? 'skip';
  if (!(POLICIES as readonly string[]).includes(policy)) throw new CliError(`--policy must be one of ${POLICIES.join(', ')}`);
  const result = readImport(path, args);
  if (args.options['dry-run'] === true) {
    if (ctx.json) {
      for (const line of summary(result)) ctx.info(line);
      return result.records.map(publicRecord);
    }
    return { dryRun: true, result };
  }
  const applied = await applyImport(ctx.home, result.records, policy as DuplicatePolicy);
  return { dryRun: false, report: result.report, ...applied };
}

export interface AppliedImport {
  added: number;
  updated: number;
  skippedDuplicates: number;
  repeatedInFile: number;
  synced: boolean;
  conflicts: number;
}

/** Syncs, plans against the catalog, queues every edit in one commit, and syncs them out. */
async function applyImport(home: string, records: ImportRecord[], policy: DuplicatePolicy): Promise<AppliedImport> {
  const { session } = await syncAll(home);
  const replica = session.replica('Credential');
  const plan = planImport(records, session.credentials().map(existingFromView), policy);
  const edits = editsForPlan(plan, (id) => replica.current(id)?.fields ?? undefined);
  if (edits.length) await queueEdits(session.local, replica, edits);
  const report = await session.sync();
  return {
    added: plan.adds.length,
    updated: plan.updates.length,
    skippedDuplicates: plan.skipped.filter((s) => s.reason === 'duplicate').length,
    repeatedInFile: plan.skipped.filter((s) => s.reason === 'repeated-in-file').length,
    synced: report.complete,
    conflicts: report.stores.find((s) => s.store === 'Credential')?.conflicts ?? 0,
  };
}

function human(value: unknown): string {
  const v = value as ({ dryRun: true; result: ImportResult } | ({ dryRun: false; report: ImportResult['report'] } & AppliedImport));
  if (!v.dryRun) {
    const lines = summary({ kind: 'records', records: [], report: v.report });
    lines.push(`Added ${v.added}, replaced ${v.updated}, skipped ${v.skippedDuplicates} already stored${v.repeatedInFile ? ` and ${v.repeatedInFile} repeated in the file` : ''}.`);
    lines.push(v.synced ? 'Synced.' : 'Queued; not yet synced (run mesh profile sync).');
    if (v.conflicts) lines.push(`${v.conflicts} conflict(s): see mesh password list --json`);
    return lines.join('\n');
  }
  const lines = summary(v.result);
  for (const r of v.result.records) lines.push(`  ${r.title}  ${r.username}  ${r.urls[0] ?? ''}`.trimEnd());
  lines.push('(dry run: nothing was added)');
  return lines.join('\n');
}

export const commands: Command[] = [
  {
    path: ['password', 'import'],
    usage: 'mesh password import FILE [--format NAME] [--map FIELD=COLUMN,...] [--policy skip|replace|keep-both] [--dry-run]',
    summary: 'import logins exported from a browser or password manager',
    valueOptions: ['format', 'map', 'policy'],
    run,
    human,
  },
];

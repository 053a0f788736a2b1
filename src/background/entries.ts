// Conversions between the catalog entries (Mesh CatalogedCredential / CatalogedBookmark) and what the
// popup edits, through F2's shared module (src/mesh/catalog/credential.ts) so the extension, the CLI and
// the importer write the same Description format (catalogs.md §8.1: extras as JSON, never new fields).
import type { CatalogedBookmark, CatalogedCredential } from '../mesh/catalog/entries.ts';
import { bookmarkFields, credentialFields, credentialView as meshCredentialView, type CredentialInput as MeshCredentialInput } from '../mesh/catalog/credential.ts';
import type { EntryFields } from '../mesh/catalog/entries.ts';
import { MeshError } from '../mesh/errors.ts';
import type { EditInput } from '../mesh/sync.ts';
import { udfNonce } from '../mesh/udf.ts';
import { MATCH_MODES } from '../mesh/match.ts';
import type { BookmarkInput, BookmarkView, CredentialInput, CredentialView, MatchMode } from '../shared/messages.ts';

export type { CatalogedBookmark, CatalogedCredential };

/** A fresh nonce UDF: the UniqueId and Uid of a new entry (decision 6). */
export function newUid(): string {
  return udfNonce();
}

const asMatchMode = (m: string | undefined): MatchMode | undefined => MATCH_MODES.find((x) => x === m);

/**
 * The entry fields for what the user entered. Fields the popup does not edit (TOTP, more URLs, folder,
 * keys another client wrote) are kept from the previous version; an existing entry is never re-keyed.
 */
export function credentialFromInput(input: CredentialInput, uid: string, previous?: CatalogedCredential): CatalogedCredential {
  const old = previous ? meshCredentialView('', previous as Record<string, unknown>) : undefined;
  const fields = credentialFields({
    site: input.url,
    username: input.username,
    password: input.password,
    title: input.title || undefined,
    notes: input.notes || undefined,
    matchMode: input.matchMode,
    totp: old?.totp,
    urls: old?.urls,
    folder: old?.folder,
  });
  const out: Record<string, unknown> = { ...previous };
  for (const k of ['Protocol', 'Service', 'Username', 'Password', 'LocalName', 'Path', 'Description']) delete out[k];
  Object.assign(out, fields);
  if (previous) {
    if (previous.Uid !== undefined) out.Uid = previous.Uid;
  } else out.Uid = uid;
  return out as CatalogedCredential;
}

export function credentialView(id: string, c: CatalogedCredential, modified?: string): CredentialView {
  const v = meshCredentialView(id, c as Record<string, unknown>, modified);
  return {
    id,
    title: v.title ?? v.host,
    url: v.site,
    username: v.username,
    password: v.password,
    notes: v.notes ?? '',
    matchMode: asMatchMode(v.matchMode),
    modified,
  };
}

export function bookmarkFromInput(input: BookmarkInput, uid: string, previous?: CatalogedBookmark): CatalogedBookmark {
  const out: Record<string, unknown> = { ...previous };
  for (const k of ['Uri', 'Title', 'Path']) delete out[k];
  Object.assign(out, bookmarkFields({ uri: input.url, title: input.title || undefined, folder: input.path || undefined, comments: previous?.Comments }));
  if (previous) {
    if (previous.Uid !== undefined) out.Uid = previous.Uid;
  } else out.Uid = uid;
  return out as CatalogedBookmark;
}

export function bookmarkView(id: string, b: CatalogedBookmark, pending: boolean): BookmarkView {
  return { id, title: b.Title ?? b.LocalName ?? b.Uri ?? '', url: b.Uri ?? '', path: b.Path ?? '', pending };
}

/** Field-level view used by the conflict resolver (string fields only; what the user compares). */
export function comparableFields(entry: Record<string, unknown> | null): Record<string, string> | null {
  if (!entry) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) if (typeof v === 'string') out[k] = v;
  return out;
}

// ---- import-batch: every entry checked and built before anything is committed ----

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? 'text' : typeof v);

/** Why `x` is not a credential input the import can store (undefined: it is one). */
function credentialInputProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return `is ${kindOf(x)}, not an entry`;
  const r = x as Record<string, unknown>;
  for (const k of ['site', 'username', 'password']) if (typeof r[k] !== 'string') return `${k} must be text, got ${kindOf(r[k])}`;
  for (const k of ['title', 'notes', 'totp', 'folder', 'matchMode']) if (r[k] !== undefined && typeof r[k] !== 'string') return `${k} must be text, got ${kindOf(r[k])}`;
  if (r.matchMode !== undefined && !MATCH_MODES.some((m) => m === r.matchMode)) return `matchMode must be one of ${MATCH_MODES.join(', ')}`;
  if (r.urls !== undefined && (!Array.isArray(r.urls) || r.urls.some((u) => typeof u !== 'string'))) return 'urls must be a list of text';
  return undefined;
}

/** The import's name for an item in error messages: its position, and its site when that is text. */
function itemName(what: 'add' | 'update', i: number, x: unknown, id?: string): string {
  const site = typeof x === 'object' && x !== null && typeof (x as { site?: unknown }).site === 'string' ? (x as { site: string }).site : undefined;
  return `${what} ${i + 1}${id ? ` (id ${id})` : ''}${site ? ` (site ${JSON.stringify(site.slice(0, 80))})` : ''}`;
}

/**
 * The Credential edits of an import-batch request, all built before any is queued so one bad item
 * changes nothing (the caller queues them in one commit). An update of an entry that is gone (deleted
 * since the preview) adds the record instead, as src/import/catalog.ts editsForPlan does.
 */
export function importBatchEdits(req: { adds: unknown; updates: unknown }, current: (uniqueId: string) => EntryFields | null): { edits: EditInput[]; added: number; updated: number } {
  if (!Array.isArray(req.adds)) throw new MeshError('malformed', `import-batch: adds must be a list, got ${kindOf(req.adds)}`);
  if (!Array.isArray(req.updates)) throw new MeshError('malformed', `import-batch: updates must be a list, got ${kindOf(req.updates)}`);
  const edits: EditInput[] = [];
  let added = 0;
  let updated = 0;
  req.adds.forEach((input: unknown, i) => {
    const problem = credentialInputProblem(input);
    if (problem) throw new MeshError('malformed', `import-batch: ${itemName('add', i, input)}: ${problem}; nothing was imported`);
    edits.push({ event: 'New', fields: credentialFields(input as MeshCredentialInput) });
    added++;
  });
  req.updates.forEach((u: unknown, i) => {
    const item = typeof u === 'object' && u !== null ? (u as { id?: unknown; input?: unknown }) : {};
    if (typeof item.id !== 'string' || item.id === '') throw new MeshError('malformed', `import-batch: ${itemName('update', i, item.input)}: id must be text, got ${kindOf(item.id)}; nothing was imported`);
    const problem = credentialInputProblem(item.input);
    if (problem) throw new MeshError('malformed', `import-batch: ${itemName('update', i, item.input, item.id)}: ${problem}; nothing was imported`);
    const fields = credentialFields(item.input as MeshCredentialInput);
    const prev = current(item.id);
    if (!prev) {
      edits.push({ event: 'New', fields });
      added++;
      return;
    }
    edits.push({ uniqueId: item.id, event: 'Update', fields: { ...fields, ...(prev.Uid !== undefined ? { Uid: prev.Uid } : {}) } });
    updated++;
  });
  return { edits, added, updated };
}

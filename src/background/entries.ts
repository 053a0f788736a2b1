// Conversions between the catalog entries (Mesh CatalogedCredential / CatalogedBookmark) and what the
// popup edits, through F2's shared module (src/mesh/catalog/credential.ts) so the extension, the CLI and
// the importer write the same Description format (catalogs.md §8.1: extras as JSON, never new fields).
import type { CatalogedBookmark, CatalogedCredential } from '../mesh/catalog/entries.ts';
import { bookmarkFields, credentialFields, credentialView as meshCredentialView } from '../mesh/catalog/credential.ts';
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

// Credentials and bookmarks as MeshPass reads and writes them (catalogs.md §8): the browser-side
// view of a CatalogedCredential / CatalogedBookmark. Data the schema has no field for (notes, TOTP,
// more URLs, the match mode) travels in `Description` as a small JSON document (§8.1: never add
// fields to a Mesh object).
import type { EntryFields } from './entries.ts';

export interface CredentialInput {
  /** A URL ("https://accounts.example.com/login") or a bare host ("example.com"). */
  site: string;
  username: string;
  password: string;
  title?: string;
  notes?: string;
  totp?: string;
  /** Folder path, '/' between levels. */
  folder?: string;
  /** Further site URLs of the same login. */
  urls?: string[];
  /** Per-credential match mode (the autofill's; default base domain). */
  matchMode?: string;
}

export interface CredentialView extends CredentialInput {
  uniqueId: string;
  /** URL scheme, when known. */
  protocol?: string;
  /** Host (lower-case, `host:port` for a non-default port). */
  host: string;
  modified?: string;
}

interface Extras {
  url?: string;
  urls?: string[];
  notes?: string;
  totp?: string;
  matchMode?: string;
}

/** Splits a site into protocol and host as catalogs.md §8.1 stores them. */
export function parseSite(site: string): { protocol?: string; host: string; url?: string } {
  const s = site.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    try {
      const u = new URL(s);
      if (u.host) return { protocol: u.protocol.replace(/:$/, ''), host: u.host.toLowerCase(), url: u.href };
    } catch {
      // fall through: treat as a host
    }
  }
  return { host: s.replace(/\/.*$/, '').toLowerCase() };
}

/** Builds CatalogedCredential fields (without Uid: the sync engine sets Uid = UniqueId). */
export function credentialFields(input: CredentialInput): EntryFields {
  const site = parseSite(input.site);
  const extras: Extras = {};
  if (site.url && site.url !== `${site.protocol}://${site.host}/`) extras.url = site.url;
  if (input.urls?.length) extras.urls = input.urls;
  if (input.notes) extras.notes = input.notes;
  if (input.totp) extras.totp = input.totp;
  if (input.matchMode) extras.matchMode = input.matchMode;
  const f: EntryFields = { Service: site.host, Username: input.username, Password: input.password };
  if (site.protocol) f.Protocol = site.protocol;
  if (input.title) f.LocalName = input.title;
  if (input.folder) f.Path = input.folder;
  if (Object.keys(extras).length) f.Description = JSON.stringify(extras);
  return f;
}

function readExtras(d: unknown): Extras {
  if (typeof d !== 'string' || !d.startsWith('{')) return typeof d === 'string' && d ? { notes: d } : {};
  try {
    const v = JSON.parse(d) as Extras;
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return { notes: d };
  }
}

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function credentialView(uniqueId: string, f: EntryFields, modified?: string): CredentialView {
  const x = readExtras(f.Description);
  const host = s(f.Service) ?? '';
  const protocol = s(f.Protocol);
  return {
    uniqueId,
    site: x.url ?? (protocol ? `${protocol}://${host}/` : host),
    protocol,
    host,
    username: s(f.Username) ?? '',
    password: s(f.Password) ?? '',
    title: s(f.LocalName),
    folder: s(f.Path),
    notes: x.notes,
    totp: x.totp,
    urls: Array.isArray(x.urls) ? x.urls.filter((u): u is string => typeof u === 'string') : undefined,
    matchMode: x.matchMode,
    modified,
  };
}

export interface BookmarkInput {
  uri: string;
  title?: string;
  /** Folder path, '/' between levels. */
  folder?: string;
  comments?: string[];
}

export function bookmarkFields(b: BookmarkInput): EntryFields {
  const f: EntryFields = { Uri: b.uri };
  if (b.title) f.Title = b.title;
  if (b.comments?.length) f.Comments = b.comments;
  if (b.folder) f.Path = b.folder;
  return f;
}

export function bookmarkView(uniqueId: string, f: EntryFields): BookmarkInput & { uniqueId: string } {
  return { uniqueId, uri: s(f.Uri) ?? '', title: s(f.Title), folder: s(f.Path), comments: Array.isArray(f.Comments) ? (f.Comments as string[]) : undefined };
}

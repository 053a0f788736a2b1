// Catalog entry types (catalogs.md §4-5) and their tagged JSON form (§3). Only the stores MeshPass
// writes are typed in detail; other entries are carried as opaque tagged objects.
import { MeshError } from '../errors.ts';

export interface CatalogedEntryBase {
  Uid?: string;
  LocalName?: string;
  Path?: string;
  Description?: string;
}

export interface CatalogedCredential extends CatalogedEntryBase {
  Protocol?: string;
  Service?: string;
  Username?: string;
  Password?: string;
  ClientAuthentication?: unknown[];
  HostAuthentication?: unknown[];
}

export interface CatalogedBookmark extends CatalogedEntryBase {
  Uri?: string;
  Title?: string;
  Comments?: string[];
}

export interface CatalogedDevice extends CatalogedEntryBase {
  Updated?: string;
  Udf?: string;
  Platform?: string;
  DeviceUdf?: string;
  SignatureUdf?: string;
  EnvelopedProfileUser?: unknown;
  EnvelopedProfileDevice?: unknown;
  DeviceDescription?: Record<string, unknown>;
  EnvelopedConnectionService?: unknown;
  EnvelopedConnectionDevice?: unknown;
  EnvelopedActivationAccount?: unknown;
  EnvelopedActivationCommon?: unknown;
  ApplicationEntries?: unknown[];
}

export interface CatalogedAccess {
  Capability?: Record<string, Record<string, unknown>>;
}

/** The field values of an entry, untagged. */
export type EntryFields = Record<string, unknown>;

/** What each store holds: the entry tag, and how the entry's key (UniqueId) is read from it. */
export interface StoreKind {
  tag: string;
  keyOf(fields: EntryFields): string | undefined;
  /** The tombstone payload: the entry with only its key field. */
  tombstone(uniqueId: string): EntryFields;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const byUid = (tag: string): StoreKind => ({
  tag,
  keyOf: (f) => str(f.Uid),
  tombstone: (u) => ({ Uid: u }),
});

export const STORE_KINDS: Record<string, StoreKind> = {
  Credential: {
    tag: 'CatalogedCredential',
    // MeshPass writes Uid = UniqueId; reference-written entries are keyed "Protocol:Service".
    keyOf: (f) => str(f.Uid) ?? `${str(f.Protocol) ?? ''}:${str(f.Service) ?? ''}`,
    tombstone: (u) => ({ Uid: u }),
  },
  Bookmark: byUid('CatalogedBookmark'),
  Task: byUid('CatalogedTask'),
  Device: { tag: 'CatalogedDevice', keyOf: (f) => str(f.DeviceUdf), tombstone: (u) => ({ DeviceUdf: u }) },
  Access: {
    tag: 'CatalogedAccess',
    keyOf: (f) => {
      const cap = f.Capability;
      if (typeof cap !== 'object' || cap === null) return undefined;
      const inner = Object.values(cap as Record<string, unknown>)[0];
      return typeof inner === 'object' && inner !== null ? str((inner as Record<string, unknown>).Id) : undefined;
    },
    tombstone: (u) => ({ Capability: { NullCapability: { Id: u } } }),
  },
};

export function storeKind(store: string): StoreKind {
  const k = STORE_KINDS[store];
  if (!k) throw new MeshError('unsupported', `no entry type known for store ${store}`);
  return k;
}

/** `{"<Tag>": fields}` */
export const tagged = (tag: string, fields: EntryFields): Record<string, EntryFields> => ({ [tag]: fields });

/** Reads a tagged object `{"Tag": {...}}`, requiring the given tag. */
export function untag(value: unknown, tag: string): EntryFields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MeshError('malformed', 'entry is not a JSON object');
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== tag) throw new MeshError('malformed', `expected a ${tag} entry, got ${keys.slice(0, 2).join(',').slice(0, 64)}`);
  const inner = (value as Record<string, unknown>)[tag];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new MeshError('malformed', `${tag} must be an object`);
  return inner as EntryFields;
}

/** Field order of catalogs.md §5 for compact, stable serialisation; unknown fields follow. */
const FIELD_ORDER: Record<string, string[]> = {
  CatalogedCredential: ['Protocol', 'Service', 'Username', 'Password', 'ClientAuthentication', 'HostAuthentication', 'Uid', 'LocalName', 'Path', 'Description'],
  CatalogedBookmark: ['Uri', 'Title', 'Comments', 'Uid', 'LocalName', 'Path', 'Description'],
};

/** Drops undefined/null members and orders fields as the spec lists them. */
export function normalizeFields(tag: string, fields: EntryFields): EntryFields {
  const order = FIELD_ORDER[tag] ?? [];
  const out: EntryFields = {};
  for (const k of order) if (fields[k] !== undefined && fields[k] !== null) out[k] = fields[k];
  for (const k of Object.keys(fields)) if (!(k in out) && fields[k] !== undefined && fields[k] !== null) out[k] = fields[k];
  return out;
}

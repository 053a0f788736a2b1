// Bitwarden JSON export (unencrypted): { encrypted: false, folders: [{id,name}], items: [...] }.
// Item types: 1 login, 2 secure note, 3 card, 4 identity, 5 SSH key. Organization exports carry
// collections instead of folders.
import { toIso, withExtras, type Collector } from '../collect.ts';
import { arr, obj, str, type JsonObject } from '../json.ts';
import { failImport } from '../problems.ts';
import type { SkipKind } from '../types.ts';

export const BITWARDEN_JSON_LABEL = 'Bitwarden JSON';

export function looksLikeBitwardenJson(data: unknown): boolean {
  const o = obj(data);
  return !!o && Array.isArray(o.items) && (typeof o.encrypted === 'boolean' || Array.isArray(o.folders) || Array.isArray(o.collections));
}

const SKIP_BY_TYPE: Record<number, SkipKind> = { 2: 'notes', 3: 'cards', 4: 'identities' };

export function readBitwardenJson(data: unknown, collector: Collector): void {
  const root = obj(data);
  if (!root || !Array.isArray(root.items)) failImport('malformed', 'not a Bitwarden JSON export: no "items" list');
  if (root.encrypted === true) {
    failImport('unsupported', 'this Bitwarden export is password-protected or account-encrypted; export again as "JSON" (unencrypted)');
  }
  const folders = namesById(root.folders);
  const collections = namesById(root.collections);
  let passkeys = 0;
  root.items.forEach((value, i) => {
    const item = obj(value);
    const origin = { item: `item ${i + 1}${item && str(item.name) ? ` "${str(item.name)}"` : ''}` };
    if (!item) return collector.itemError(origin, 'not an object');
    if (item.deletedDate) return collector.skip('trashed', origin);
    const type = item.type;
    if (type !== 1) return collector.skip(SKIP_BY_TYPE[type as number] ?? 'other', origin);
    const login = obj(item.login) ?? {};
    if (arr(login.fido2Credentials).length > 0) passkeys++;
    const collectionId = arr(item.collectionIds).map(str)[0];
    collector.add(
      {
        title: str(item.name),
        urls: arr(login.uris).map((u) => str(obj(u)?.uri)),
        username: str(login.username),
        password: str(login.password),
        totp: str(login.totp),
        notes: withExtras(str(item.notes), customFields(item)),
        folder: folders.get(str(item.folderId)) ?? (collectionId ? collections.get(collectionId) : undefined) ?? '',
        created: toIso(item.creationDate),
        modified: toIso(item.revisionDate),
      },
      origin,
    );
  });
  if (passkeys > 0) collector.warn(`${passkeys} login(s) have passkeys; passkeys are not imported, the logins are`);
}

function namesById(list: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of arr(list)) {
    const o = obj(v);
    if (o && str(o.id)) map.set(str(o.id), str(o.name));
  }
  return map;
}

/** Custom fields (text, hidden, boolean) are kept as `name: value` lines in the notes; linked fields have no value. */
function customFields(item: JsonObject): [string, string][] {
  return arr(item.fields)
    .map(obj)
    .filter((f): f is JsonObject => !!f && f.value !== null && f.value !== undefined)
    .map((f) => [str(f.name) || 'Field', str(f.value)]);
}

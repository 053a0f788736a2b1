// Proton Pass export: data.json, alone or inside a zip as "Proton Pass/data.json".
// { version, userId, encrypted: false, vaults: { SHARE_ID: { name, items: [...] } } }
// Item state 1 = active, 2 = trashed; data.type: login, note, alias, creditCard, identity.
import { toIso, withExtras, type Collector } from '../collect.ts';
import { arr, obj, str } from '../json.ts';
import { failImport } from '../problems.ts';
import type { SkipKind } from '../types.ts';

export const PROTONPASS_JSON_LABEL = 'Proton Pass JSON';
export const PROTONPASS_ZIP_LABEL = 'Proton Pass zip';

export function looksLikeProtonPassJson(data: unknown): boolean {
  const o = obj(data);
  return !!o && !!obj(o.vaults) && typeof o.version === 'string';
}

/** "Proton Pass/data.json" (or data.json at the top); not any data.json, which could be an attachment. */
export function isProtonPassDataEntry(name: string): boolean {
  return /^(Proton Pass\/)?data\.json$/.test(name);
}

const SKIP_BY_TYPE: Record<string, SkipKind> = { note: 'notes', creditCard: 'cards', identity: 'identities' };

export function readProtonPass(data: unknown, collector: Collector): void {
  const root = obj(data);
  const vaults = obj(root?.vaults);
  if (!root || !vaults) failImport('malformed', 'not a Proton Pass export: no "vaults"');
  if (root.encrypted === true) failImport('unsupported', 'this Proton Pass export is encrypted with PGP; export again without encryption');
  for (const vaultValue of Object.values(vaults)) {
    const vault = obj(vaultValue);
    const vaultName = str(vault?.name);
    arr(vault?.items).forEach((value, i) => {
      const item = obj(value);
      const d = obj(item?.data);
      const meta = obj(d?.metadata);
      const origin = { item: `vault "${vaultName}", item ${i + 1}${meta && str(meta.name) ? ` "${str(meta.name)}"` : ''}` };
      if (!item || !d) return collector.itemError(origin, 'has no item data');
      if (item.state === 2) return collector.skip('trashed', origin);
      const type = str(d.type);
      if (type !== 'login') return collector.skip(SKIP_BY_TYPE[type] ?? 'other', origin);
      const content = obj(d.content) ?? {};
      // Newer exports split the login into itemUsername and itemEmail; older ones have `username`.
      const itemUsername = str(content.itemUsername) || str(content.username);
      const itemEmail = str(content.itemEmail);
      let totp = str(content.totpUri);
      const extras: [string, string][] = [];
      if (itemUsername && itemEmail && itemUsername !== itemEmail) extras.push(['Email', itemEmail]);
      for (const f of arr(d.extraFields).map(obj)) {
        if (!f) continue;
        const fd = obj(f.data) ?? {};
        const value = str(fd.totpUri) || str(fd.content);
        if (str(f.type) === 'totp' && !totp) totp = value;
        else extras.push([str(f.fieldName) || 'Field', value]);
      }
      collector.add(
        {
          title: str(meta?.name),
          urls: arr(content.urls).map(str),
          username: itemUsername || itemEmail,
          password: str(content.password),
          totp,
          notes: withExtras(str(meta?.note), extras),
          folder: vaultName,
          created: toIso(item.createTime, 's'),
          modified: toIso(item.modifyTime, 's'),
        },
        origin,
      );
    });
  }
}

// 1Password .1pux: a zip whose export.data is JSON: accounts[].vaults[].items[].
// Category "001" is a login, "005" a password; cards, identities, notes and the rest are counted.
import { toIso, withExtras, type Collector } from '../collect.ts';
import { arr, obj, str, type JsonObject } from '../json.ts';
import { failImport } from '../problems.ts';
import type { SkipKind } from '../types.ts';

export const ONEPASSWORD_1PUX_LABEL = '1Password 1PUX';

export function isOnePuxDataEntry(name: string): boolean {
  return name === 'export.data';
}

const SKIP_BY_CATEGORY: Record<string, SkipKind> = {
  '002': 'cards',
  '101': 'cards',
  '003': 'notes',
  '004': 'identities',
  '103': 'identities',
  '104': 'identities',
  '105': 'identities',
  '106': 'identities',
  '107': 'identities',
  '108': 'identities',
};

export function readOnePux(data: unknown, collector: Collector): void {
  const root = obj(data);
  if (!root || !Array.isArray(root.accounts)) failImport('malformed', 'export.data has no "accounts" list');
  for (const account of arr(root.accounts).map(obj)) {
    for (const vault of arr(account?.vaults).map(obj)) {
      const vaultName = str(obj(vault?.attrs)?.name);
      arr(vault?.items).forEach((value, i) => {
        const item = obj(value);
        const overview = obj(item?.overview);
        const origin = { item: `vault "${vaultName}", item ${i + 1}${overview && str(overview.title) ? ` "${str(overview.title)}"` : ''}` };
        if (!item || !overview) return collector.itemError(origin, 'has no overview');
        if (item.state === 'trashed') return collector.skip('trashed', origin);
        const category = str(item.categoryUuid);
        if (category !== '001' && category !== '005') return collector.skip(SKIP_BY_CATEGORY[category] ?? 'other', origin);
        const details = obj(item.details) ?? {};
        const { username, password } = loginFields(details);
        const { totp, extras } = sectionFields(details);
        collector.add(
          {
            title: str(overview.title),
            urls: [str(overview.url), ...arr(overview.urls).map((u) => str(obj(u)?.url))],
            username,
            password: password || str(details.password),
            totp,
            notes: withExtras(str(details.notesPlain), extras),
            folder: vaultName,
            created: toIso(item.createdAt, 's'),
            modified: toIso(item.updatedAt, 's'),
          },
          origin,
        );
      });
    }
  }
}

function loginFields(details: JsonObject): { username: string; password: string } {
  let username = '';
  let password = '';
  for (const f of arr(details.loginFields).map(obj)) {
    if (!f) continue;
    const designation = str(f.designation);
    if (designation === 'username' && !username) username = str(f.value);
    if (designation === 'password' && !password) password = str(f.value);
  }
  return { username, password };
}

/** The first one-time-password field becomes the TOTP; other section fields with a value go to notes. */
function sectionFields(details: JsonObject): { totp: string; extras: [string, string][] } {
  let totp = '';
  const extras: [string, string][] = [];
  for (const section of arr(details.sections).map(obj)) {
    for (const field of arr(section?.fields).map(obj)) {
      const v = obj(field?.value);
      if (!field || !v) continue;
      if (v.totp !== undefined && !totp) {
        totp = str(v.totp);
        continue;
      }
      const text = str(v.string) || str(v.concealed) || str(v.url) || str(obj(v.email)?.email_address) || str(v.phone);
      if (text) extras.push([str(field.title) || 'Field', text]);
    }
  }
  return { totp, extras };
}

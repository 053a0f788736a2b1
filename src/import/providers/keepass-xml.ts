// KeePass 2 XML export (File → Export → KeePass XML (2.x)); KeePassXC reads and writes the same.
// <KeePassFile><Meta>…<RecycleBinUUID/></Meta><Root><Group><Name/><Entry><String><Key/><Value/>…
// Entries inside <History> are old versions and are not imported.
import { toIso, withExtras, type Collector } from '../collect.ts';
import { failImport } from '../problems.ts';
import type { XmlElement } from '../types.ts';
import { childElement, childElements, childText } from '../xml.ts';

export const KEEPASS_XML_LABEL = 'KeePass 2 XML';

const STANDARD_KEYS = new Set(['Title', 'UserName', 'Password', 'URL', 'Notes']);
const TOTP_KEYS = ['otp', 'TimeOtp-Secret-Base32', 'TOTP Seed'];
const MAX_DEPTH = 64;

export function looksLikeKeePassXml(text: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<KeePassFile[\s>]/.test(text);
}

export function readKeePassXml(root: XmlElement, collector: Collector): void {
  if (root.tagName !== 'KeePassFile') failImport('malformed', `not a KeePass XML export: the root element is <${root.tagName}>`);
  const recycleBin = childText(childElement(root, 'Meta'), 'RecycleBinUUID').trim();
  const top = childElement(root, 'Root');
  if (!top) failImport('malformed', 'not a KeePass XML export: no <Root>');
  let entryNumber = 0;

  const walk = (group: XmlElement, path: string[], depth: number, trashed: boolean): void => {
    if (depth > MAX_DEPTH) failImport('malformed', `groups nested deeper than ${MAX_DEPTH} levels`);
    const inBin = trashed || (!!recycleBin && childText(group, 'UUID').trim() === recycleBin);
    for (const el of childElements(group)) {
      if (el.tagName === 'Group') walk(el, [...path, childText(el, 'Name')], depth + 1, inBin);
      else if (el.tagName === 'Entry') readEntry(el, path, inBin, ++entryNumber, collector);
    }
  };
  // The top group is the database itself; folders are the groups below it.
  for (const g of childElements(top)) if (g.tagName === 'Group') walk(g, [], 0, false);
}

function readEntry(entry: XmlElement, path: string[], trashed: boolean, n: number, collector: Collector): void {
  const strings = new Map<string, string>();
  for (const s of childElements(entry)) {
    if (s.tagName !== 'String') continue;
    const value = childElement(s, 'Value');
    if (value?.getAttribute('Protected') === 'True') {
      failImport('unsupported', 'protected values are still encrypted; export from KeePass as "KeePass XML (2.x)"', { item: `entry ${n}` });
    }
    strings.set(childText(s, 'Key'), value?.textContent ?? '');
  }
  const title = strings.get('Title') ?? '';
  const origin = { item: `entry ${n}${title ? ` "${title}"` : ''}` };
  if (trashed) return collector.skip('trashed', origin);
  const times = childElement(entry, 'Times');
  const totpKey = TOTP_KEYS.find((k) => strings.get(k));
  const extraUrls = [...strings.entries()].filter(([k]) => /^KP2A_URL/.test(k)).map(([, v]) => v);
  const extras = [...strings.entries()].filter(
    ([k]) => !STANDARD_KEYS.has(k) && k !== totpKey && !/^KP2A_URL/.test(k) && !k.startsWith('TimeOtp-') && !k.startsWith('_etm_'),
  );
  collector.add(
    {
      title,
      urls: [strings.get('URL'), ...extraUrls],
      username: strings.get('UserName'),
      password: strings.get('Password'),
      notes: withExtras(strings.get('Notes') ?? '', extras),
      totp: totpKey ? strings.get(totpKey) : '',
      folder: path.join('/'),
      created: toIso(childText(times, 'CreationTime')),
      modified: toIso(childText(times, 'LastModificationTime')),
    },
    origin,
  );
}

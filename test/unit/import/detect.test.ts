import { describe, expect, it } from 'vitest';
import { FORMATS, importFile, type FormatId } from '../../../src/import/index.ts';
import { fixtureBytes, importRecords, utf8, xmldomParseXml } from './helpers.ts';

const FIXTURES: Record<string, FormatId> = {
  'chrome.csv': 'chrome',
  'firefox.csv': 'firefox',
  'safari.csv': 'safari',
  'bitwarden.json': 'bitwarden-json',
  'bitwarden.csv': 'bitwarden-csv',
  '1password.1pux': '1password-1pux',
  '1password.csv': '1password-csv',
  'lastpass.csv': 'lastpass',
  'keepassxc.csv': 'keepassxc-csv',
  'keepass.xml': 'keepass-xml',
  'protonpass.json': 'protonpass-json',
  'protonpass.zip': 'protonpass-zip',
  'dashlane.csv': 'dashlane',
  'nordpass.csv': 'nordpass',
  'dashlane.zip': 'dashlane',
};

describe('format detection', () => {
  it('covers every named format with a fixture', () => {
    expect(new Set(Object.values(FIXTURES))).toEqual(new Set(FORMATS.map((f) => f.id).filter((id) => id !== 'csv')));
  });

  for (const [file, format] of Object.entries(FIXTURES)) {
    it(`detects ${file} as ${format}, and reads it the same when the format is given`, () => {
      const detected = importRecords(fixtureBytes(file));
      expect(detected.report.format).toBe(format);
      expect(importRecords(fixtureBytes(file), { format }).records).toEqual(detected.records);
    });
  }

  it('sends an unknown CSV to the mapping step with headers, a suggestion and a sample', () => {
    const outcome = importFile({ bytes: fixtureBytes('generic-semicolon.csv') });
    expect(outcome).toEqual({
      kind: 'needs-mapping',
      format: 'csv',
      headers: ['Site', 'Login', 'Secret', 'Comment'],
      suggested: { url: 0, username: 1, password: 2, notes: 3 },
      sample: [
        ['example.com', 'nina', 'N1na-pw', 'first'],
        ['example.org', 'nina2', 'semi;colon', ''],
      ],
      rowCount: 2,
      encoding: 'utf-8',
    });
  });

  it('imports an unknown CSV with the mapping the caller supplies', () => {
    const { records, report } = importRecords(fixtureBytes('generic-semicolon.csv'), { mapping: { url: 0, username: 1, password: 2, title: 3 } });
    expect(report.format).toBe('csv');
    expect(records).toEqual([
      { title: 'first', urls: ['https://example.com'], username: 'nina', password: 'N1na-pw', notes: '', totp: '', folder: '', sourceLine: 2 },
      { title: 'example.org', urls: ['https://example.org'], username: 'nina2', password: 'semi;colon', notes: '', totp: '', folder: '', sourceLine: 3 },
    ]);
  });

  it('can map a known CSV by hand too (format csv forces the mapping step)', () => {
    const outcome = importFile({ bytes: fixtureBytes('chrome.csv') }, { format: 'csv' });
    expect(outcome.kind).toBe('needs-mapping');
  });

  it('suggests mappings from common header names', () => {
    const csv = 'Account Name,Web Site,E-mail,Pass,Group,2FA\nA,https://a.example,a@example.com,x,Work,\n';
    const outcome = importFile({ bytes: utf8(csv) });
    expect(outcome.kind === 'needs-mapping' && outcome.suggested).toEqual({ title: 0, url: 1, username: 2, password: 3, folder: 4, totp: 5 });
  });

  it('tells Safari from 1Password CSV although they share most columns', () => {
    const safari = 'Title,URL,Username,Password,Notes,OTPAuth\nA,https://a.example,u,p,,\n';
    const onePassword = 'Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\nA,https://a.example,u,p,,false,false,,\n';
    expect(importRecords(utf8(safari)).report.format).toBe('safari');
    expect(importRecords(utf8(onePassword)).report.format).toBe('1password-csv');
  });

  it('reads a Chrome export without the note column (older versions)', () => {
    const { records, report } = importRecords(utf8('name,url,username,password\nsite,https://s.example,u,p\n'));
    expect(report.format).toBe('chrome');
    expect(records).toEqual([{ title: 'site', urls: ['https://s.example'], username: 'u', password: 'p', notes: '', totp: '', folder: '', sourceLine: 2 }]);
  });

  it('rejects a format given by the caller that does not fit the file', () => {
    expect(() => importFile({ bytes: fixtureBytes('chrome.csv') }, { format: 'firefox' })).toThrow(/line 1: the header is not that of Firefox CSV/);
    expect(() => importFile({ bytes: fixtureBytes('chrome.csv') }, { format: 'bitwarden-json' })).toThrow(/not valid JSON/);
    expect(() => importFile({ bytes: fixtureBytes('chrome.csv') }, { format: '1password-1pux' })).toThrow(/not a zip archive/);
    expect(() => importFile({ bytes: fixtureBytes('protonpass.zip') }, { format: 'chrome' })).toThrow(/is a zip archive/);
    expect(() => importFile({ bytes: fixtureBytes('protonpass.zip') }, { format: '1password-1pux' })).toThrow(/no 1Password \(export.data\), Proton Pass/);
  });

  it('reads KeePass XML with the platform DOMParser when none is injected (browser path)', async () => {
    // jsdom ships no types; only its DOMParser constructor is used here.
    const jsdomModule = 'jsdom';
    const { JSDOM } = (await import(jsdomModule)) as { JSDOM: new (html: string) => { window: { DOMParser: unknown } } };
    const g = globalThis as { DOMParser?: unknown };
    const before = g.DOMParser;
    g.DOMParser = new JSDOM('').window.DOMParser;
    try {
      const viaPlatform = importFile({ bytes: fixtureBytes('keepass.xml') });
      const viaXmldom = importFile({ bytes: fixtureBytes('keepass.xml') }, { parseXml: xmldomParseXml });
      expect(viaPlatform).toEqual(viaXmldom);
      expect(() => importFile({ bytes: utf8('<KeePassFile><Root><Group></KeePassFile>') })).toThrow(/not well-formed XML/);
    } finally {
      g.DOMParser = before;
    }
  });
});

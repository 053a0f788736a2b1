// Property tests with a small fixed budget: every importer, fed mutated exports and arbitrary
// text, returns an outcome or throws a MeshError: never another exception, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../../../src/mesh/errors.ts';
import { exportBackup, importFile, type ImportRecord } from '../../../src/import/index.ts';
import { fixtureBytes, importRecords, xmldomParseXml } from './helpers.ts';

const FIXTURES = [
  'chrome.csv', 'firefox.csv', 'safari.csv', 'bitwarden.json', 'bitwarden.csv', '1password.1pux', '1password.csv', 'lastpass.csv',
  'keepassxc.csv', 'keepass.xml', 'protonpass.json', 'protonpass.zip', 'dashlane.csv', 'nordpass.csv', 'dashlane.zip', 'generic-semicolon.csv',
];

function importsOrFailsCleanly(bytes: Uint8Array): void {
  try {
    importFile({ bytes }, { parseXml: xmldomParseXml });
  } catch (e) {
    if (!(e instanceof MeshError)) throw e;
  }
}

/** A mutation of an export: bytes flipped, cut short, or spliced with other bytes. */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length - 1), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(length) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(length), insert: fc.uint8Array({ maxLength: 32 }) }),
  );

function mutate(bytes: Uint8Array, m: { kind: 'flip' | 'cut' | 'splice'; at: number; value?: number; count?: number; insert?: Uint8Array }): Uint8Array {
  if (m.kind === 'cut') return bytes.slice(0, m.at);
  if (m.kind === 'splice') return new Uint8Array([...bytes.subarray(0, m.at), ...(m.insert ?? []), ...bytes.subarray(m.at)]);
  const out = bytes.slice();
  for (let i = 0; i < (m.count ?? 1); i++) out[(m.at + i * 37) % out.length] = (m.value ?? 0) + i;
  return out;
}

describe('fuzzing every importer', () => {
  for (const file of FIXTURES) {
    it(`mutated ${file}`, () => {
      const bytes = fixtureBytes(file);
      fc.assert(fc.property(mutation(bytes.length), (m) => importsOrFailsCleanly(mutate(bytes, m))), { numRuns: 60, seed: 8 });
    });
  }

  it('arbitrary text under each CSV header', () => {
    const headers = ['name,url,username,password,note', 'url,username,password,totp,extra,name,grouping,fav', 'Title,URL,Username,Password,Notes,OTPAuth'];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.string({ maxLength: 300 }), (header, body) => importsOrFailsCleanly(new TextEncoder().encode(`${header}\n${body}`))),
      { numRuns: 150, seed: 8 },
    );
  });

  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => importsOrFailsCleanly(new TextEncoder().encode(JSON.stringify(v)))), { numRuns: 150, seed: 8 });
  });

  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => importsOrFailsCleanly(b)), { numRuns: 150, seed: 8 });
  });
});

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('a,b', 'say "hi"', 'line1\nline2', 'x\r\ny', ' padded '));
const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,8}[A-Za-z0-9]$/);
const arbitraryRecord: fc.Arbitrary<ImportRecord> = fc.record({
  title: text.map((t) => t.trim()).filter((t) => t.length > 0),
  urls: fc.array(fc.stringMatching(/^[a-z]{1,8}$/).map((h) => `https://${h}.example.com/p`), { maxLength: 3 }).map((u) => [...new Set(u)]),
  username: text,
  password: text.filter((p) => p.length > 0),
  notes: text,
  totp: fc.constantFrom('', 'JBSWY3DPEHPK3PXP', 'otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&issuer=X'),
  folder: fc.array(segment, { maxLength: 3 }).map((s) => s.join('/')),
});

describe('a backup reads back as the records it was made from', () => {
  const strip = (r: ImportRecord) => ({ title: r.title, urls: r.urls, username: r.username, password: r.password, notes: r.notes, totp: r.totp, folder: r.folder });
  for (const format of ['csv', 'bitwarden-json'] as const) {
    it(format, () => {
      fc.assert(
        fc.property(fc.array(arbitraryRecord, { minLength: 1, maxLength: 8 }), (records) => {
          const backup = new TextEncoder().encode(exportBackup(records, format));
          const back = importRecords(backup);
          expect(back.report.format).toBe(format === 'csv' ? 'bitwarden-csv' : 'bitwarden-json');
          expect(back.records.map(strip)).toEqual(records);
        }),
        { numRuns: 60, seed: 8 },
      );
    });
  }
});

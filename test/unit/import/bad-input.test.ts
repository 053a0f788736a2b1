import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../../../src/mesh/errors.ts';
import { DEFAULT_LIMITS, importFile, type ImportOptions } from '../../../src/import/index.ts';
import { fixtureBytes, importRecords, utf8, xmldomParseXml } from './helpers.ts';

/** The MeshError thrown by importing `bytes`. */
function failure(bytes: Uint8Array, options: ImportOptions = {}): MeshError {
  try {
    importFile({ bytes }, { parseXml: xmldomParseXml, ...options });
  } catch (e) {
    if (e instanceof MeshError) return e;
    throw e;
  }
  throw new Error('expected the import to fail');
}

const CHROME_HEADER = 'name,url,username,password,note\n';

describe('malformed files fail whole, naming the line or item', () => {
  it('an empty file', () => {
    expect(failure(new Uint8Array(0))).toMatchObject({ code: 'malformed', message: 'the file is empty' });
    expect(failure(utf8('\n\n'))).toMatchObject({ code: 'malformed', message: 'the file is empty' });
  });

  it('a quoted field that never closes', () => {
    const e = failure(utf8(`${CHROME_HEADER}a,https://a.example,u,p,\nb,https://b.example,u,"p,\nc,d,e,f,g\n`));
    expect(e).toMatchObject({ code: 'malformed', message: 'line 3: a quoted field is never closed', detail: { line: 3 } });
  });

  it('a row with fewer or more fields than the header (nothing is returned, even the good rows)', () => {
    expect(failure(utf8(`${CHROME_HEADER}a,https://a.example,u,p,\nb,https://b.example,u\n`)).message).toBe('line 3: expected 5 fields as in the header, found 3');
    expect(failure(utf8(`${CHROME_HEADER}a,https://a.example,u,p,x,y\n`)).message).toBe('line 2: expected 5 fields as in the header, found 6');
  });

  it('tolerates trailing empty fields and blank lines', () => {
    const { records } = importRecords(utf8(`${CHROME_HEADER}\na,https://a.example,u,p,,,\n\n`));
    expect(records).toEqual([{ title: 'a', urls: ['https://a.example'], username: 'u', password: 'p', notes: '', totp: '', folder: '', sourceLine: 3 }]);
  });

  it('a file with one column is not a CSV export', () => {
    expect(failure(utf8('hello world\nsecond line\n'))).toMatchObject({ code: 'malformed', message: 'line 1: not a CSV export: the first line has fewer than two columns' });
  });

  it('JSON syntax errors name the line', () => {
    const e = failure(utf8('{\n  "encrypted": false,\n  "items": [\n    {"type": 1,}\n  ]\n}'));
    expect(e.code).toBe('malformed');
    expect(e.message).toMatch(/^line 4: the file is not valid JSON/);
  });

  it('JSON that is no known export', () => {
    expect(failure(utf8('{"hello": "world"}'))).toMatchObject({ code: 'unsupported', message: 'this JSON file is not a Bitwarden or Proton Pass export' });
  });

  it('encrypted exports are refused with what to do instead', () => {
    expect(failure(utf8('{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.x", "items": []}')).message).toMatch(/password-protected .* export again as "JSON"/);
    expect(failure(utf8('{"version": "1.0", "encrypted": true, "vaults": {}}')).code).toBe('unsupported');
  });

  it('a Bitwarden item that is not an object is left out with a warning; the rest imports', () => {
    const json = JSON.stringify({ encrypted: false, folders: [], items: [42, { type: 1, name: 'ok', login: { username: 'u', password: 'p', uris: [] } }] });
    const { records, report } = importRecords(utf8(json));
    expect(records.map((r) => r.title)).toEqual(['ok']);
    expect(report.counts.errors).toBe(1);
    expect(report.warnings).toEqual(['item 1: not an object; left out']);
  });

  it('XML: DTDs, foreign roots, still-encrypted values and broken markup', () => {
    expect(failure(utf8('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><KeePassFile/>'))).toMatchObject({ code: 'unsupported' });
    expect(failure(utf8('<?xml version="1.0"?><html><body/></html>'))).toMatchObject({ code: 'unsupported', message: 'this XML file is not a KeePass 2 XML export' });
    const protectedValue = '<KeePassFile><Root><Group><Name>R</Name><Entry><String><Key>Password</Key><Value Protected="True">c2VjcmV0</Value></String></Entry></Group></Root></KeePassFile>';
    expect(failure(utf8(protectedValue))).toMatchObject({ code: 'unsupported', detail: { item: 'entry 1' } });
    expect(failure(utf8('<KeePassFile><Root><Group></Root></KeePassFile>'))).toMatchObject({ code: 'malformed' });
  });

  it('binary garbage is refused with a typed error', () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expect(failure(garbage)).toBeInstanceOf(MeshError);
  });

  it('too many items in one file', () => {
    const rows = Array.from({ length: 11 }, (_, i) => `s${i},https://s${i}.example,u,p,`).join('\n');
    expect(failure(utf8(CHROME_HEADER + rows), { limits: { maxItems: 10 } })).toMatchObject({ code: 'oversized', message: 'line 12: more than 10 rows' });
  });
});

describe('text encodings', () => {
  const csv = `${CHROME_HEADER}Café,https://cafe.example,zoë,pässwörd€,\n`;
  const expected = [{ title: 'Café', urls: ['https://cafe.example'], username: 'zoë', password: 'pässwörd€', notes: '', totp: '', folder: '', sourceLine: 2 }];

  function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
    const units = [...(bom ? [0xfeff] : []), ...Array.from(text, (c) => c.charCodeAt(0))];
    const out = new Uint8Array(units.length * 2);
    units.forEach((u, i) => {
      out[i * 2 + (bigEndian ? 1 : 0)] = u & 0xff;
      out[i * 2 + (bigEndian ? 0 : 1)] = u >> 8;
    });
    return out;
  }

  it('UTF-8 with and without BOM', () => {
    expect(importRecords(utf8(csv)).records).toEqual(expected);
    const withBom = importRecords(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(csv)]));
    expect(withBom.records).toEqual(expected);
    expect(withBom.report.format).toBe('chrome');
  });

  it('UTF-16 LE and BE with BOM, and LE without', () => {
    for (const [be, bom, name] of [[false, true, 'utf-16le'], [true, true, 'utf-16be'], [false, false, 'utf-16le']] as const) {
      const { records, report } = importRecords(utf16(csv, be, bom));
      expect(records).toEqual(expected);
      expect(report.encoding).toBe(name);
    }
  });

  it('Windows-1252 when the bytes are not UTF-8, with a warning', () => {
    const cp1252: Record<string, number> = { 'é': 0xe9, 'ë': 0xeb, 'ä': 0xe4, 'ö': 0xf6, '€': 0x80 };
    const bytes = new Uint8Array(Array.from(csv, (c) => cp1252[c] ?? c.charCodeAt(0)));
    const { records, report } = importRecords(bytes);
    expect(records).toEqual(expected);
    expect(report.encoding).toBe('windows-1252');
    expect(report.warnings).toContain('the file is not UTF-8; it was read as Windows-1252 (Western European)');
  });
});

describe('size limits and hostile archives', () => {
  it('refuses a file over 50 MiB at once, before parsing it', () => {
    const big = new Uint8Array(50 * 1024 * 1024 + 1);
    const started = performance.now();
    expect(failure(big)).toMatchObject({ code: 'oversized', message: 'the file is 50 MiB; the largest import is 50 MiB' });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a zip bomb stops as soon as the entry inflates past the limit, whatever its header declares', () => {
    // 8 MiB of zeros deflate to about 8 KiB; the local header is then patched to declare 100 bytes.
    const bomb = zipSync({ 'export.data': new Uint8Array(8 * 1024 * 1024) }, { level: 1 });
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(22, 100, true);
    expect(failure(bomb, { limits: { maxEntryBytes: 1024 * 1024 } })).toMatchObject({ code: 'oversized', message: 'zip entry "export.data" inflates to more than 1 MiB' });
    expect(DEFAULT_LIMITS).toMatchObject({ maxFileBytes: 50 * 1024 * 1024, maxEntryBytes: 50 * 1024 * 1024, maxZipEntries: 10_000 });
  });

  it('a zip listing too many entries', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 30; i++) files[`files/${i}.bin`] = new Uint8Array(1);
    files['export.data'] = strToU8('{"accounts":[]}');
    expect(failure(zipSync(files), { limits: { maxZipEntries: 20 } })).toMatchObject({ code: 'oversized', message: 'the zip lists more than 20 entries' });
  });

  it('a truncated or damaged zip', () => {
    const zip = fixtureBytes('protonpass.zip');
    expect(failure(zip.subarray(0, 400)).code).toMatch(/truncated|malformed/);
    const damaged = zip.slice();
    for (let i = 80; i < 300; i++) damaged[i] ^= 0x5a;
    expect(failure(damaged)).toBeInstanceOf(MeshError);
  });

  it('a zip without an export in it', () => {
    expect(failure(zipSync({ 'readme.txt': strToU8('hi') }))).toMatchObject({ code: 'unsupported' });
  });
});

describe('header quirks', () => {
  it('a trailing delimiter on the header line names no column', () => {
    const { records } = importRecords(utf8('name,url,username,password,note,\na,https://a.example,u,p,n\n'));
    expect(records).toEqual([{ title: 'a', urls: ['https://a.example'], username: 'u', password: 'p', notes: 'n', totp: '', folder: '', sourceLine: 2 }]);
  });

  it('header names match without case, spaces or underscores', () => {
    const { report } = importRecords(utf8('URL,User Name,Password,HTTP_Realm,Form Action Origin\nhttps://a.example,u,p,,\n'));
    expect(report.format).toBe('firefox');
  });
});

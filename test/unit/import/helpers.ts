import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { importFile } from '../../../src/import/index.ts';
import type { ImportOptions, ImportResult, ParseXml, XmlDocument } from '../../../src/import/index.ts';

export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/import/${name}`, import.meta.url)));

/** xmldom, as the CLI uses it: errors throw instead of being logged. */
export const xmldomParseXml: ParseXml = (text) =>
  new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(text, 'text/xml') as unknown as XmlDocument;

export function importRecords(bytes: Uint8Array, options: ImportOptions = {}): ImportResult {
  const outcome = importFile({ bytes }, { parseXml: xmldomParseXml, ...options });
  if (outcome.kind !== 'records') throw new Error(`expected records, got ${outcome.kind}`);
  return outcome;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
